"""AFSK 1200 demodulators on the same audio: ours against Direwolf's atest and multimon-ng.

Sets (each generated fresh by Direwolf's gen_packets, 100 frames with rising noise):
  noise       gen_packets -n 100 (44.1 kHz), the reference sweep
  noise-22k   the same at 22.05 kHz (another noise draw)
  noise-8k    the same at 8 kHz
  offset      tones 70 Hz low (1130/2130 Hz): a transmitter's tone error
  drift       1218 bit/s: a 1.5 % fast clock
  deemph      the sweep through a one-pole 300 Hz low-pass (sox): de-emphasis twist, about 5 dB
  preemph     the sweep through a one-pole 3 kHz high-pass: the other twist, space 4 dB louder
  hum         the sweep at 60 % with 50 Hz mains hum, its third harmonic and a DC offset
  all         tones 50 Hz low, 1212 bit/s and the de-emphasis at once
  fm          100 clean gen_packets frames through narrow-band FM (picodragon.link.fm: 3 kHz
              deviation, 15 kHz IF, limiter-discriminator) with Eb/N0 falling from 21 to
              17 dB: the FM threshold's clicks, the noise a real receiver gives

For each set: frames decoded by ours (plain, and with FCS-checked fixing), atest (its default
profile and -P E+, its several-slicer mode; each with -F 0 and -F 1), multimon-ng -a AFSK1200; frames of ours that are not among the 100 sent (false decodes);
our speed as a multiple of real time on one core, by the wall clock and by CPU time (the fair
figure on a shared machine), around the demodulator only after a warm-up that compiles the
kernels; atest's likewise (wall clock of the process, its CPU time from getrusage). Writes bench/results/modem.json.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import json  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import _meta  # noqa: E402
from picodragon.link import ax25, peertools  # noqa: E402
from picodragon.link.demod import AfskDemodulator  # noqa: E402
from picodragon.link.wavio import read_wav  # noqa: E402

EXPECTED = re.compile(r"^,The quick brown fox jumps over the lazy dog!  (\d{4}) of 0100$")
DEEMPH = ["lowpass", "-1", "300", "norm", "-3"]
SETS: dict[str, tuple[list[str], list[str] | None]] = {
    "noise": ([], None),
    "noise-22k": (["-r", "22050"], None),
    "noise-8k": (["-r", "8000"], None),
    "offset": (["-m", "1130", "-s", "2130"], None),
    "drift": (["-b", "1218"], None),
    "deemph": ([], DEEMPH),
    "preemph": ([], ["highpass", "-1", "3000", "norm", "-3"]),
    "hum": ([], ["hum"]),
    "all": (["-m", "1150", "-s", "2150", "-b", "1212"], DEEMPH),
    "fm": ([], None),
}


def make_fm_set(directory: Path) -> Path:
    """gen_packets frames (clean) through our NBFM simulation near its threshold."""
    import numpy as np

    from picodragon.link import fm
    from picodragon.link.wavio import write_wav

    messages = directory / "messages.txt"
    text = ",The quick brown fox jumps over the lazy dog!  {:04d} of 0100"
    messages.write_text("".join(f"WB2OSZ-15>TEST:{text.format(i)}\n" for i in range(1, 101)))
    clean = directory / "fm-clean.wav"
    subprocess.run(
        ["gen_packets", "-r", "44100", "-o", str(clean), str(messages)],
        check=True, capture_output=True,
    )  # fmt: skip
    audio, rate = read_wav(clean)
    audio = audio / np.max(np.abs(audio))
    rng = np.random.default_rng(2013)
    parts = np.array_split(audio, 8)
    levels = np.linspace(21.0, 17.0, len(parts))
    out = np.concatenate(
        [fm.fm_link(p, rate, e, 1200.0, rng) for p, e in zip(parts, levels, strict=True)]
    )
    wav = directory / "fm.wav"
    write_wav(wav, out * 0.9 / np.max(np.abs(out)), rate)  # unclipped: clicks and all
    return wav


def make_set(directory: Path, name: str, args: list[str], effect: list[str] | None) -> Path:
    raw = directory / f"{name}-raw.wav"
    subprocess.run(
        ["gen_packets", "-n", "100", *args, "-o", str(raw)], check=True, capture_output=True
    )
    out = directory / f"{name}.wav"
    if effect is None:
        return raw
    if effect == ["hum"]:  # 50 Hz mains hum with a harmonic and a DC offset, signal at 60 %
        import numpy as np

        from picodragon.link.wavio import write_wav

        audio, rate = read_wav(raw)
        t = np.arange(len(audio)) / rate
        hum = 0.25 * np.sin(2 * np.pi * 50 * t) + 0.1 * np.sin(2 * np.pi * 150 * t) + 0.05
        write_wav(out, 0.6 * audio + hum, rate)
        return out
    subprocess.run(["sox", str(raw), str(out), *effect], check=True, capture_output=True)
    return out


def ours(path: Path, fix: bool) -> tuple[int, int, float, float, float]:
    samples, rate = read_wav(path)
    demodulator = AfskDemodulator(rate, fix=fix)
    demodulator.demodulate(samples[: rate * 2])  # compile and warm up
    start, cpu = time.perf_counter(), time.process_time()
    frames = demodulator.demodulate(samples)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    wrong = 0
    for f in frames:
        frame = ax25.decode(f.data)
        if not isinstance(frame, ax25.Frame) or not EXPECTED.match(frame.info.decode("latin-1")):
            wrong += 1
    return len(frames), wrong, elapsed, cpu, len(samples) / rate


def atest_run(path: Path, fix_bits: int, profile: str | None = None) -> tuple[int, float, float]:
    """Frames, wall seconds and CPU seconds (the child's user + system time) of one atest run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    count = peertools.count_atest(path, fix_bits, profile)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return count, wall, cpu


def cw_bench(directory: Path) -> dict[str, object]:
    """The CW beacon in noise: how often ours and multimon-ng read the whole beacon text
    (anything printed around it, such as noise read as characters, is forgiven)."""
    import numpy as np

    from picodragon.link import cw
    from picodragon.link.wavio import write_wav

    text = "PICO DRAGON VIETNAM XV9PID"
    rng = np.random.default_rng(2013)
    rate = 22050
    ours_ok = theirs_ok = total = 0
    for wpm in (12, 20, 30):
        for sigma in (0.0, 0.05, 0.1, 0.3, 0.5, 0.7):
            for _ in range(2):
                audio = cw.key_audio(text, wpm=wpm, sample_rate=rate, lead_s=1.5)
                audio = np.clip(audio + rng.normal(0, sigma, len(audio)), -1, 1)
                wav = directory / "cw.wav"
                write_wav(wav, audio, rate)
                ours_ok += text in cw.decode_audio(audio, rate)
                theirs_ok += text in peertools.run_multimon_cw(wav)
                total += 1
    print(
        f"CW beacon, 12/20/30 wpm, noise sigma 0-0.7 (tone 0.5) at 22.05 kHz: beacon text read by "
        f"ours {ours_ok}/{total}, multimon-ng -a MORSE_CW {theirs_ok}/{total}"
    )
    return {"beacons": total, "ours": ours_ok, "multimon": theirs_ok}


def main() -> int:
    _meta.start()
    missing = [p for p in ("gen_packets", "atest", "multimon-ng", "sox") if not shutil.which(p)]
    if missing:
        print(
            f"bench/modem.py needs {', '.join(missing)} (apt-get install direwolf multimon-ng sox)"
        )
        return 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (args, effect) in SETS.items():
            if name == "fm":
                wav = make_fm_set(Path(tmp))
            else:
                wav = make_set(Path(tmp), name, args, effect)
            n_plain, wrong_plain, t_plain, c_plain, seconds = ours(wav, fix=False)
            n_fix, wrong_fix, t_fix, c_fix, _ = ours(wav, fix=True)
            a0, t_atest, c_atest = atest_run(wav, 0)
            a1, _, _ = atest_run(wav, 1)
            e0, _, _ = atest_run(wav, 0, "E+")
            e1, _, _ = atest_run(wav, 1, "E+")
            mm = len(peertools.run_multimon(wav))
            rows.append(
                {
                    "set": name,
                    "audio_s": round(seconds, 2),
                    "ours": n_plain,
                    "ours_fix": n_fix,
                    "ours_false": wrong_plain + wrong_fix,
                    "atest": a0,
                    "atest_F1": a1,
                    "atest_Eplus": e0,
                    "atest_Eplus_F1": e1,
                    "multimon": mm,
                    "ours_x_realtime": round(seconds / t_plain, 1),
                    "ours_fix_x_realtime": round(seconds / t_fix, 1),
                    "atest_x_realtime": round(seconds / t_atest, 1),
                    "ours_cpu_x_realtime": round(seconds / c_plain, 1),
                    "ours_fix_cpu_x_realtime": round(seconds / c_fix, 1),
                    "atest_cpu_x_realtime": round(seconds / c_atest, 1),
                }
            )
            r = rows[-1]
            print(
                f"{name:10s} ours {r['ours']:3d}  ours+fix {r['ours_fix']:3d}  atest {a0:3d}  "
                f"atest -F1 {a1:3d}  atest -P E+ {e0:3d}  -P E+ -F1 {e1:3d}  "
                f"multimon-ng {mm:3d}  false {r['ours_false']}  "
                f"speed (wall/CPU) ours {r['ours_x_realtime']:.0f}/{r['ours_cpu_x_realtime']:.0f}x "
                f"(fix {r['ours_fix_x_realtime']:.0f}/{r['ours_fix_cpu_x_realtime']:.0f}x), "
                f"atest {r['atest_x_realtime']:.0f}/{r['atest_cpu_x_realtime']:.0f}x",
                flush=True,
            )
    keys = ("ours", "ours_fix", "atest", "atest_F1", "atest_Eplus", "atest_Eplus_F1", "multimon")
    totals = {k: sum(r[k] for r in rows) for k in keys}
    audio = sum(r["audio_s"] for r in rows)
    print(
        f"{'total':10s} ours {totals['ours']}  ours+fix {totals['ours_fix']}  atest {totals['atest']}  "
        f"atest -F1 {totals['atest_F1']}  atest -P E+ {totals['atest_Eplus']}  "
        f"-P E+ -F1 {totals['atest_Eplus_F1']}  multimon-ng {totals['multimon']}  "
        f"({audio:.0f} s of audio)"
    )
    beats = all(
        r["ours"] >= max(r["atest"], r["atest_Eplus"])
        and r["ours_fix"] >= max(r["atest_F1"], r["atest_Eplus_F1"])
        for r in rows
    )
    fast = min(r["ours_x_realtime"] for r in rows)
    fast_cpu = min(r["ours_cpu_x_realtime"] for r in rows)
    print(
        f"at least as many as atest (default and -P E+; plain against plain, fixing against -F 1)"
        f" on every set: {beats}; slowest set {fast:.0f}x real time by the wall clock,"
        f" {fast_cpu:.0f}x by CPU time"
    )
    with tempfile.TemporaryDirectory() as tmp_cw:
        cw_result = cw_bench(Path(tmp_cw))
    out = Path(__file__).parent / "results" / "modem.json"
    out.parent.mkdir(exist_ok=True)
    payload = {"sets": rows, "totals": totals, "beats_atest": beats, "cw": cw_result, "meta": _meta.meta()}
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
