"""Quetzal-1 heard for real (issues 16, 17): its recording in ../shared/recordings/quetzal1.wav,
demodulated by `picodragon modem demod --mode g3ruh4800`, imported as a SatNOGS observation into
the receive-only mission's archive, decoded by the satnogs-decoders struct into named fields.

The recording is read where the shared folder keeps it (beside the repository); absent, the
test is skipped with the reason, and fails under PICODRAGON_REQUIRE_PEERS=1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from picodragon.config.loader import packaged_missions_folder
from picodragon.ground.archive import open_archive
from tests.cli.test_files import run_cli
from tests.conftest import REQUIRE_PEERS

RECORDING = Path(__file__).parents[2] / ".." / "shared" / "recordings" / "quetzal1.wav"
QUETZAL = packaged_missions_folder() / "quetzal1"


def test_quetzal1_recording_to_named_fields_in_the_archive(tmp_path, capsys):
    pytest.importorskip("satnogsdecoders", reason="the satnogs extra (satnogs-decoders) is not installed")
    if not RECORDING.is_file():
        message = f"{RECORDING} is absent (the shared real recordings)"
        if REQUIRE_PEERS:
            pytest.fail(message + " and PICODRAGON_REQUIRE_PEERS=1")
        pytest.skip(message)
    frames_json = tmp_path / "frames.json"
    assert run_cli(["modem", "demod", str(RECORDING), "--mode", "g3ruh4800",
                    "--json", str(frames_json)]) == 0
    frames = json.loads(frames_json.read_text())
    assert len(frames) == 1
    assert frames[0]["hex"] == (QUETZAL / "sample-frame.hex").read_text().strip()
    # the recording's date is unknown: stamp it as a SatNOGS observation file would
    observation = tmp_path / "obs.txt"
    observation.write_text("".join(f"2020-06-16 02:47:{10 + i:02d}|{f['hex']}\n"
                                   for i, f in enumerate(frames)))
    db = tmp_path / "q.sqlite"
    assert run_cli(["satnogs", "import", str(observation), "--mission", str(QUETZAL),
                    "--db", str(db)]) == 0
    assert "1 decoded, 0 rejected" in capsys.readouterr().out
    archive = open_archive(str(db))
    try:
        rows = archive.packets("QUETZAL1")
        assert rows["package_counter"].tolist() == [973.0]
        assert (rows["rtc_hh"][0], rows["rtc_mm"][0], rows["rtc_ss"][0]) == (3.0, 12.0, 27.0)
        assert rows["cdhs_cycle_time"].tolist() == [10.0]
        assert "QUETZAL1.bq1_soc" in archive.point_names()
        assert archive.dictionary().has_packet("QUETZAL1")  # mission control builds its pages from it
    finally:
        archive.close()
