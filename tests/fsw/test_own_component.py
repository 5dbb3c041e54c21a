"""A mission's own component, wired in by configuration (docs/fsw.md, "Your own component").

The worked example: a payload counter declared in a test mission's dictionary file
(``tests/fsw/data/counter.toml``: the core plus one command, one packet and one event), its
handler a small Component class. A mission-style ``[flight_software]`` table selects the
reference components and names the class as ``"package.module:ClassName"``; the class is
imported here as the mission room imports it (the flight software never imports a mission's
code by name). It is then commanded over the uplink, and its telemetry packed on board and
decoded on the ground with the same Dictionary.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from picodragon.dictionary import core, load_dictionary
from picodragon.dictionary.packets import pack_telemetry
from picodragon.dictionary.telecommand import Reason
from picodragon.fsw import FlightSoftware
from picodragon.fsw.modes import ModeTableError
from picodragon.fsw.scheduler import Component, Port
from picodragon.fsw.topology import REFERENCE_COMPONENTS, ComponentContext
from tests.fsw.fakes import T0, bench_config, make_bench
from tests.fsw.ground import KEY, Ground

MISSION_DICTIONARY = Path(__file__).parent / "data" / "counter.toml"
DEPLOYED = T0 + 2000

MISSION_TOML = """
[flight_software]
components = ["events", "downlink", "housekeeping", "modes", "beacon", "deployment",
              "watchdog", "commanding", "transfer", "system"]   # no camera on this one
extra_components = ["tests.fsw.test_own_component:PayloadCounter"]
"""


class PayloadCounter(Component):
    """The toy payload: counts the pulses it is commanded to add, and tells the count."""

    name = "counter"
    component_id = 40
    commands = {"COUNT_PULSES": "count_pulses"}
    rate_groups = {"housekeeping": "report"}

    def __init__(self, context: ComponentContext) -> None:
        super().__init__()
        self.packet = context.dictionary.packet("COUNTER")
        self.sequencer = context.sequencer
        self.packets_out: Port[bytes] = Port("counter.packets_out")
        self.count = 0
        self.step = 0
        self.reports = 0

    def count_pulses(self, now: float, arguments: dict[str, float]) -> int:
        """COUNT_PULSES: add, then send the count at once."""
        self.step = int(arguments["pulses"])
        self.count += self.step
        if self.count >= 2000:
            self.emit(now, "COUNTER_WRAPPED", self.count)
            self.count -= 2000
        self.report(now)
        return 0

    def report(self, now: float) -> None:
        """Housekeeping rate: the count on the real-time downlink."""
        self.reports += 1
        self.packets_out.send(pack_telemetry(self.packet, {"count": self.count, "step": self.step},
                                             now, self.sequencer.next(self.packet.apid)))

    def state(self) -> dict[str, object]:
        return super().state() | {"count": self.count}


def import_component(ref: str) -> type:
    """``package.module:ClassName`` to the class (what the mission room does with the list)."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def configured_bench(table: str = MISSION_TOML):
    dictionary = load_dictionary(MISSION_DICTIONARY)
    section = tomllib.loads(table)["flight_software"]
    bench = make_bench(bench_config(auth_key=KEY))
    bench.fsw = FlightSoftware(
        bench.hal(), bench.config, dictionary=dictionary,
        components=section.get("components"),
        extra_components=[import_component(ref) for ref in section.get("extra_components", [])])
    bench.run_until(DEPLOYED)
    return bench, Ground(dictionary=dictionary), dictionary


def uplink(bench, ground, *frames, settle=30.0):
    bench.radio.uplink.extend(frames)
    bench.run_until(bench.clock.t + settle)
    ground.receive(bench.radio.sent)


def test_the_configured_component_is_commanded_and_its_packet_decodes_on_the_ground():
    bench, ground, _ = configured_bench()
    assert "COUNT_PULSES" in bench.fsw.commanding.handlers
    uplink(bench, ground, ground.frame("COUNT_PULSES", {"pulses": 5}))
    assert ground.responses(1) == [("ACCEPTED", 0), ("COMPLETED", 0)]
    counts = ground.named("COUNTER")
    assert counts and counts[-1].values == {"count": 5.0, "step": 5.0}
    assert bench.fsw.state()["counter"]["count"] == 5


def test_the_component_runs_in_its_rate_group_and_reports_its_events():
    bench, ground, _ = configured_bench()
    before = bench.fsw.components["counter"].reports
    uplink(bench, ground, ground.frame("COUNT_PULSES", {"pulses": 1000}),
           ground.frame("COUNT_PULSES", {"pulses": 1000}), settle=130.0)
    assert bench.fsw.components["counter"].reports >= before + 2 + 2  # 2 commanded, 2 periods
    assert "COUNTER_WRAPPED" in bench.fsw.events.names()
    wrapped = core().event("COUNTER_WRAPPED")
    assert wrapped is None  # the event is the mission's, not the core's
    # the watchdog watches it like any component with rate-group work
    assert "counter" in bench.fsw.watchdog.state()["watched"]


def test_a_reference_component_left_out_leaves_its_commands_failing():
    bench, ground, _ = configured_bench()
    assert "payload" not in bench.fsw.components
    uplink(bench, ground, ground.frame("CAPTURE_IMAGE", {"at_time": 0}))
    assert ground.responses(1) == [("ACCEPTED", 0), ("FAILED", int(Reason.FAILED))]


def test_the_mission_command_without_its_component_fails_and_the_core_refuses_it():
    bench, ground, mission = configured_bench("[flight_software]\n")
    assert tuple(bench.fsw.components) == REFERENCE_COMPONENTS
    uplink(bench, ground, ground.frame("COUNT_PULSES", {"pulses": 5}))
    assert ground.responses(1) == [("ACCEPTED", 0), ("FAILED", int(Reason.FAILED))]
    core_bench = make_bench(bench_config(auth_key=KEY))  # a core-only spacecraft: unknown opcode
    core_bench.run_until(DEPLOYED)
    ground = Ground(dictionary=mission)
    uplink(core_bench, ground, ground.frame("COUNT_PULSES", {"pulses": 5}))
    assert ground.responses(1) == [("REJECTED", int(Reason.UNKNOWN_OPCODE))]


def test_bad_selections_and_dictionaries_are_refused_before_anything_runs():
    bench = make_bench(bench_config(auth_key=KEY))
    hal, config = bench.hal(), bench.config
    with pytest.raises(ValueError, match="no reference component 'camera'"):
        FlightSoftware(hal, config, components=[*REFERENCE_COMPONENTS, "camera"])
    with pytest.raises(ValueError, match="cannot run without commanding"):
        FlightSoftware(hal, config, components=["events", "downlink", "housekeeping", "modes",
                                                "deployment", "watchdog", "system"])
    with pytest.raises(ValueError, match="COUNT_PULSES, which dictionary core does not declare"):
        FlightSoftware(hal, config, extra_components=[PayloadCounter])
    no_modes = replace(core(), enums={"file_kinds": core().enums["file_kinds"]})
    with pytest.raises(ModeTableError, match="enums.modes lacks BOOT, DETUMBLE"):
        FlightSoftware(hal, config, dictionary=no_modes)


def test_modes_are_read_from_the_dictionary():
    """Renumbered modes: the rules follow the names, the wire carries the dictionary's numbers."""
    renumbered = replace(core(), enums={**core().enums, "modes": {
        10: "BOOT", 11: "DETUMBLE", 12: "NOMINAL", 13: "IMAGING", 14: "LOW_POWER", 15: "SAFE"}})
    bench = make_bench(bench_config(auth_key=KEY))
    bench.fsw = FlightSoftware(bench.hal(), bench.config, dictionary=renumbered)
    bench.fsw.boot()
    assert bench.fsw.mode == 10
    bench.run_until(DEPLOYED)
    assert bench.fsw.mode in (11, 12)  # DETUMBLE, or NOMINAL once calm
    ground = Ground(dictionary=renumbered)
    ground.receive(bench.radio.sent)
    assert {int(p.values["mode"]) for p in ground.named("HOUSEKEEPING")} <= {10, 11, 12}
