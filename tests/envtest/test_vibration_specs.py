"""The vibration specifications: packaged files load, their breakpoints integrate to the Grms the
standard states, and bad files are refused with a clear SpecError (property-tested)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.envtest.specs import (
    SpecError,
    grms_of_breakpoints,
    list_specs,
    load_spec,
    spec_from_dict,
)

RANDOM = {"name": "t", "kind": "random", "title": "t", "source": "test", "units": "g^2/Hz",
          "duration_s_per_axis": 60.0, "frequency_hz": [20.0, 50.0, 800.0, 2000.0],
          "asd_g2_hz": [0.026, 0.16, 0.16, 0.026],
          "tolerance": {"psd_db": 3.0, "grms_db": 1.5, "source": "s"},
          "abort": {"psd_db": 6.0, "grms_db": 3.0, "source": "s"}}


def test_packaged_specs_load_and_state_their_grms():
    names = list_specs()
    assert {"gevs-qualification", "gevs-acceptance", "gevs-workmanship", "jssod-htv",
            "sine-survey"} <= set(names)
    assert not any(n.startswith("tvac") for n in names)
    qual, acc = load_spec("gevs-qualification"), load_spec("gevs-acceptance")
    # GEVS Table 2.4-3 states 14.1 and 10.0 Grms: the breakpoints integrate to them
    assert qual.grms == pytest.approx(14.1, rel=0.01)
    assert acc.grms == pytest.approx(10.0, rel=0.01)
    assert qual.grms / acc.grms == pytest.approx(math.sqrt(2), rel=1e-6)  # acceptance = qual - 3 dB
    assert load_spec("gevs-workmanship").grms == pytest.approx(6.8, rel=0.01)
    assert load_spec("jssod-htv").assumed and load_spec("jssod-htv").min_natural_frequency_hz == 100.0
    sine = load_spec("sine-survey")
    assert sine.kind == "sine" and sine.sweep_duration_s == pytest.approx(60 * math.log2(400) / 2)


def test_log_log_interpolation_follows_the_db_per_octave_slopes():
    spec = load_spec("gevs-qualification")
    # about +6 dB/oct from 20 Hz (0.026 to 0.16 over 20-50 Hz): one octave up is about 4x
    assert spec.asd(np.array([40.0]))[0] == pytest.approx(0.026 * 4, rel=0.02)
    assert spec.asd(np.array([10.0, 3000.0])).tolist() == [0.0, 0.0]


def test_grms_of_a_flat_psd_is_the_rectangle():
    assert grms_of_breakpoints(np.array([20.0, 2000.0]), np.array([0.04, 0.04])) == pytest.approx(
        math.sqrt(0.04 * 1980))


@pytest.mark.parametrize("change, words", [
    ({"frequency_hz": [20.0, 800.0, 50.0, 2000.0]}, "sorted"),
    ({"frequency_hz": [20.0, 50.0, 50.0, 2000.0]}, "sorted"),
    ({"asd_g2_hz": [0.026, 0.0, 0.16, 0.026]}, "gap"),
    ({"asd_g2_hz": [0.026, -0.16, 0.16, 0.026]}, "positive"),
    ({"units": "(m/s^2)^2/Hz"}, "units"),
    ({"asd_g2_hz": [0.026, 0.16]}, "length"),
    ({"stated_grms": 20.0}, "breakpoint is wrong"),
    ({"kind": "shock"}, "kind"),
    ({"tolerance": None}, "tolerance"),
])
def test_bad_specs_are_refused(change, words):
    with pytest.raises(SpecError, match=words):
        spec_from_dict({**RANDOM, **change}, "bad.toml")


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("kind = [", encoding="utf-8")
    with pytest.raises(SpecError, match="not TOML"):
        load_spec(broken)


_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=5),
                    st.booleans(), st.none())


@settings(max_examples=300, deadline=None)
@given(f=st.lists(_values, max_size=6), a=st.lists(_values, max_size=6),
       units=st.sampled_from(["g^2/Hz", "g", "", "m/s^2"]), stated=_values)
def test_spec_loader_only_raises_spec_error(f, a, units, stated):
    data = {**RANDOM, "frequency_hz": f, "asd_g2_hz": a, "units": units, "stated_grms": stated}
    try:
        spec = spec_from_dict(data, "fuzz")
    except SpecError:
        return
    assert np.all(np.diff(spec.frequency_hz) > 0) and np.all(spec.asd_g2_hz > 0)
