"""TVAC profiles as data (envtest.tvac_profile): the shipped files load, the timeline is the profile's, bad files refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.envtest.tvac_profile import ProfileError, list_profiles, load_profile


def test_shipped_profiles_load_with_sources_and_assumptions() -> None:
    names = list_profiles()
    assert {"gevs-qual", "gevs-accept", "university-lab"} <= set(names)
    for name in names:
        p = load_profile(name)
        assert p.source and p.assumed  # every number has a source or is named an assumption
        assert p.cold_c < p.ambient_c < p.hot_c


def test_qualification_is_wider_than_acceptance() -> None:
    qual, acc = load_profile("gevs-qual"), load_profile("gevs-accept")
    assert qual.hot_c - qual.cold_c == pytest.approx(acc.hot_c - acc.cold_c + 2 * (qual.margin_c - acc.margin_c))
    assert qual.hot_c > acc.hot_c and qual.cold_c < acc.cold_c


def test_timeline_ramps_at_the_rate_and_holds_each_plateau() -> None:
    p = load_profile("gevs-qual")
    t, temp = p.timeline()
    rates = np.abs(np.diff(temp)) / np.diff(t) * 60.0
    assert set(np.round(rates[rates > 0], 9)) == {p.ramp_c_per_min}
    plateaus = p.plateaus()
    assert len(plateaus) == 2 * p.cycles
    assert [q.kind for q in plateaus[:2]] == ["hot", "cold"]
    first, middle = plateaus[0], plateaus[2]
    assert first.duration_s == pytest.approx(3600 * (p.soak_h + p.first_last_dwell_h))
    assert middle.duration_s == pytest.approx(3600 * (p.soak_h + p.dwell_h))
    assert temp[0] == temp[-1] == p.ambient_c
    assert p.setpoint_at(first.start_s + 10) == pytest.approx(p.hot_c)


@pytest.mark.parametrize(("line", "message"), [
    ("cycles = 0", "cycles"),
    ("cycles = 2.5", "whole number"),
    ("margin_c = -1.0", "margin_c"),
    ("start_with = 'warm'", "start_with"),
    ("ramp_c_per_min = 0.0", "ramp_c_per_min"),
    ("limits_max_c = 30.0", "outside the limits"),
    ("colour = 'red'", "unknown keys"),
])
def test_bad_profiles_are_refused_with_one_line(tmp_path, line: str, message: str) -> None:
    base = (load_profile("gevs-qual").__dict__ | {})
    key = line.split("=")[0].strip()
    lines = []
    for k, v in base.items():
        if k == key:
            continue
        lines.append(f"{k} = {list(v)!r}" if isinstance(v, tuple) else f"{k} = {v!r}")
    lines.append(line)
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(lines).replace("(", "[").replace(")", "]"))
    with pytest.raises(ProfileError, match=message) as info:
        load_profile(path)
    assert "\n" not in str(info.value)


def test_unknown_and_broken_profiles(tmp_path) -> None:
    with pytest.raises(ProfileError, match="no thermal-vacuum profile"):
        load_profile("nope")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = ")
    with pytest.raises(ProfileError, match="not TOML"):
        load_profile(broken)


_GOOD = (load_profile("gevs-qual").__dict__ | {})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(_GOOD)),
                       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
                                 st.text(max_size=8), st.booleans(), st.lists(st.text(max_size=4), max_size=3)),
                       max_size=4))
def test_any_profile_file_loads_or_is_one_line(tmp_path_factory, changes: dict) -> None:
    import tomli_w

    data = {k: (list(v) if isinstance(v, tuple) else v) for k, v in _GOOD.items()}
    data.update(changes)
    path = tmp_path_factory.mktemp("p") / "p.toml"
    try:
        path.write_text(tomli_w.dumps(data))
    except (TypeError, ValueError):
        return  # a value TOML cannot hold (NaN is fine, but not every mix)
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        assert "\n" not in str(exc)
        return
    assert profile.cold_c < profile.hot_c and len(profile.plateaus()) == 2 * profile.cycles
    t, temp = profile.timeline()
    assert np.all(np.diff(t) >= 0) and np.isfinite(temp).all()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_is_one_line(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("t") / "t.toml"
    path.write_bytes(text.encode("utf-8", "replace"))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert "\n" not in str(info.value)
