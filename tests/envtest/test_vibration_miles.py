"""Known truth for the random analysis: a single-degree-of-freedom system's response PSD and Grms
against Miles' equation, analytically and from generated time histories."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.envtest import specs, structure, vibration

FN, ZETA, ASD = 300.0, 0.03, 0.04


def flat_spec() -> specs.Spec:
    return specs.spec_from_dict({
        "name": "flat", "kind": "random", "title": "flat 0.04 g^2/Hz", "source": "test",
        "units": "g^2/Hz", "duration_s_per_axis": 60.0, "frequency_hz": [20.0, 2000.0],
        "asd_g2_hz": [ASD, ASD], "tolerance": {"psd_db": 3.0, "grms_db": 1.5, "source": "t"},
        "abort": {"psd_db": 6.0, "grms_db": 3.0, "source": "t"}})


def test_full_integration_agrees_with_miles():
    model = structure.sdof(FN, ZETA)
    f = np.linspace(20.0, 2000.0, 200_001)
    resp = model.response_psd(f, np.full(f.size, ASD), "X")[:, 0]
    full = math.sqrt(np.trapezoid(resp, f))
    miles = structure.miles_grms(FN, ZETA, ASD)
    assert miles == pytest.approx(math.sqrt(math.pi / 2 * FN * (1 / (2 * ZETA)) * ASD))
    assert full == pytest.approx(miles, rel=0.03)
    # the peak of the response PSD is (1 + (2 zeta)^2)/(2 zeta)^2 times the input at resonance
    peak = resp[np.argmin(abs(f - FN))]
    assert peak == pytest.approx(ASD * (1 + (2 * ZETA) ** 2) / (2 * ZETA) ** 2, rel=1e-3)


def test_generated_run_response_matches_miles():
    spec, model = flat_spec(), structure.sdof(FN, ZETA)
    run = vibration.generate_run(model, spec, "Z", seed=7, duration_s=60.0, fs=5120.0)
    res = vibration.analyse_random(run, spec, resolution_hz=1.25)
    rows = {r[0]: r for r in res["tables"]["grms"]["rows"]}
    miles = structure.miles_grms(FN, ZETA, ASD)
    assert rows["mass"][1] == pytest.approx(miles, rel=0.04)
    assert rows["control"][1] == pytest.approx(spec.grms, rel=0.02)
    assert res["first_mode_hz"] == pytest.approx(FN, abs=2.5)
    # the response PSD near resonance follows |T|^2 x ASD
    f = np.array(res["series"]["response PSD mass"]["x"])
    p = np.array(res["series"]["response PSD mass"]["y"])
    near = (f > FN * 0.9) & (f < FN * 1.1)
    expected = model.response_psd(f[near], np.full(near.sum(), ASD), "Z")[:, 0]
    assert np.median(p[near] / expected) == pytest.approx(1.0, abs=0.08)
    assert all(v["passed"] for v in res["verdicts"])


def test_a_control_off_by_6_db_fails_tolerance_and_aborts():
    spec, model = flat_spec(), structure.sdof(FN, ZETA)
    run = vibration.generate_run(model, spec, "X", seed=3, duration_s=20.0)
    run.control = run.control * 2.0  # +6 dB
    verdicts = {v["criterion"]: v for v in vibration.analyse_random(run, spec)["verdicts"]}
    assert not verdicts["control Grms within tolerance"]["passed"]
    assert not verdicts["control PSD within tolerance band (worst line)"]["passed"]
    assert not verdicts["no abort (worst line, overall)"]["passed"]


def test_sample_rate_too_low_for_the_band_is_refused():
    spec, model = flat_spec(), structure.sdof(FN, ZETA)
    with pytest.raises(vibration.VibrationError, match="too low"):
        vibration.generate_run(model, spec, "X", seed=1, duration_s=2.0, fs=4000.0)
