"""The radio's mode drives the twin and the flight software end to end (issue 17): the same
mission at 1200 bit/s AFSK and at 9600 bit/s G3RUH FSK, each with a backlog that always has a
packet to send, from the deployment through the first pass over Hanoi.

Expected: the downlink's pacing is its air time over the duty cycle, ``0.1 s + (octets + 10) x
8 x 1.05 / R``: for the 100-octet packets here (126 octets with the AX.25 header and the
flags) 0.98 s a frame at 1200 bit/s and 0.21 s at 9600, so about 4.7 times the frames; the
margin is 0.12 dB higher at 9600 (tests/link/test_budget_modes.py), so the link carries them.
"""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.fsw.downlink import FRAME_OVERHEAD, STUFFING, TX_DELAY_S
from picodragon.mission.engine import Engine, fsw_config

PAYLOAD = bytes(100)
HOURS = 5.6  # from ejection (12:17 UTC) past the first pass over Hanoi (about 17:36 UTC)


class Backlog:
    """A source with always one more packet: the link, not the producer, limits the frames."""

    def has_packet(self, now: float) -> bool:
        return True

    def next_packet(self, now: float) -> bytes | None:
        return PAYLOAD


def in_mode(modulation: str):  # type: ignore[no-untyped-def]
    scenario = load_scenario()
    radio = scenario.spacecraft.radio.model_validate(
        scenario.spacecraft.radio.model_dump() | {"modulation": modulation, "bit_rate": None})
    return scenario.model_copy(update={"spacecraft": scenario.spacecraft.model_copy(update={"radio": radio})})


def fly(modulation: str) -> tuple[Engine, int, list[float]]:
    engine = Engine(in_mode(modulation), seed=3, fidelity="fast")
    engine.fsw.downlink.add_source(Backlog())
    received: list[float] = []

    def on_frame(t: float, frame: bytes, receptions) -> None:  # type: ignore[no-untyped-def]
        received.extend(r.margin_db for r in receptions if r.frame is not None)

    engine.run_until(engine.start_unix + HOURS * 3600.0, on_frame=on_frame)
    return engine, len(received), received


@pytest.fixture(scope="module")
def runs():  # type: ignore[no-untyped-def]
    return {m: fly(m) for m in ("AFSK1200", "FSK9600")}


def test_the_mode_reaches_the_twin_the_flight_software_and_the_channel(runs) -> None:  # type: ignore[no-untyped-def]
    for modulation, rate, mode in (("AFSK1200", 1200.0, "afsk1200"), ("FSK9600", 9600.0, "g3ruh9600")):
        engine = runs[modulation][0]
        assert engine.scenario.spacecraft.radio.bit_rate == rate
        assert fsw_config(engine.scenario).downlink_bit_rate == rate
        assert engine.fsw.downlink.bit_rate == rate
        assert engine.radio.bit_rate == rate  # the twin's radio: its keyed time
        assert engine.channel.mode == mode and engine.channel.bit_rate == rate


def test_a_frame_s_air_time_follows_the_bit_rate(runs) -> None:  # type: ignore[no-untyped-def]
    octets = 126
    for modulation, rate in (("AFSK1200", 1200.0), ("FSK9600", 9600.0)):
        expected = TX_DELAY_S + (octets + FRAME_OVERHEAD) * 8 * STUFFING / rate
        assert runs[modulation][0].fsw.downlink.airtime_s(octets) == pytest.approx(expected)


def test_9600_carries_more_frames_through_the_same_pass(runs) -> None:  # type: ignore[no-untyped-def]
    _, slow, slow_margins = runs["AFSK1200"]
    _, fast, fast_margins = runs["FSK9600"]
    assert slow > 100  # the pass was heard at 1200
    assert 3.5 < fast / slow < 6.0  # about 4.7 by the pacing; as many lost to the channel
    # the margins of the frames heard are the same link's: within a dB or two of each other
    assert abs(np.median(fast_margins) - np.median(slow_margins)) < 2.0


def test_the_report_names_the_mode_and_its_budget() -> None:
    from picodragon.mission.report import _radio_row

    slow = _radio_row(in_mode("AFSK1200"), {"altitude_km": np.array([410.0, 411.0])})[1]
    fast = _radio_row(in_mode("FSK9600"), {})[1]
    assert slow.startswith("1200 bit/s AFSK1200 (modem afsk1200); at 10 deg over VNSC Hanoi")
    assert "required 23.1 dB (BER 1e-05)" in slow
    assert fast.startswith("9600 bit/s FSK9600 (modem g3ruh9600)") and "required 13.9 dB" in fast
