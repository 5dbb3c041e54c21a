"""The engine: the twin and its flight software advanced together, with the radio link around them.

One engine serves every way of flying the twin: the batch run (``runner``), the real-time
rehearsal (``live``) and Monte Carlo. It owns the twin, the HAL built from the twin's devices,
the flight software, the true geometry towards each station and the channel. What happens to a
frame after the channel (a ground station archiving it, a KISS client hearing it) is the
caller's business, through the ``on_frame`` callback.

Time advances by events: the flight software says when it next wants to run; the engine
advances the twin to that moment (at most ``MAX_STEP_S`` at once) and lets it run. In the
``fast`` fidelity the flight software runs in detail only during commissioning and around
every true pass, and the twin alone advances in long steps in between, with the transmitters'
duty cycle measured while the flight software ran out of every station's view as a load.

How long around a pass: from one beacon interval and one control period before the true AOS
(the software has woken, run its control group and keyed a beacon when the first station can
hear it) until its contact timeout and one control period after the true LOS (it has closed
the session the pass opened). Both come from the flight software's own parameter table, so a
mission with other rates gets its own margins.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from picodragon.config import Scenario, Station
from picodragon.dictionary.definitions import Dictionary
from picodragon.mission.visibility import StationTrack, track

#: the longest the twin is advanced without the flight software running (s)
MAX_STEP_S = 60.0
#: length of the chunks over which station geometry is precomputed (s)
CHUNK_S = 6 * 3600.0
#: fast fidelity: detail for this long after ejection (RF silence, antenna, first beacons) (s)
COMMISSIONING_S = 3 * 3600.0
#: fast fidelity: the longest step of the twin alone (s)
CRUISE_STEP_S = 6 * 3600.0


@dataclass(frozen=True)
class Reception:
    """One frame at one station: the geometry, the budget and what the channel delivered."""

    station: str
    elevation_deg: float
    range_m: float
    range_rate_m_s: float
    margin_db: float
    bit_error_rate: float
    frame: bytes | None
    """the frame as received, or None when the channel lost it"""


FrameHandler = Callable[[float, bytes, list[Reception]], None]


class Windows:
    """Sorted, merged time windows with a fast 'am I inside, and where is the next edge' query."""

    def __init__(self, windows: list[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for a, b in sorted(windows):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = np.array([w[0] for w in merged])
        self.ends = np.array([w[1] for w in merged])
        # the same edges as floats, for the query of every tick: bisect, without numpy's overhead
        self._starts, self._ends = self.starts.tolist(), self.ends.tolist()

    def locate(self, t: float) -> tuple[bool, float]:
        """(inside a window, the next edge: the window's end if inside, else the next start)."""
        i = bisect.bisect_right(self._ends, t)
        if i < len(self._starts) and self._starts[i] <= t:
            return True, self._ends[i]
        return False, self._starts[i] if i < len(self._starts) else float("inf")


def fsw_config(scenario: Scenario, auth_key: bytes | None = None):
    """The flight software's own parameter table, from the scenario (the fsw never reads TOML)."""
    from picodragon.fsw.params import FswConfig

    radio = scenario.spacecraft.radio
    return FswConfig(
        callsign=radio.callsign,
        ssid=radio.ssid,
        ground_callsign=radio.ground_callsign,
        telemetry_beacon_interval_s=radio.telemetry_beacon_interval_s,
        rf_silence_s=radio.rf_silence_after_ejection_s,
        beacon_text=beacon_text(scenario),
        downlink_bit_rate=radio.bit_rate,
        auth_key=auth_key,
    )


def beacon_text(scenario: Scenario) -> str:
    """What the CW beacon keys: the radio's ``beacon_text``, else the spacecraft's name in
    capitals with what Morse cannot send left out."""
    text = scenario.spacecraft.radio.beacon_text
    if text is not None:
        return text
    return "".join(c for c in scenario.spacecraft.name.upper() if c.isascii() and (c.isalnum() or c in " /.,?=-"))


def build_hal(devices: Any):
    """The HAL from the twin's devices: each HAL slot takes the device of the same name."""
    from picodragon.fsw.hal import Hal

    present = {f.name: getattr(devices, f.name) for f in fields(Hal) if hasattr(devices, f.name)}
    present["temperatures"] = list(present.get("temperatures", []))
    return Hal(**present)


class Engine:
    """The twin, its flight software, the geometry to each station and the channel."""

    def __init__(self, scenario: Scenario, seed: int, fidelity: str = "full",
                 auth_key: bytes | None = None, audio_channel: bool = False, *,
                 dictionary: Dictionary | None = None, twin: Any = None) -> None:
        """``dictionary``: the mission's, which the flight software speaks (the one the
        scenario names when None, else the core); the scenario's ``[flight_software]`` selects
        the reference components and adds the mission's own. ``twin``: the world the flight
        software runs against (None: the flight twin, ``physics.twin.Twin``; the thermal-vacuum
        test passes the spacecraft in its chamber, ``envtest.chamber.ChamberTwin``)."""
        from picodragon.config.mission import flight_software_parts, load_mission_dictionary
        from picodragon.fsw import FlightSoftware
        from picodragon.link.channel import Channel
        from picodragon.physics.twin import Twin

        if fidelity not in ("full", "fast"):
            raise ValueError(f"fidelity must be 'full' or 'fast', not {fidelity!r}")
        self.scenario = scenario
        self.fidelity = fidelity
        self.twin = Twin(scenario, seed=seed) if twin is None else twin
        self.start_unix = self.twin.start_unix
        self.stations: dict[str, Station] = {s.name: s for s in scenario.stations}
        self.hal = build_hal(self.twin.devices)
        self.dictionary = dictionary if dictionary is not None else load_mission_dictionary(scenario)
        config = fsw_config(scenario, auth_key)
        self.fsw = FlightSoftware(self.hal, config, dictionary=self.dictionary,
                                  **flight_software_parts(scenario))
        #: fast fidelity: detail from this long before each true pass until this long after (s)
        self.pass_lead_s = config.telemetry_beacon_interval_s + config.control_period_s
        self.pass_tail_s = config.contact_timeout_s + config.control_period_s
        self.fsw.boot()
        radio = scenario.spacecraft.radio  # the radio's mode picks the channel's modem and loss
        self.channel = Channel(seed, audio=audio_channel, mode=radio.modem_mode, bit_rate=radio.bit_rate)
        self.uplink_channel = Channel(seed + 1, mode=radio.modem_mode, bit_rate=radio.bit_rate)
        self.radio = self.twin.devices.radio
        self.time = self.start_unix
        self.frames_sent = 0
        self.uplink_frames = 0
        self.uplink_delivered = 0
        self._tracks: dict[str, StationTrack] = {}
        self._last_look: tuple[str, float, tuple[float, float, float]] = ("", np.nan, (np.nan,) * 3)
        """(station, time, geometry) of ``visible``'s last lookup, for ``geometry`` to reuse"""
        self._spans: dict[str, list[tuple[float, float]]] = {}
        self._chunk_end = -np.inf
        self._coupled: Windows | None = None
        self._silence_ends = self.start_unix + scenario.spacecraft.radio.rf_silence_after_ejection_s
        self._quiet_s = 0.0  # detailed seconds out of every station's view ...
        self._quiet_keyed_s = 0.0  # ... and the seconds the transmitters keyed in them
        self._next_wake = self.fsw.step()
        self.reentry_unix: float | None = None
        self.watchdog_resets = 0
        self.brownout_resets = 0
        self.cw_beacons = 0
        self._powered = True
        self._detail_until = -np.inf

    def set_fidelity(self, fidelity: str) -> None:
        if fidelity not in ("full", "fast"):
            raise ValueError(f"fidelity must be 'full' or 'fast', not {fidelity!r}")
        self.fidelity = fidelity
        self._coupled = None
        self._chunk_end = -np.inf

    # --- geometry ------------------------------------------------------------------------------
    def _refresh_tracks(self, t: float) -> None:
        self._chunk_end = t + CHUNK_S
        self._last_look = ("", np.nan, (np.nan,) * 3)
        for name, st in self.stations.items():
            tr = track(self.twin, st, t - MAX_STEP_S, self._chunk_end + MAX_STEP_S)
            self._tracks[name] = tr
            self._spans[name] = tr.visible_spans(st.min_elevation_deg)
        if self.fidelity == "fast":
            windows = [(self.start_unix, self.start_unix + COMMISSIONING_S)]
            windows += [(a - self.pass_lead_s, b + self.pass_tail_s)
                        for sp in self._spans.values() for a, b in sp]
            self._coupled = Windows(windows)

    def _ensure_tracks(self, t: float) -> None:
        if t >= self._chunk_end or t < self._chunk_end - CHUNK_S - MAX_STEP_S:
            self._refresh_tracks(t)

    def geometry(self, station: str, unix_s: float) -> tuple[float, float, float]:
        """True elevation (deg), slant range (m) and range rate (m/s) of the spacecraft."""
        self._ensure_tracks(unix_s)
        last = self._last_look  # the lookup ``visible`` has just made for the link budget
        if last[0] == station and last[1] == unix_s:
            return last[2]
        return self._tracks[station].at(unix_s)

    def _in_anyones_view(self, unix_s: float) -> bool:
        """A station could hear the spacecraft now (its true pass, above its mask)."""
        return any(a <= unix_s <= b for spans in self._spans.values() for a, b in spans)

    def _keyed_s(self) -> float:
        """Seconds the packet radio and the CW beacon have keyed the transmitter so far."""
        cw = getattr(self.twin.devices, "cw", None)
        return self.radio.keyed_s_total + (cw.keyed_s_total if cw is not None else 0.0)

    def visible(self, station: str, unix_s: float) -> bool:
        self._ensure_tracks(unix_s)
        if not any(a <= unix_s <= b for a, b in self._spans[station]):
            return False
        look = self._tracks[station].at(unix_s)
        self._last_look = (station, unix_s, look)
        return look[0] >= self.stations[station].min_elevation_deg

    # --- the link ------------------------------------------------------------------------------
    def _carry_down(self, unix_s: float, frame: bytes) -> list[Reception]:
        from picodragon.link.budget import downlink_budget

        self.frames_sent += 1
        out = []
        radio = self.scenario.spacecraft.radio
        for name, st in self.stations.items():
            if not self.visible(name, unix_s):
                continue
            elevation, range_m, range_rate = self.geometry(name, unix_s)
            budget = downlink_budget(radio, st, range_m, elevation)
            ber = float(budget.bit_error_rate)
            out.append(Reception(name, elevation, range_m, range_rate, float(budget.margin_db), ber,
                                 self.channel.transmit(frame, ber)))
        return out

    def uplink(self, station: str, frame: bytes, unix_s: float | None = None,
               anywhere: bool = False) -> bool:
        """Send a frame from a station to the spacecraft now; True if the spacecraft received it.

        ``anywhere``: ignore geometry and channel (a bench test with the spacecraft on the table).
        """
        from picodragon.link.budget import uplink_budget

        unix_s = self.time if unix_s is None else unix_s
        self.uplink_frames += 1
        if anywhere:
            self.radio.deliver_uplink(bytes(frame))
            self.uplink_delivered += 1
            self._next_wake = min(self._next_wake, self.time)
            return True
        if not self.visible(station, unix_s):
            return False
        elevation, range_m, _ = self.geometry(station, unix_s)
        budget = uplink_budget(self.scenario.spacecraft.radio, self.stations[station], range_m, elevation)
        received = self.uplink_channel.transmit(frame, float(budget.bit_error_rate))
        if received is None:
            return False
        self.radio.deliver_uplink(received)
        self.uplink_delivered += 1
        self._next_wake = min(self._next_wake, self.time)
        return True

    def _computer_alive(self, t: float) -> bool:
        """Brown-out, recovery and the hardware watchdog, as the on-board computer meets them.

        While the twin is in brown-out the computer is off and the software does not run; when
        power returns it boots again (power-on reset). A hardware watchdog that was not kicked in
        time resets the software. CW the beacon keyed is counted and dropped (no station here
        decodes CW).
        """
        from picodragon.fsw.params import ResetCause

        devices = self.twin.devices
        cw = getattr(devices, "cw", None)
        if cw is not None:
            self.cw_beacons += len(cw.drain_outbox())
        if self.twin.brownout:
            self._powered = False
            return False
        if not self._powered:
            self._powered = True
            self.brownout_resets += 1
            self.fsw.hard_reset(ResetCause.POWER_ON)
            self._next_wake = t
            self._kick()
        watchdog = getattr(devices, "watchdog", None)
        if watchdog is not None and watchdog.expired():
            self.watchdog_resets += 1
            self.fsw.hard_reset(ResetCause.WATCHDOG)
            self._next_wake = t
            self._kick()
        return True

    def _kick(self) -> None:
        watchdog = getattr(self.twin.devices, "watchdog", None)
        if watchdog is not None:
            watchdog.kick()

    def _assume_software_ran(self) -> None:
        """After a stretch of the twin alone (fast fidelity), as if the software had kept running."""
        self._kick()
        cw = getattr(self.twin.devices, "cw", None)
        if cw is not None:
            cw.drain_outbox()

    # --- faults --------------------------------------------------------------------------------
    def inject(self, fault, rng: np.random.Generator | None = None) -> str:
        """Apply one scenario fault (``config.Fault``) now; returns what was done, for the log.

        Sensors take the twin's fault API; ``computer``/``reset`` resets the flight software
        as a power glitch would (no cause recorded); ``storage``/``bit_flip`` flips one bit of
        one stored blob (a file's data preferred), as radiation does to flash.
        """
        devices = self.twin.devices
        if fault.device == "computer":
            from picodragon.fsw.params import ResetCause

            self.fsw.hard_reset(ResetCause.POWER_ON)
            self._next_wake = self.time
            return "software reset"
        if fault.device == "storage":
            rng = rng or np.random.default_rng()
            keys = devices.storage.keys()
            if not keys:
                return "bit flip: the flash is empty"
            data_keys = [k for k in keys if "data" in k] or keys
            key = data_keys[int(rng.integers(len(data_keys)))]
            blob = bytearray(devices.storage.read(key) or b"")
            if not blob:
                return f"bit flip: {key} is empty"
            bit = int(rng.integers(len(blob) * 8))
            blob[bit // 8] ^= 1 << (bit % 8)
            devices.storage.write(key, bytes(blob))
            return f"bit flip in {key} at bit {bit}"
        if fault.device.startswith("temperature:"):
            node = fault.device.split(":", 1)[1]
            sensors = [t for t in devices.temperatures if t.location == node]
            if not sensors:
                raise ValueError(f"no temperature sensor at '{node}'")
            target = sensors[0]
        else:
            target = getattr(devices, fault.device)
        if fault.kind == "clear":
            target.clear_fault()
            return f"{fault.device} fault cleared"
        params = {}
        if fault.value is not None:
            params = {"bias": fault.value} if fault.kind == "bias_jump" else {"sigma": fault.value}
        target.inject_fault(fault.kind, **params)
        return f"{fault.device} {fault.kind}"

    # --- time ----------------------------------------------------------------------------------
    @property
    def reentered(self) -> bool:
        return self.twin.reentered

    def run_until(self, t_end: float, on_frame: FrameHandler | None = None,
                  on_step: Callable[[float], None] | None = None,
                  on_progress: Callable[[float], None] | None = None) -> None:
        """Advance everything to ``t_end`` (or re-entry), reporting every frame the radio keyed.

        ``on_step(t)`` runs after each detailed step (the flight software has just run): the
        place for an operator to look at what the ground received and to uplink.
        """
        twin, radio = self.twin, self.radio
        t = self.time
        next_progress = t
        while t < t_end and not twin.reentered:
            self._ensure_tracks(t)
            window_end = t_end
            if self._coupled is not None:
                inside, edge = self._coupled.locate(t)
                if t < self._detail_until:
                    inside, edge = True, min(self._detail_until, edge) if inside else self._detail_until
                if not inside:
                    target = min(edge, t_end, t + CRUISE_STEP_S, self._chunk_end)
                    critical = self.fsw.next_critical_time()
                    if t <= critical < target:
                        # a time-tagged command or a deployment step: wake the software for it
                        target = max(critical, t + 1e-3)
                        self._detail_until = target + 2 * MAX_STEP_S
                    # the software out of view keys its beacons: that duty, measured, is the load
                    duty = self._quiet_keyed_s / self._quiet_s if self._quiet_s > 0 else 0.0
                    radio.assume_keying(duty, t, target)  # the bus counts it, once
                    twin.advance_to(target)
                    t = self.time = target
                    self._next_wake = min(self._next_wake, t)
                    self._assume_software_ran()
                    if on_progress is not None:
                        on_progress(t)
                    continue
                window_end = min(edge, self._chunk_end)
            t_next = min(max(self._next_wake, t), t + MAX_STEP_S, t_end, max(window_end, t + 1e-3))
            if t_next <= t:
                t_next = min(t + 1e-3, t_end)
            twin.advance_to(t_next)
            # out of view, past the RF silence after ejection
            quiet = t_next >= self._silence_ends and not self._in_anyones_view(t_next)
            if quiet:
                self._quiet_s += t_next - t
                keyed_before = self._keyed_s()
            t = self.time = t_next
            for sent_at, frame in radio.drain_outbox():
                receptions = self._carry_down(sent_at, frame)
                if on_frame is not None:
                    on_frame(sent_at, frame, receptions)
            if twin.reentered:
                break
            if not self._computer_alive(t):
                continue
            if t >= self._next_wake:
                self._next_wake = self.fsw.step()
            if quiet:
                self._quiet_keyed_s += self._keyed_s() - keyed_before
            if on_step is not None:
                on_step(t)
            if on_progress is not None and t >= next_progress:
                on_progress(t)
                next_progress = t + 600.0
        for sent_at, frame in radio.drain_outbox():
            receptions = self._carry_down(sent_at, frame)
            if on_frame is not None:
                on_frame(sent_at, frame, receptions)
        if twin.reentered and self.reentry_unix is None:
            self.reentry_unix = twin.reentry_unix
        self.time = max(self.time, min(t_end, self.time if twin.reentered else t_end))
