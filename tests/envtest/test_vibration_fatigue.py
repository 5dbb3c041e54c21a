"""Fatigue from the response PSD: FLife's narrow-band life matches the closed form on a
narrow-band stress, Dirlik is close to it there, and the 1U's joints at GEVS qualification."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.envtest import fatigue, specs, structure, vibration


def test_basquin_through_its_two_points():
    k, c = fatigue.basquin()
    for n, s in fatigue.SN_POINTS:
        assert c / s**k == pytest.approx(n, rel=1e-9)


def test_narrow_band_life_matches_the_closed_form():
    import FLife

    f = np.linspace(0.0, 1000.0, 20001)
    psd = np.where(np.abs(f - 300.0) < 2.0, 1e14, 0.0)  # Pa^2/Hz, a 4 Hz band at 300 Hz
    k, c = 8.0, 1e80
    sd = FLife.SpectralData(input={"PSD": psd, "f": f})
    sigma = math.sqrt(np.trapezoid(psd, f))
    nu0 = math.sqrt(np.trapezoid(f**2 * psd, f)) / sigma
    closed = c / (nu0 * (math.sqrt(2) * sigma) ** k * math.gamma(1 + k / 2))
    assert FLife.Narrowband(sd).get_life(C=c, k=k) == pytest.approx(closed, rel=0.02)
    assert FLife.Dirlik(sd).get_life(C=c, k=k) == pytest.approx(closed, rel=0.15)


def test_joint_damage_at_qualification_and_in_the_random_result():
    model, spec = structure.model_for(1.0), specs.load_spec("gevs-qualification")
    life = fatigue.fatigue(model, spec, "X")
    assert set(life["damage"]) == set(structure.JOINTS)
    assert all(0 < d < 1 for d in life["damage"].values())
    # a 6 dB higher input multiplies the stress by 2 and the damage by 2^k
    hot = specs.spec_from_dict({
        "name": "hot", "kind": "random", "title": "q+6", "source": "t", "units": "g^2/Hz",
        "duration_s_per_axis": spec.duration_s_per_axis, "frequency_hz": spec.frequency_hz.tolist(),
        "asd_g2_hz": (spec.asd_g2_hz * 4).tolist(),
        "tolerance": {"psd_db": 3.0, "grms_db": 1.5, "source": "t"},
        "abort": {"psd_db": 6.0, "grms_db": 3.0, "source": "t"}})
    k, _ = fatigue.basquin()
    ratio = fatigue.fatigue(model, hot, "X")["damage"]["stack"] / life["damage"]["stack"]
    assert ratio == pytest.approx(2**k, rel=0.01)
    run = vibration.generate_run(model, spec, "X", seed=2, duration_s=4.0)
    res = vibration.analyse_random(run, spec, model=model)
    assert "fatigue" in res["tables"] and any("fatigue" in v["criterion"] for v in res["verdicts"])


def test_quasi_static_joint_loads_carry_what_hangs_from_them():
    model = structure.model_for(1.33)  # J-SSOD's heaviest 1U
    rows = {r[0]: r for r in structure.quasi_static(model, 10.0, fatigue.JOINT_SECTION_M2)}
    assert rows["rails"][1] == pytest.approx(1.33 * 10 * 9.80665, abs=0.1)
    m = dict(zip(model.dofs, model.masses_kg, strict=True))
    assert rows["stack"][1] == pytest.approx((m["stack"] + m["battery"]) * 98.0665, abs=0.1)
    stress = rows["rails"][1] / fatigue.JOINT_SECTION_M2
    assert rows["rails"][3] == pytest.approx(450e6 / (1.25 * stress) - 1, abs=0.1)
    spec = specs.load_spec("jssod-htv")
    run = vibration.generate_run(model, spec, "Y", seed=1, duration_s=4.0)
    res = vibration.analyse_random(run, spec, model=model)
    assert "quasi_static" in res["tables"]
    assert any(v["criterion"].startswith("quasi-static 10 g") and v["passed"] for v in res["verdicts"])
