"""The radio's mode in the link budget and the channel: the same link at 1200 bit/s AFSK and at
9600 bit/s G3RUH FSK (issue 17).

Expected from the budget's lines: Eb/N0 falls by 10 log10(9600 / 1200) = 9.03 dB, the required
Eb/N0 at BER 1e-5 falls from 13.35 + 9.7 = 23.05 dB (AFSK over FM) to 13.35 + 0.55 = 13.90 dB
(G3RUH), so the margin moves by -9.03 + 9.15 = +0.12 dB.
"""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.config import load_scenario
from picodragon.link import budget
from picodragon.link.channel import Channel

FRAME = bytes(range(60))


@pytest.fixture(scope="module")
def radios():  # type: ignore[no-untyped-def]
    scenario = load_scenario("picodragon-2013")
    afsk = scenario.spacecraft.radio
    g3ruh = afsk.model_copy(update={"modulation": "FSK9600", "bit_rate": 9600.0})
    return afsk, g3ruh, scenario.stations[0]


def test_each_modulation_has_its_demodulation_loss() -> None:
    assert budget.LinkAssumptions.for_modulation("AFSK1200") == budget.LinkAssumptions()
    assert budget.LinkAssumptions.for_modulation("FSK9600").demodulation_loss_db == 0.55
    assert budget.required_eb_n0_db(1e-5, budget.DEMODULATION_LOSS_DB["FSK9600"]) == pytest.approx(13.90, abs=0.01)
    assert budget.required_eb_n0_db(1e-5, budget.DEMODULATION_LOSS_DB["AFSK1200"]) == pytest.approx(23.05, abs=0.01)
    with pytest.raises(KeyError):
        budget.LinkAssumptions.for_modulation("BPSK1200")


def test_9600_moves_eb_n0_required_and_margin_as_the_lines_say(radios) -> None:  # type: ignore[no-untyped-def]
    afsk, g3ruh, station = radios
    ranges, elevations = np.array([2300e3, 1000e3, 410e3]), np.array([0.0, 30.0, 90.0])
    slow = budget.downlink_budget(afsk, station, ranges, elevations)
    fast = budget.downlink_budget(g3ruh, station, ranges, elevations)
    assert (slow.bit_rate, fast.bit_rate) == (1200.0, 9600.0)
    assert (slow.modulation, fast.modulation) == ("AFSK1200", "FSK9600")
    assert fast.c_over_n0_db_hz == pytest.approx(slow.c_over_n0_db_hz)  # same radio, same path
    assert fast.eb_n0_db - slow.eb_n0_db == pytest.approx(np.full(3, -10 * np.log10(8)))
    assert slow.required_eb_n0_db - fast.required_eb_n0_db == pytest.approx(9.15)
    assert fast.margin_db - slow.margin_db == pytest.approx(np.full(3, 0.12), abs=0.005)
    up_slow, up_fast = (budget.uplink_budget(r, station, 1e6, 30.0) for r in (afsk, g3ruh))
    assert float(up_fast.margin_db) - float(up_slow.margin_db) == pytest.approx(0.12, abs=0.005)


def test_given_assumptions_override_the_modulation(radios) -> None:  # type: ignore[no-untyped-def]
    _, g3ruh, station = radios
    b = budget.downlink_budget(g3ruh, station, 1e6, 30.0, assumptions=budget.LinkAssumptions())
    assert b.demodulation_loss_db == 9.7 and b.modulation == "FSK9600"


def test_the_channel_takes_the_mode_s_loss_and_modem() -> None:
    assert Channel(1).assumptions.demodulation_loss_db == 9.7
    assert Channel(1, mode="g3ruh9600").assumptions.demodulation_loss_db == 0.55
    assert Channel(1, mode="g3ruh9600").bit_rate == 9600.0
    clean = Channel(1, audio=True, mode="g3ruh9600")
    assert clean.sample_rate == 48000
    assert clean.transmit(FRAME, 0.0) == FRAME
    assert Channel(1, audio=True, mode="g3ruh4800").transmit(FRAME, 0.0) == FRAME
    noisy = [Channel(s, audio=True, mode="g3ruh9600").transmit(FRAME, 0.2) for s in range(3)]
    assert noisy == [None, None, None]  # Eb/N0 about 1.9 dB: nothing survives


@pytest.mark.parametrize("kwargs", [{"mode": "bpsk1200"}, {"mode": "g3ruh9600", "audio": True, "fm": True}])
def test_the_channel_refuses_what_it_cannot_simulate(kwargs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        Channel(1, **kwargs)
