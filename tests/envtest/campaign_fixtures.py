"""Step results of every kind, made by hand in the contract's shape, for the report's tests.

Shapes only (a flat PSD with a resonance, a single-mode FRF, a two-cycle chamber timeline):
the report must draw and judge whatever the analyses hand it; the analyses' own numbers are
tested beside them (tests/envtest/test_vibration*, test_modal*, test_tvac*, test_correlation*).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from picodragon.envtest import results as R

SOURCE = "GSFC-STD-7000B Table 2.4-3 (fixture)"


def random_result(axis: str = "X", grms: float = 14.1) -> dict:
    f = np.geomspace(20, 2000, 4000)
    spec = np.where(f < 50, 0.026 * (f / 20) ** 1.0, np.where(f < 800, 0.16, 0.16 * (800 / f) ** 2))
    measured = spec * (1 + 0.1 * np.sin(f / 7.0))
    return R.result(
        "random", f"Random vibration, qualification, axis {axis}", spec="gevs-qual-random", axis=axis,
        verdicts=[R.verdict("control PSD within tolerance", 98.7, 90.0, "% of lines", True, SOURCE),
                  R.verdict("Grms within +/-1.5 dB", grms, 14.1, "g", True, SOURCE)],
        series={"control": R.series(f, measured, "Hz", "g^2/Hz"),
                "spec": R.series(f, spec, "Hz", "g^2/Hz"),
                "tolerance_high": R.series(f, spec * 10 ** 0.3, "Hz", "g^2/Hz"),
                "tolerance_low": R.series(f, spec / 10 ** 0.3, "Hz", "g^2/Hz"),
                "abort_high": R.series(f, spec * 10 ** 0.6, "Hz", "g^2/Hz")},
        tables={"grms": R.table(["signal", "Grms (g)"], [["control", grms], ["spec", 14.1]])})


def sine_result(axis: str = "X", f1: float = 800.0, when: str = "pre") -> dict:
    f = np.geomspace(5, 2000, 3000)
    r = f / f1
    h = 1 / np.sqrt((1 - r**2) ** 2 + (0.04 * r) ** 2)
    return R.result(
        "sine", f"Sine survey {when}, axis {axis}", spec="low-level-sine", axis=axis,
        series={"frf": R.series(f, h, "Hz", "g/g")},
        tables={"modes": R.table(["mode", "frequency (Hz)", "damping (%)"], [[1, f1, 2.0]])})


def comparison_result(axis: str = "X", shift_pct: float = 0.4) -> dict:
    return R.result(
        "modal_comparison", f"Pre/post comparison, axis {axis}", spec="gevs-qual-random", axis=axis,
        verdicts=[R.verdict("first mode frequency shift", shift_pct, 5.0, "%", abs(shift_pct) < 5.0,
                            "GSFC-STD-7000B 2.4.1.4 (fixture)")],
        tables={"mode_shifts": R.table(["mode", "pre (Hz)", "post (Hz)", "shift (%)", "passed"],
                                       [[1, 800.0, 800.0 * (1 + shift_pct / 100), shift_pct, abs(shift_pct) < 5.0]])})


def tvac_result() -> dict:
    t = np.linspace(0, 40, 2401)
    shroud = 20 + 40 * np.sin(2 * np.pi * t / 20)
    return R.result(
        "tvac", "Thermal vacuum, 2 cycles", spec="tvac-qual", axis=None,
        verdicts=[R.verdict("cycles completed", 2, 2, "", True, "GSFC-STD-7000B 2.6.2.4 (fixture)"),
                  R.verdict("functional tests passed", "4 of 4", "all", "", True, "GSFC-STD-7000B 2.6.2.4 (fixture)")],
        series={"shroud": R.series(t, shroud, "h", "degC"),
                "battery": R.series(t, shroud * 0.8 + 3, "h", "degC")},
        tables={"plateaus": R.table(["plateau", "start (h)", "end (h)", "kind"],
                                    [["1", 3.0, 7.0, "hot"], ["2", 13.0, 17.0, "cold"],
                                     ["3", 23.0, 27.0, "hot"], ["4", 33.0, 37.0, "cold"]]),
                "functional_tests": R.table(["plateau", "beacon heard", "command accepted", "image captured"],
                                            [["1", True, True, True], ["2", True, True, True],
                                             ["3", True, True, True], ["4", True, True, True]])},
        archive="tvac.sqlite")


def correlation_result(after_max: float = 1.2) -> dict:
    return R.result(
        "correlation", "Thermal model correlation", spec=None, axis=None,
        verdicts=[R.verdict("max residual after", after_max, 3.0, "K", after_max <= 3.0,
                            "ECSS-E-ST-31C 4.2.9 (fixture)")],
        tables={"residuals": R.table(["sensor", "RMS before (K)", "RMS after (K)"],
                                     [["battery", 6.1, 0.9], ["obc", 4.2, after_max]])},
        parameters={"battery_conductance_w_k": 0.12})


def write_campaign(folder: Path, *, failing: bool = False) -> Path:
    """A complete campaign folder (manifest and one JSON a step); ``failing`` breaks one criterion."""
    folder.mkdir(parents=True, exist_ok=True)
    steps: dict[str, dict] = {}
    for axis in "XYZ":
        steps[f"sine_pre_{axis}"] = sine_result(axis, 800.0 + 50 * "XYZ".index(axis), "pre")
        steps[f"random_{axis}"] = random_result(axis)
        steps[f"sine_post_{axis}"] = sine_result(axis, 803.0 + 50 * "XYZ".index(axis), "post")
        steps[f"compare_{axis}"] = comparison_result(axis, 12.0 if failing and axis == "Y" else 0.4)
    steps["tvac"] = tvac_result()
    steps["correlation"] = correlation_result()
    for name, res in steps.items():
        R.save(res, folder / f"{name}.json")
    (folder / "campaign.json").write_text(json.dumps(
        {"mission": "fixture-sat", "seed": 7, "created": "2026-12-04T12:00:00Z", "steps": list(steps),
         "skipped": [], "options": {"random_spec": "gevs-qual-random", "damage": None,
                                    "axes": ["X", "Y", "Z"]}}))
    return folder
