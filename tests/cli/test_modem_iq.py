"""`picodragon modem demod FILE --iq` (issue 17): an rtl_sdr recording of a real pass's Doppler
decodes with --start/--station (or a SigMF file's time); bad input is one line, exit 2."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from picodragon.astro.isotime import iso_z
from picodragon.config.mission import load_mission
from picodragon.ground.iq_doppler import recording_doppler
from picodragon.link import iq
from picodragon.physics.orbit import deployed_element_set
from tests.cli.test_bad_input import assert_one_line_exit_2, picodragon
from tests.link.iq_pass import frames, reference_pass, spaced_audio

RATE = 120000


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Ten seconds of ten AFSK frames, 250 s before the reference pass's culmination, when
    the downlink sits 10 kHz up (real time, not compressed), as cu8 at 120 kHz with noise
    (C/N0 54 dB-Hz): (file, start ISO, station name)."""
    _, downlink, best = reference_pass()
    scenario = load_mission(None).scenario
    station = scenario.stations[0]
    start = best.tca - timedelta(seconds=250)
    doppler = recording_doppler(deployed_element_set(scenario), station, start, 10.0, downlink, downlink)
    assert doppler.offset.offsets_hz.min() > 9000
    audio = spaced_audio("afsk1200", frames(10), 1.0)
    z = iq.synthesize(audio, 48000, RATE, doppler.offset, c_n0_db_hz=54.0, rng=np.random.default_rng(3))
    path = tmp_path_factory.mktemp("iq") / "pass.cu8"
    iq.write_iq(path, z, "cu8")
    return path, iso_z(start, "microseconds"), station.name


def test_the_pass_decodes_with_the_doppler_and_not_without(recording, tmp_path: Path) -> None:
    path, start, station = recording
    out = tmp_path / "frames.json"
    r = picodragon("modem", "demod", str(path), "--iq", "--rate", str(RATE), "--start", start,
                   "--station", station, "--json", str(out))
    assert r.returncode == 0, r.stderr
    got = json.loads(out.read_text())
    assert [bytes.fromhex(f["hex"]) for f in got] == frames(10)
    assert set(got[0]) >= {"hex", "source", "destination", "info"} and got[0]["source"] == "N0CALL-1"
    r = picodragon("modem", "demod", str(path), "--iq", "--rate", str(RATE), "--json", "-")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) <= 2


def test_sigmf_gives_rate_and_time(recording, tmp_path: Path) -> None:
    path, start, station = recording
    data = tmp_path / "pass.sigmf-data"
    data.write_bytes(path.read_bytes())
    meta = data.with_suffix(".sigmf-meta")
    meta.write_text(json.dumps({"global": {"core:datatype": "cu8", "core:sample_rate": RATE},
                                "captures": [{"core:sample_start": 0, "core:datetime": start}]}))
    r = picodragon("modem", "demod", str(meta), "--iq", "--station", station, "--json", "-")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 10
    # the command line contradicting the metadata: one line, exit 2
    r = picodragon("modem", "demod", str(data), "--iq", "--rate", "250000", "--json", str(tmp_path / "o.json"))
    assert_one_line_exit_2(r, "contradicts core:sample_rate")
    assert not (tmp_path / "o.json").exists()


def test_bad_iq_input_is_one_line(recording, tmp_path: Path) -> None:
    path, _, station = recording
    odd = tmp_path / "odd.cs16"
    odd.write_bytes(bytes(1001))
    assert_one_line_exit_2(picodragon("modem", "demod", str(odd), "--iq", "--rate", "96000"),
                           "not a whole number of cs16 samples")
    assert_one_line_exit_2(picodragon("modem", "demod", str(path), "--iq"), "sample rate is not known")
    assert_one_line_exit_2(picodragon("modem", "demod", str(path), "--rate", "96000"), "add --iq")
    assert_one_line_exit_2(picodragon("modem", "demod", str(path), "--iq", "--rate", "96000", "--station",
                                      station), "--start")
    assert_one_line_exit_2(picodragon("modem", "demod", str(path), "--iq", "--rate", "96000", "--format",
                                      "ci64"), "--format")
