"""The fast fidelity's two choices: where the flight software runs in detail around a pass,
and the transmitter load it assumes while the twin flies alone in between (mission/engine.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from picodragon.config.mission import load_mission
from picodragon.mission.engine import Engine, beacon_text
from picodragon.physics.devices import MORSE_KEY_DOWN_FRACTION


@pytest.fixture(scope="module")
def flown_day():
    """The reference mission's first day at fast fidelity, with every frame keyed (time,
    octets, whether any station heard it)."""
    mission = load_mission(None)
    engine = Engine(mission.scenario, 7, fidelity="fast", dictionary=mission.dictionary)
    keyed: list[tuple[float, int, bool]] = []
    engine.passes = set()  # every true pass (station, AOS, LOS) over the day, chunk by chunk
    refresh = engine._refresh_tracks

    def refresh_and_keep(t: float) -> None:
        refresh(t)
        for name, spans in engine._spans.items():
            for aos, los in spans:  # with whether the chunk's detail windows cover its margins
                covered = all(engine._coupled.locate(x)[0]
                              for x in (aos - engine.pass_lead_s + 1.0, los + engine.pass_tail_s - 1.0))
                engine.passes.add((name, aos, los, covered))

    engine._refresh_tracks = refresh_and_keep
    engine.run_until(engine.start_unix + 86400.0,
                     on_frame=lambda t, frame, rx: keyed.append((t, len(frame), bool(rx))))
    return mission, engine, keyed


def test_the_margins_around_a_pass_come_from_the_flight_softwares_own_table(flown_day):
    _, engine, _ = flown_day
    config = engine.fsw.config
    assert engine.pass_lead_s == config.telemetry_beacon_interval_s + config.control_period_s
    assert engine.pass_tail_s == config.contact_timeout_s + config.control_period_s
    # every true pass is inside a detail window with those margins
    assert len(engine.passes) >= 3
    assert all(covered for *_, covered in engine.passes)


def test_the_cruise_load_is_the_beacons_duty(flown_day):
    """Out of view the software keys a telemetry beacon and a CW beacon: the duty the engine
    measured there (and assumes for the cruise) is theirs by arithmetic, within 10 % (the CW
    beacon is two thirds of it: leaving it out, as the engine once did, fails)."""
    mission, engine, keyed = flown_day
    config = engine.fsw.config
    silence_ends = engine.start_unix + mission.scenario.spacecraft.radio.rf_silence_after_ejection_s
    unheard = [octets for t, octets, heard in keyed if not heard and t > silence_ends]
    beacon_octets = Counter(unheard).most_common(1)[0][0]
    packet = engine.radio.air_time_s(b"\0" * beacon_octets) / config.telemetry_beacon_interval_s
    morse = (MORSE_KEY_DOWN_FRACTION * engine.twin.devices.cw.duration_s(beacon_text(mission.scenario), config.cw_wpm)
             / config.cw_beacon_interval_s)
    measured = engine._quiet_keyed_s / engine._quiet_s
    assert measured == pytest.approx(packet + morse, rel=0.10)
