"""G3RUH demodulators on the same audio: ours against Direwolf's atest and gr-satellites.

Sets (generated fresh by Direwolf's gen_packets at 48 kHz, 100 frames with rising noise):
  noise-9600   gen_packets -B 9600 -n 100 -r 48000, the reference sweep
  noise-9600-44k  the same at 44.1 kHz
  noise-4800   gen_packets -g -b 4800 -n 100 (G3RUH at 4800; plain -B 4800 is 8PSK)
  hard-9600    our harder set: 1 % fast clock (gen_packets -g -b 9696), then through sox as a
               radio's discriminator output would be: a DC offset of 0.15 (frequency error),
               a 2-pole 5 kHz low-pass (IF and audio filtering) and a 1-pole 30 Hz high-pass
               (AC coupling, the baseline wander G3RUH suffers from)
and the real recordings of ../shared/recordings (KOYO at 9600, Quetzal-1 at 4800; AO-27 is
AFSK and stays in bench/modem.py's world, but is counted here too with our AFSK demodulator).

For each: frames by ours, by atest (default and -P +; -g -B 4800 at 4800) and by gr-satellites
where it knows the satellite; our speed as a multiple of real time on one core (wall clock and
CPU time, after a warm-up that compiles the kernels), atest's too. Writes
bench/results/modem_g3ruh.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import _meta  # noqa: E402
from picodragon.link import g3ruh, peertools  # noqa: E402
from picodragon.link.demod import AfskDemodulator  # noqa: E402
from picodragon.link.wavio import read_wav  # noqa: E402

RECORDINGS = Path(__file__).resolve().parents[1] / ".." / "shared" / "recordings"
SETS: dict[str, tuple[float, list[str], list[str] | None]] = {
    "noise-9600": (9600.0, ["-B", "9600", "-r", "48000"], None),
    "noise-9600-44k": (9600.0, ["-B", "9600", "-r", "44100"], None),
    "noise-4800": (4800.0, ["-g", "-b", "4800", "-r", "48000"], None),
    "hard-9600": (
        9600.0,
        ["-g", "-b", "9696", "-r", "48000"],
        ["dcshift", "0.15", "lowpass", "5000", "highpass", "-1", "30"],
    ),
}
REAL = {"koyo": (9600.0, None), "quetzal1": (4800.0, "QUETZAL-1"), "ao27": (1200.0, "AO-27")}


def atest_args(baud: float) -> list[str]:
    return {9600.0: ["-B", "9600"], 4800.0: ["-g", "-B", "4800"], 1200.0: ["-B", "1200"]}[baud]


def ours(path: Path, baud: float) -> tuple[int, float, float, float]:
    samples, rate = read_wav(path)
    if baud == 1200.0:
        demodulator: object = AfskDemodulator(rate)
    else:
        demodulator = g3ruh.G3ruhDemodulator(rate, baud)
    demodulator.demodulate(samples[: rate // 2])  # type: ignore[attr-defined]
    start, cpu = time.perf_counter(), time.process_time()
    frames = demodulator.demodulate(samples)  # type: ignore[attr-defined]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return len(frames), elapsed, cpu, len(samples) / rate


def atest(path: Path, args: list[str]) -> tuple[int, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    count = peertools.count_atest_args(path, args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return count, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def row(name: str, wav: Path, baud: float, satellite: str | None, gr: bool) -> dict[str, object]:
    n, wall, cpu, seconds = ours(wav, baud)
    a0, a_cpu = atest(wav, atest_args(baud))
    a_plus, _ = atest(wav, [*atest_args(baud), "-P", "+"]) if baud != 1200.0 else (a0, 0.0)
    grs = len(peertools.run_gr_satellites(satellite, wav)) if gr and satellite else None
    r: dict[str, object] = {
        "set": name, "baud": baud, "audio_s": round(seconds, 2), "ours": n,
        "atest": a0, "atest_Pplus": a_plus, "gr_satellites": grs,
        "ours_x_realtime": round(seconds / wall, 1),
        "ours_cpu_x_realtime": round(seconds / cpu, 1),
        "atest_cpu_x_realtime": round(seconds / max(a_cpu, 1e-3), 1),
    }  # fmt: skip
    print(
        f"{name:15s} ours {n:3d}  atest {a0:3d}  atest -P + {a_plus:3d}  "
        f"gr-satellites {'-' if grs is None else grs:>3}  speed (wall/CPU) ours "
        f"{r['ours_x_realtime']:.0f}/{r['ours_cpu_x_realtime']:.0f}x, atest CPU "
        f"{r['atest_cpu_x_realtime']:.0f}x",
        flush=True,
    )
    return r


def main() -> int:
    _meta.start()
    missing = [p for p in ("gen_packets", "atest", "sox") if not shutil.which(p)]
    if missing:
        print(f"bench/modem_g3ruh.py needs {', '.join(missing)} (apt-get install direwolf sox)")
        return 2
    gr = peertools.gr_satellites_works()
    if not gr:
        print("gr-satellites does not run here (apt-get install gr-satellites gnuradio): skipped")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (baud, args, effect) in SETS.items():
            raw = Path(tmp) / f"{name}-raw.wav"
            subprocess.run(
                ["gen_packets", "-n", "100", *args, "-o", str(raw)], check=True, capture_output=True
            )
            wav = raw
            if effect:
                wav = Path(tmp) / f"{name}.wav"
                subprocess.run(
                    ["sox", str(raw), str(wav), *effect], check=True, capture_output=True
                )
            rows.append(row(name, wav, baud, None, gr))
    for name, (baud, satellite) in REAL.items():
        wav = RECORDINGS / f"{name}.wav"
        if wav.is_file():
            rows.append(row(name, wav, baud, satellite, gr))
        else:
            print(f"{wav} absent: skipped")
    beats = all(
        int(r["ours"]) >= max(int(r["atest"]), int(r["atest_Pplus"]), int(r["gr_satellites"] or 0))
        for r in rows
    )
    g3 = [r for r in rows if r["baud"] != 1200.0 and float(r["audio_s"]) > 5]
    slowest = min(float(r["ours_cpu_x_realtime"]) for r in g3) if g3 else 0.0
    print(
        f"at least as many as the best peer on every set: {beats}; slowest G3RUH set (over 5 s "
        f"of audio) {slowest:.0f}x real time by CPU time on one core"
    )
    out = Path(__file__).parent / "results" / "modem_g3ruh.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps({"sets": rows, "beats_best_peer": beats, "slowest_cpu_x": slowest,
                    "meta": _meta.meta()}, indent=2)
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
