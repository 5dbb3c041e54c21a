"""Random vibration: synthesis from a spec PSD, control PSD (Welch) against the spec, Grms, aborts.

Synthesis (:func:`generate_run`) makes a test run with a known truth: the shaker's control
acceleration has the spec's ASD exactly in expectation (every FFT line of the band gets the
amplitude sqrt(ASD fs N / 2) and a uniform random phase, so the one-sided periodogram equals the
ASD; our own inverse FFT: pyExSi would do the same but pulls pylint in at run time), and the
spacecraft's responses are that record through the structural model's exact transmissibility
(one FFT product, the record being periodic), plus white sensor noise
(:data:`SENSOR_NOISE_G_RMS`, a named assumption). Everything is numpy over the whole record.

Analysis (:func:`analyse_random`): Welch PSD of the control channel (Hann, 50 % overlap,
``resolution_hz`` lines), its deviation in dB from the spec line by line over the band against
the tolerance and abort bands the spec file gives (with their sources), the overall Grms of the
control against the spec's Grms, each response channel's Grms, and the first natural frequency
from the H1 frequency response (response over control) against the deployer minimum when the
spec sets one. A run sampled too slowly for the band is refused (:data:`NYQUIST_MARGIN`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import signal

from picodragon.envtest import results
from picodragon.envtest.specs import Spec
from picodragon.envtest.structure import StructuralModel

SENSOR_NOISE_G_RMS = 0.005
"""white noise on every accelerometer channel, g rms over the Nyquist band (assumption: an IEPE
100 mV/g accelerometer on a 24-bit acquisition, a few mg of residual noise)"""
NYQUIST_MARGIN = 1.25
"""the sample rate must reach 2 x 1.25 x the band's top frequency (assumption: the usual
anti-alias filter margin of acquisition systems, 2.56 x f_max being the common analyser ratio)"""
DEFAULT_FS_HZ = 5120.0
"""default sample rate of generated runs: 2.56 x 2000 Hz (the analyser ratio)"""
DEFAULT_RESOLUTION_HZ = 2.5
"""control PSD line spacing (assumption: vibration controllers run 1.25-5 Hz lines at 2 kHz)"""
EDGE_LINES = 2
"""lines at each band edge left out of the tolerance check: a Hann window's main lobe is +-2
lines wide, so those lines mix the band with the silence outside it"""


class VibrationError(ValueError):
    """Input a vibration analysis cannot use (sample rate too low, no control channel ...)."""


@dataclass
class Recording:
    """Accelerometer time histories of one run (g), the control channel first, and what is known."""

    fs_hz: float
    control: np.ndarray
    channels: dict[str, np.ndarray]
    axis: str | None = None
    kind: str = "random"
    spec: str | None = None
    source: str = "generated"
    truth: dict[str, Any] = field(default_factory=dict)
    band_hz: tuple[float, float] | None = None
    requirements: dict[str, Any] = field(default_factory=dict)
    """requirements the analysis checks (``min_natural_frequency_hz`` and its ``source``)"""

    @property
    def duration_s(self) -> float:
        """Record length (s)."""
        return self.control.size / self.fs_hz


def check_sample_rate(fs_hz: float, top_hz: float, what: str = "recording") -> None:
    """Refuse a sample rate whose Nyquist frequency does not clear the band's top with margin."""
    need = 2.0 * NYQUIST_MARGIN * top_hz
    if not fs_hz >= need:
        raise VibrationError(f"{what}: sample rate {fs_hz:g} Hz is too low for a band up to "
                             f"{top_hz:g} Hz (needs at least {need:g} Hz: 2 x 1.25 x the band's top)")


def synthesize(spec: Spec, duration_s: float, fs_hz: float, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian random record whose one-sided PSD is the spec's ASD (g), by inverse FFT."""
    n = int(round(duration_s * fs_hz))
    f = np.fft.rfftfreq(n, 1.0 / fs_hz)
    amp = np.sqrt(spec.asd(f) * fs_hz * n / 2.0)
    phase = rng.uniform(0.0, 2.0 * math.pi, f.size)
    return np.fft.irfft(amp * np.exp(1j * phase), n)


def through_model(base: np.ndarray, fs_hz: float, model: StructuralModel, axis: str) -> np.ndarray:
    """The model's absolute accelerations (n_dof, n) for a periodic base record (one FFT product)."""
    n = base.size
    f = np.fft.rfftfreq(n, 1.0 / fs_hz)
    spectrum = np.fft.rfft(base)
    t = model.transmissibility(f, axis)  # (n_f, n_dof)
    return np.fft.irfft(spectrum[None, :] * t.T, n, axis=1)


def generate_run(model: StructuralModel, spec: Spec, axis: str, seed: int,
                 duration_s: float | None = None, fs: float = DEFAULT_FS_HZ, *,
                 noise_g_rms: float = SENSOR_NOISE_G_RMS) -> Recording:
    """A random run at ``spec`` on ``axis``: control and one response channel per model DOF."""
    if spec.kind != "random":
        raise VibrationError(f"spec {spec.name} is a {spec.kind} spec, not a random one")
    check_sample_rate(fs, spec.band_hz[1], "generated run")
    duration = spec.duration_s_per_axis if duration_s is None else float(duration_s)
    rng = np.random.default_rng(seed)
    base = synthesize(spec, duration, fs, rng)
    resp = through_model(base, fs, model, axis)
    noise = rng.normal(0.0, noise_g_rms, (resp.shape[0] + 1, base.size))
    channels = {name: resp[i] + noise[i + 1] for i, name in enumerate(model.dofs)}
    fn = model.natural_frequencies(axis)
    truth = {"natural_frequencies_hz": fn.tolist(), "damping_ratio": model.damping_ratio,
             "seed": seed, "noise_g_rms": noise_g_rms, "damage": model.damage}
    return Recording(fs, base + noise[0], channels, axis, "random", spec.name, "generated", truth)


def welch_psd(x: np.ndarray, fs_hz: float, resolution_hz: float = DEFAULT_RESOLUTION_HZ
              ) -> tuple[np.ndarray, np.ndarray]:
    """One-sided ASD (g^2/Hz) by Welch: Hann window, 50 % overlap, ``resolution_hz`` line spacing."""
    nperseg = int(min(x.shape[-1], 2 ** round(math.log2(fs_hz / resolution_hz))))
    return signal.welch(x, fs=fs_hz, window="hann", nperseg=nperseg, noverlap=nperseg // 2,
                        detrend=False, axis=-1)


def grms_of(f: np.ndarray, asd: np.ndarray, band: tuple[float, float] | None = None) -> float:
    """Grms: sqrt of the ASD's area (trapezoids) over ``band`` (all of it when None)."""
    sel = np.ones(f.size, bool) if band is None else (f >= band[0]) & (f <= band[1])
    return float(math.sqrt(max(float(np.trapezoid(asd[sel], f[sel])), 0.0)))


def db(ratio: Any) -> np.ndarray:
    """10 log10 of a power ratio."""
    return 10.0 * np.log10(np.asarray(ratio, dtype=float))


def analyse_random(recording: Recording, spec: Spec, *,
                   resolution_hz: float = DEFAULT_RESOLUTION_HZ,
                   model: StructuralModel | None = None) -> dict[str, Any]:
    """The random run judged against ``spec``: a result of kind ``random`` (envtest.results).

    With the structural ``model`` (a generated run), the joints' fatigue damage over the spec's
    duration is added (``envtest.fatigue``: Dirlik via FLife) as a table and a verdict.
    """
    if spec.kind != "random":
        raise VibrationError(f"spec {spec.name} is a {spec.kind} spec, not a random one")
    lo, hi = spec.band_hz
    check_sample_rate(recording.fs_hz, hi)
    if recording.duration_s * resolution_hz < 4:
        raise VibrationError(f"recording: {recording.duration_s:.2f} s is too short for "
                             f"{resolution_hz:g} Hz lines (needs at least {4 / resolution_hz:g} s)")
    f, p_ctrl = welch_psd(recording.control, recording.fs_hz, resolution_hz)
    band = (f >= lo) & (f <= hi)
    df = float(f[1] - f[0])
    # lines whose Hann window (main lobe +-2 lines) reaches past the band's edges are not judged
    judged = (f >= lo + EDGE_LINES * df) & (f <= hi - EDGE_LINES * df)
    dev = db(np.maximum(p_ctrl[judged], 1e-30) / spec.asd(f[judged]))
    g_ctrl = grms_of(f, p_ctrl, (lo, hi))
    g_spec = spec.grms
    g_dev = float(20.0 * math.log10(max(g_ctrl, 1e-30) / g_spec))
    tol, abort = spec.tolerance, spec.abort
    verdicts = [
        results.verdict("control Grms within tolerance", round(g_dev, 3), tol.grms_db, "dB",
                        abs(g_dev) <= tol.grms_db, tol.source),
        results.verdict("control PSD within tolerance band (worst line)",
                        round(float(np.max(np.abs(dev))), 3), tol.psd_db, "dB",
                        bool(np.all(np.abs(dev) <= tol.psd_db)), tol.source),
        results.verdict("no abort (worst line, overall)",
                        round(float(max(np.max(np.abs(dev)) - abort.psd_db,
                                        abs(g_dev) - abort.grms_db)), 3),
                        0.0, "dB over the abort line",
                        bool(np.all(np.abs(dev) <= abort.psd_db) and abs(g_dev) <= abort.grms_db),
                        abort.source),
    ]
    names = list(recording.channels)
    resp = np.array([recording.channels[n] for n in names]) if names else np.zeros((0, 1))
    rows = [["control", round(g_ctrl, 3), round(g_spec, 3), None]]
    series: dict[str, Any] = {
        "control PSD": results.series(f[band], p_ctrl[band], "Hz", "g^2/Hz"),
        "spec": results.series(spec.frequency_hz, spec.asd_g2_hz, "Hz", "g^2/Hz"),
    }
    for name, level in (("tolerance", tol.psd_db), ("abort", abort.psd_db)):
        for sign, label in ((1, "+"), (-1, "-")):
            series[f"{name} {label}{level:g} dB"] = results.series(
                spec.frequency_hz, spec.asd_g2_hz * 10 ** (sign * level / 10), "Hz", "g^2/Hz")
    first_mode = None
    if names:
        _, p_resp = welch_psd(resp, recording.fs_hz, resolution_hz)
        _, p_xy = signal.csd(recording.control[None, :], resp, fs=recording.fs_hz, window="hann",
                             nperseg=2 * (p_resp.shape[1] - 1), detrend=False, axis=-1)
        h1 = p_xy / np.maximum(p_ctrl[None, :], 1e-30)
        for i, name in enumerate(names):
            g = grms_of(f, p_resp[i], (lo, hi))
            peak = int(np.argmax(p_resp[i][band]))
            rows.append([name, round(g, 3), None, round(float(f[band][peak]), 1)])
            series[f"response PSD {name}"] = results.series(f[band], p_resp[i][band], "Hz", "g^2/Hz")
        gain = np.abs(h1[:, band]).max(axis=0)
        first_mode = _first_peak(f[band], gain)
        series["transmissibility (max over channels)"] = results.series(f[band], gain, "Hz", "g/g")
    if spec.min_natural_frequency_hz is not None and first_mode is not None:
        verdicts.append(results.verdict(
            "first natural frequency above the deployer minimum", round(first_mode, 1),
            spec.min_natural_frequency_hz, "Hz", first_mode >= spec.min_natural_frequency_hz,
            spec.min_natural_frequency_source))
    tables = {"grms": results.table(["channel", "Grms (g)", "spec Grms (g)", "peak ASD at (Hz)"],
                                    rows)}
    if model is not None and recording.axis:
        from picodragon.envtest.fatigue import fatigue

        life = fatigue(model, spec, recording.axis)
        verdicts.append(life["verdict"])
        tables["fatigue"] = life["table"]
    if model is not None and spec.quasi_static:
        from picodragon.envtest.fatigue import JOINT_SECTION_M2
        from picodragon.envtest.structure import quasi_static

        rows_qs = quasi_static(model, float(spec.quasi_static["load_g"]), JOINT_SECTION_M2)
        worst = min(rows_qs, key=lambda r: r[3])
        verdicts.append(results.verdict(
            f"quasi-static {spec.quasi_static['load_g']:g} g: margin of safety of the worst joint "
            f"({worst[0]})", worst[3], 0.0, "MS", worst[3] > 0.0,
            f"{spec.quasi_static.get('source', spec.source)}; yield factor 1.25 (NASA-STD-5001)"))
        tables["quasi_static"] = results.table(["joint", "load (N)", "stress (MPa)", "margin of safety"],
                                               rows_qs)
    title = f"Random vibration, {spec.title}" + (f", axis {recording.axis}" if recording.axis else "")
    return results.result(
        "random", title, spec=spec.name, axis=recording.axis, verdicts=verdicts, series=series,
        tables=tables,
        grms={"control": g_ctrl, "spec": g_spec, "deviation_db": g_dev},
        first_mode_hz=first_mode, fs_hz=recording.fs_hz, duration_s=recording.duration_s,
        resolution_hz=float(f[1] - f[0]), source=recording.source, truth=recording.truth)


def _first_peak(f: np.ndarray, gain: np.ndarray) -> float | None:
    """The lowest clear resonance of a transmissibility (a peak over 2 with prominence over 1)."""
    peaks, _ = signal.find_peaks(gain, height=2.0, prominence=1.0)
    return float(f[peaks[0]]) if peaks.size else None
