"""SDR IQ decoding speed: an rtl_sdr-style cu8 recording at 250 kHz, beside the audio path alone.

The recording: 60 s of our own modulator's frames (AFSK 1200: 60 frames a second apart; G3RUH
9600: 120 frames half a second apart), FM at 3 kHz deviation, through the reference mission's
highest pass's Doppler curve (+-10 kHz at UHF, ten minutes compressed into the 60 s) with white
noise (C/N0 54 dB-Hz for AFSK, 56 for G3RUH 9600), written as cu8 at 250 kHz (30 MB).

For each mode: frames decoded with the Doppler correction and without, and the speed as a
multiple of real time on one core (wall clock and CPU time) of

- ``iq``: the whole path from the file (read, mix, filter and decimate, discriminate, demodulate);
- ``receiver``: the IQ receiver alone (file to discriminator audio);
- ``audio``: the same modem on the discriminator's audio alone, already in memory (what
  ``modem demod`` costs on an audio file of that rate, less the file reading).

Each timing follows a warm-up that compiles the kernels. No peer runs here: none of the
installed ones (Direwolf, multimon-ng) reads IQ. Writes bench/results/iq.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the tests' pass helper

from tests.link.iq_pass import pass_recording  # noqa: E402

import _meta  # noqa: E402
from picodragon.link import iq  # noqa: E402
from picodragon.link.modem_files import demodulate_stream  # noqa: E402

RATE = 250000
SECONDS = 60.0
SETS = {"afsk1200": (60, 54.0), "g3ruh9600": (120, 56.0)}


def timed(work: Callable[[], object]) -> tuple[object, float, float]:
    """(result, wall s, CPU s) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def receiver_audio(recording: iq.IqRecording, mode: str, offset: iq.OffsetCurve) -> tuple[np.ndarray, int]:
    receiver = iq.IqReceiver(recording.sample_rate_hz, iq.IF_BANDWIDTH_HZ[mode], offset)
    pieces = [receiver.process(p) for p in iq.iter_samples(recording.path, recording.format)]
    return np.concatenate(pieces), int(round(receiver.if_rate_hz))


def row(mode: str, folder: Path) -> dict[str, object]:
    count, c_n0 = SETS[mode]
    z, curve, sent = pass_recording(mode, count, SECONDS, RATE, c_n0)
    path = folder / f"{mode}.cu8"
    iq.write_iq(path, z, "cu8")
    recording = iq.open_recording(path, sample_rate_hz=RATE)
    warm = folder / "warm.cu8"
    iq.write_iq(warm, z[: RATE // 2], "cu8")
    iq.demodulate_iq(iq.open_recording(warm, sample_rate_hz=RATE), mode=mode, offset=curve)

    found, wall, cpu = timed(lambda: iq.demodulate_iq(recording, mode=mode, offset=curve))
    plain = iq.demodulate_iq(recording, mode=mode)
    (audio, audio_rate), r_wall, r_cpu = timed(lambda: receiver_audio(recording, mode, curve))
    heard, a_wall, a_cpu = timed(lambda: demodulate_stream([audio], audio_rate, mode))
    return {
        "mode": mode,
        "iq_rate_hz": RATE,
        "format": "cu8",
        "seconds": SECONDS,
        "frames_sent": len(sent),
        "decoded_corrected": len(found),  # type: ignore[arg-type]
        "decoded_uncorrected": len(plain),
        "decoded_from_audio": len(heard),  # type: ignore[arg-type]
        "if_rate_hz": audio_rate,
        "iq_x_realtime": round(SECONDS / wall, 1),
        "iq_cpu_x_realtime": round(SECONDS / cpu, 1),
        "receiver_cpu_x_realtime": round(SECONDS / r_cpu, 1),
        "audio_x_realtime": round(SECONDS / a_wall, 1),
        "audio_cpu_x_realtime": round(SECONDS / a_cpu, 1),
    }


def main() -> None:
    _meta.start()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [row(mode, Path(tmp)) for mode in SETS]
    header = (f"{'mode':<10} {'sent':>5} {'corr':>5} {'plain':>6} {'IQ xRT':>7} {'IQ cpu':>7} "
              f"{'rx cpu':>7} {'audio xRT':>10} {'audio cpu':>10}")
    print(f"SDR IQ at {RATE / 1000:g} kHz cu8, {SECONDS:g} s through a compressed real pass")
    print(header)
    for r in rows:
        print(f"{r['mode']:<10} {r['frames_sent']:>5} {r['decoded_corrected']:>5} "
              f"{r['decoded_uncorrected']:>6} {r['iq_x_realtime']:>7} {r['iq_cpu_x_realtime']:>7} "
              f"{r['receiver_cpu_x_realtime']:>7} {r['audio_x_realtime']:>10} {r['audio_cpu_x_realtime']:>10}")
    out = ROOT / "bench" / "results" / "iq.json"
    out.write_text(json.dumps({"sets": rows, "meta": _meta.meta()}, indent=2) + "\n")
    print(f"-> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
