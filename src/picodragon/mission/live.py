"""Live operation: the twin in real time (or faster), its radio reachable over KISS TCP.

``picodragon live`` makes the twin look like a satellite heard through a TNC: every frame the
spacecraft keys and the chosen station would hear (true geometry, link budget, channel) is sent
to every connected KISS TCP client, and every frame a client sends is transmitted from that
station towards the spacecraft (uplink budget, channel). Any ground software that speaks KISS
(``picodragon station``, a Direwolf-fed client, another mission control) can operate it: a
rehearsal of real operations.

``live`` announces its simulated clock, its speed and the element set the ground would have to
every client on connect and every ``ANNOUNCE_EVERY_S`` wall seconds (a KISS SET_HARDWARE frame,
:mod:`picodragon.link.announce`), so ``picodragon station`` follows the twin's time without
flags to match. ``speed`` scales simulated time against wall time. With ``anywhere`` the geometry is ignored
and every frame goes through (a bench test with the spacecraft on the table). The engine runs
in small steps between short sleeps of the event loop, so the KISS server stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from picodragon.config import Scenario
from picodragon.config.mission import Mission, as_mission
from picodragon.dictionary.definitions import Dictionary
from picodragon.mission.clock import iso_z
from picodragon.mission.engine import Engine, Reception

TICK_S = 0.05
#: wall seconds between announcements of the twin's clock to the clients
ANNOUNCE_EVERY_S = 2.0


@dataclass
class LiveStatus:
    """What the live twin has done so far (for the status line and for tests)."""

    sim_unix: float = 0.0
    frames_keyed: int = 0
    frames_to_clients: int = 0
    frames_from_clients: int = 0
    uplinks_delivered: int = 0
    clients: int = 0
    visible: bool = False
    log: list[str] = field(default_factory=list)


async def run_live(
    scenario: Scenario | Mission,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    speed: float = 1.0,
    start_unix: float | None = None,
    station: str | None = None,
    anywhere: bool = False,
    duration_s: float | None = None,
    seed: int | None = None,
    auth_key: bytes | None = None,
    on_ready: Callable[[int], None] | None = None,
    on_status: Callable[[LiveStatus], None] | None = None,
    dictionary: Dictionary | None = None,
) -> LiveStatus:
    """Serve the twin on KISS TCP until ``duration_s`` of wall time, re-entry or a signal.

    ``scenario``: a Mission, or a scenario with its ``dictionary`` (None: the one the scenario
    names, else the core), which the flight software speaks."""
    from picodragon.link.announce import COMMAND as hello_command
    from picodragon.link.announce import LiveAnnouncement
    from picodragon.link.kiss_tcp import KissTcpServer
    from picodragon.physics.orbit import deployed_element_set

    mission = as_mission(scenario, dictionary)
    scenario = mission.scenario
    if speed <= 0:
        raise ValueError("speed must be positive")
    station_name = station or scenario.stations[0].name
    if station_name not in {s.name for s in scenario.stations}:
        raise ValueError(f"unknown station '{station_name}'")
    engine = Engine(scenario, scenario.seed if seed is None else seed, fidelity="fast", auth_key=auth_key,
                    dictionary=mission.dictionary)
    if start_unix is not None:
        if start_unix < engine.start_unix:
            raise ValueError(f"start {iso_z(start_unix)} is before the deployment {iso_z(engine.start_unix)}")
        engine.run_until(start_unix)
    engine.set_fidelity("full")
    status = LiveStatus(sim_unix=engine.time)
    outgoing: list[bytes] = []

    def on_frame(unix_s: float, frame: bytes, receptions: list[Reception]) -> None:
        status.frames_keyed += 1
        if anywhere:
            outgoing.append(frame)
            return
        for rx in receptions:
            if rx.station == station_name and rx.frame is not None:
                outgoing.append(rx.frame)

    def on_uplink(kiss_frame) -> None:
        if kiss_frame.command != 0:
            return  # KISS parameter commands (TXDELAY...) mean nothing to the twin
        status.frames_from_clients += 1
        if engine.uplink(station_name, bytes(kiss_frame.payload), anywhere=anywhere):
            status.uplinks_delivered += 1

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)

    published = deployed_element_set(scenario)
    tle = (published.name, published.line1, published.line2)

    def announcement() -> LiveAnnouncement:
        return LiveAnnouncement(engine.time, speed, station_name, scenario.spacecraft.name, tle)

    server = KissTcpServer(on_frame=on_uplink, host=host, port=port,
                           hello=lambda: announcement().to_kiss())
    await server.start()
    if on_ready is not None:
        on_ready(server.port)
    wall0 = time.monotonic()
    sim0 = engine.time
    next_status = wall0
    next_announce = wall0 + ANNOUNCE_EVERY_S
    try:
        while not stop.is_set():
            elapsed = time.monotonic() - wall0
            if duration_s is not None and elapsed >= duration_s:
                break
            engine.run_until(sim0 + elapsed * speed, on_frame=on_frame)
            status.sim_unix = engine.time
            for frame in outgoing:
                status.frames_to_clients += await server.broadcast(frame)
            outgoing.clear()
            if time.monotonic() >= next_announce:
                hello = announcement()
                await server.broadcast(hello.to_payload(), command=hello_command)
                next_announce = time.monotonic() + ANNOUNCE_EVERY_S
            if engine.reentered:
                status.log.append(f"re-entry at {iso_z(engine.reentry_unix or engine.time)}")
                break
            if on_status is not None and time.monotonic() >= next_status:
                status.clients = server.client_count
                status.visible = anywhere or engine.visible(station_name, engine.time)
                on_status(status)
                next_status = time.monotonic() + 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_S)
    finally:
        await server.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
    return status
