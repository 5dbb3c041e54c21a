"""Vibration analysis speed and accuracy: ours (picodragon.envtest) beside scipy run the plain way.

Three workloads, each run by ours and a peer in the same process:

* PSD + FRF throughput: 60 s of a control channel and a triaxial response at 10,240 Hz (three
  runs, one per axis, 4 channels each), analysed into the control PSD, the response PSDs and
  H1/H2/coherence at 0.625 Hz lines. Ours: ``envtest.modal.spectra`` (what ``modal.frf``
  uses), every channel's Hann segments transformed once and shared by the auto- and
  cross-spectra. Peer: scipy.signal.welch and
  scipy.signal.csd called once per channel and per estimator, the way a script does it.
  Figure: seconds of 3-axis accelerometer data analysed per wall second; the two results must
  agree to rounding.
* Response Grms: the full |T|^2 x ASD integration of the 1U model under GEVS qualification
  against Miles' closed form on each mode (the peer figure is Miles').
* Modal identification: one GEVS-style low-level survey (0.25 g, 5-2000 Hz, 2 oct/min) of the
  1U analysed; identified modes against the model's truth (no peer: sdypy-EMA was not used, see
  envtest/modal.py).

Writes the key "vibration" of bench/results/envtest.json (other keys of that file are kept);
the thermal figures are bench/envtest_thermal.py's.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import signal

from picodragon.envtest import modal, specs, structure, vibration

RESULTS = Path(__file__).parent / "results" / "envtest.json"
FS = 10240.0
SECONDS = 60.0
RES_HZ = 0.625


def plain_scipy(x: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """The peer: one scipy call per channel and estimator (H1 = Gxy/Gxx, H2 = Gyy/Gyx)."""
    nper = int(FS / RES_HZ)
    kw = {"fs": FS, "window": "hann", "nperseg": nper, "noverlap": nper // 2, "detrend": False}
    h1, h2, coh, pyy = [], [], [], []
    for y in ys:
        f, gxx = signal.welch(x, **kw)
        _, gyy = signal.welch(y, **kw)
        _, gxy = signal.csd(x, y, **kw)
        h1.append(gxy / gxx)
        h2.append(gyy / np.conj(gxy))
        coh.append(np.abs(gxy) ** 2 / (gxx * gyy))
        pyy.append(gyy)
    _, gxx = signal.welch(x, **kw)
    return gxx, np.array(pyy), np.array(h1), np.array(h2), np.array(coh)


def ours(x: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """Ours: every channel's segments transformed once (modal.spectra), PSDs and FRFs from them."""
    _, gxx, gyy, gxy = modal.spectra(x, ys, FS, RES_HZ)
    h1 = gxy / gxx[None, :]
    return gxx, gyy, h1, gyy / np.conj(gxy), np.abs(gxy) ** 2 / (gxx[None, :] * gyy)


def main(argv: list[str]) -> int:
    model = structure.model_for(1.0)
    qual = specs.load_spec("gevs-qualification")
    runs = []
    for i, axis in enumerate(("X", "Y", "Z")):
        rec = vibration.generate_run(model, qual, axis, seed=i, duration_s=SECONDS, fs=FS)
        # a triaxial response: the stack's channel on the excited axis plus two others
        runs.append((rec.control, np.array([rec.channels["stack"], rec.channels["battery"],
                                            rec.channels["camera"]])))
    ours(*runs[0])  # warm
    plain_scipy(*runs[0])
    reps = 3
    wall = time.perf_counter()
    for _ in range(reps):
        mine = [ours(x, ys) for x, ys in runs]
    ours_s = (time.perf_counter() - wall) / reps
    wall = time.perf_counter()
    for _ in range(reps):
        peer = [plain_scipy(x, ys) for x, ys in runs]
    peer_s = (time.perf_counter() - wall) / reps
    diff = max(float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)))
               for m, p in zip(mine, peer, strict=True) for a, b in zip(m[2:4], p[2:4], strict=True))
    data_s = SECONDS * 3  # seconds of 3-axis data (three runs of SECONDS)
    print(f"PSD + FRF, 3 runs x {SECONDS:.0f} s x 4 channels at {FS:.0f} Hz, {RES_HZ} Hz lines")
    print(f"  ours (modal.spectra)              {data_s / ours_s:8.1f} s of data / wall s ({ours_s:.2f} s)")
    print(f"  scipy.signal, one call a channel  {data_s / peer_s:8.1f} s of data / wall s ({peer_s:.2f} s)")
    print(f"  largest relative H1/H2 difference {diff:.1e}; ours {peer_s / ours_s:.2f}x the peer's speed")

    f = np.linspace(20.0, 2000.0, 100_001)
    wall = time.perf_counter()
    resp = model.response_psd(f, qual.asd(f), "X")
    full = np.sqrt(np.trapezoid(resp, f, axis=0))
    full_s = time.perf_counter() - wall
    fn, phi = model.modes("X")
    gamma = phi.T @ model.masses_kg
    wall = time.perf_counter()
    # Miles per mode, summed in quadrature with each mode's participation at each DOF
    miles = np.sqrt(sum((phi[:, r] * gamma[r]) ** 2 * structure.miles_grms(fn[r], model.damping_ratio,
                                                                          float(qual.asd(fn[r:r + 1])[0])) ** 2
                        for r in range(fn.size)))
    miles_s = time.perf_counter() - wall
    print("response Grms of the 1U, GEVS qualification, axis X (full |T|^2 integration vs Miles per mode)")
    for name, a, b in zip(model.dofs, full, miles, strict=True):
        print(f"  {name:8s} full {a:7.2f} g   Miles {b:7.2f} g   ({100 * (b / a - 1):+.1f} %)")

    survey = specs.load_spec("sine-survey")
    rec = modal.sine_survey(model, survey, "X", seed=1)
    wall = time.perf_counter()
    res = modal.analyse_sine(rec)
    sine_s = time.perf_counter() - wall
    truth = model.natural_frequencies("X")
    found = [m["frequency_hz"] for m in res["modes"]]
    errors = [100 * abs(found[i] / truth[i] - 1) for i in range(min(3, len(found)))]
    zeta_err = [100 * abs(m["damping_ratio"] / model.damping_ratio - 1) for m in res["modes"][:3]]
    print(f"modal identification of a {rec.duration_s:.0f} s survey: {sine_s:.2f} s wall; first three "
          f"modes within {max(errors):.2f} % (frequency), {max(zeta_err):.1f} % (damping)")

    out = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    out["vibration"] = {
        "psd_frf": {"seconds_of_3axis_data": data_s, "fs_hz": FS, "resolution_hz": RES_HZ,
                    "channels_per_run": 4, "ours_wall_s": ours_s, "ours_data_s_per_wall_s": data_s / ours_s,
                    "peer": "scipy.signal.welch + csd, one call per channel and estimator",
                    "peer_wall_s": peer_s, "peer_data_s_per_wall_s": data_s / peer_s,
                    "max_relative_difference": diff},
        "response_grms": {"spec": qual.name, "axis": "X", "dofs": list(model.dofs),
                          "full_g": full.tolist(), "full_wall_s": full_s,
                          "peer": "Miles' equation per mode (closed form)", "miles_g": miles.tolist(),
                          "miles_wall_s": miles_s},
        "modal_id": {"survey_s": rec.duration_s, "wall_s": sine_s, "modes_found": len(found),
                     "max_frequency_error_pct": max(errors), "max_damping_error_pct": max(zeta_err)},
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"-> {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
