"""Known truth for the signature surveys: modal identification recovers the structural model's
modes from generated data with noise; a 10 % stiffness drop is flagged by the pre/post comparison
and an undamaged rerun with another seed is not."""

from __future__ import annotations

import numpy as np
import pytest

from picodragon.envtest import modal, results, specs, structure


@pytest.fixture(scope="module")
def survey():
    return specs.load_spec("sine-survey")


@pytest.fixture(scope="module")
def pre(survey):
    return modal.analyse_sine(modal.sine_survey(structure.model_for(1.0), survey, "X", seed=11))


@pytest.mark.parametrize("axis", ["X", "Z"])
def test_modal_identification_recovers_the_first_three_modes(survey, axis):
    model = structure.model_for(1.0)
    res = modal.analyse_sine(modal.sine_survey(model, survey, axis, seed=5))
    results.validate(res)
    truth = model.natural_frequencies(axis)[:3]
    found = np.array([m["frequency_hz"] for m in res["modes"]])
    zeta = np.array([m["damping_ratio"] for m in res["modes"]])
    assert found.size >= 3
    np.testing.assert_allclose(found[:3], truth, rtol=0.02)
    np.testing.assert_allclose(zeta[:3], model.damping_ratio, rtol=0.20)
    assert res["tables"]["modes"]["rows"][0][1] == pytest.approx(truth[0], rel=0.02)


def test_a_10_percent_stiffness_drop_is_flagged_and_a_rerun_is_not(survey, pre):
    damage = {"joint": "stack", "stiffness_drop": 0.10}
    damaged = structure.model_for(1.0, damage=damage)
    post = modal.analyse_sine(modal.sine_survey(damaged, survey, "X", seed=12))
    flagged = modal.compare(pre, post, survey.comparison)
    results.validate(flagged)
    assert not results.passed(flagged)
    failed = [v["criterion"] for v in flagged["verdicts"] if not v["passed"]]
    assert failed == ["mode 1 frequency shift under the investigation threshold"]
    # the measured shift is the model's: the truth of the damaged structure
    expected = 100 * (damaged.natural_frequencies("X")[0] / structure.model_for(1.0).natural_frequencies("X")[0] - 1)
    assert flagged["tables"]["mode_shifts"]["rows"][0][3] == pytest.approx(expected, abs=0.1)

    rerun = modal.analyse_sine(modal.sine_survey(structure.model_for(1.0), survey, "X", seed=13))
    same = modal.compare(pre, rerun, survey.comparison)
    assert results.passed(same)
    assert same["max_shift_pct"] < 0.1


def test_frf_estimators_agree_without_noise():
    rng = np.random.default_rng(0)
    model = structure.sdof(200.0, 0.05)
    x = rng.normal(size=2**16)
    from picodragon.envtest.vibration import through_model

    y = through_model(x, 2048.0, model, "X")
    f, h1, h2, coh = modal.frf(x, y, 2048.0, resolution_hz=1.0)
    band = (f > 50) & (f < 800)
    exact = model.transmissibility(f[band], "X")[:, 0]
    np.testing.assert_allclose(np.abs(h1[0, band]), np.abs(exact), rtol=0.05)
    np.testing.assert_allclose(np.abs(h2[0, band]), np.abs(exact), rtol=0.05)
    assert coh[0, band].min() > 0.95


def test_spectra_are_scipys_welch_and_csd():
    from scipy import signal

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=40_000), rng.normal(size=(2, 40_000))
    f, gxx, gyy, gxy = modal.spectra(x, y, 1024.0, resolution_hz=2.0)
    kw = {"fs": 1024.0, "window": "hann", "nperseg": 512, "noverlap": 256, "detrend": False}
    np.testing.assert_allclose(gxx, signal.welch(x, **kw)[1], rtol=1e-10)
    np.testing.assert_allclose(gyy, signal.welch(y, axis=-1, **kw)[1], rtol=1e-10)
    np.testing.assert_allclose(gxy, signal.csd(x[None, :], y, axis=-1, **kw)[1], rtol=1e-10, atol=1e-14)
    assert f[1] == 2.0
