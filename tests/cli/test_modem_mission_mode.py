"""`picodragon modem demod --iq --mission DIR` takes the mission radio's mode (issue 17): a
9600 bit/s G3RUH recording of a 9600 mission decodes without --mode, and --mode still rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from picodragon.link import iq
from tests.link.iq_pass import frames, spaced_audio
from tests.mission.test_second_mission import TLE

RATE = 250000


def test_a_9600_mission_s_recording_decodes_in_its_mode(tmp_path: Path) -> None:
    (tmp_path / "orbit-in.tle").write_text(TLE)
    made = subprocess.run(
        [sys.executable, "-m", "picodragon.cli", "new", "orbiter", "--size", "3U", "--callsign", "DP0TST",
         "--station", "Darmstadt,49.87,8.65,150", "--bit-rate", "9600", "--tle", "orbit-in.tle"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    audio = spaced_audio("g3ruh9600", frames(5), 0.3)
    z = iq.synthesize(audio, 48000, RATE, None, c_n0_db_hz=70.0, rng=np.random.default_rng(5))
    path = tmp_path / "pass.cu8"
    iq.write_iq(path, z, "cu8")

    def demod(*extra: str) -> list[dict]:
        r = subprocess.run([sys.executable, "-m", "picodragon.cli", "modem", "demod", str(path), "--iq",
                            "--rate", str(RATE), "--mission", str(tmp_path / "orbiter"),
                            *extra, "--json", "-"],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    assert [bytes.fromhex(f["hex"]) for f in demod()] == frames(5)
    assert demod("--mode", "afsk1200") == []
