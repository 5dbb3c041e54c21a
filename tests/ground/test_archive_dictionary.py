"""The archive and its mission's dictionary: tables from the declarations, the dictionary kept
and read back, another dictionary's new packets added and its changed packets refused."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from picodragon.dictionary import Dictionary, Field, Limits, Packet, core
from picodragon.ground.archive import ArchiveError, check_sqlite_path, open_archive
from picodragon.ground.archive.base import DICTIONARY_KEY
from tests.ground.helpers import reference_dictionary

T = 1.4e9


def with_packet(base: Dictionary, packet: Packet, name: str = "testsat") -> Dictionary:
    """``base`` with ``packet`` added, or put in place of the packet of the same name."""
    kept = tuple(p for p in base.telemetry if p.name != packet.name)
    return replace(base, name=name, telemetry=(*kept, packet))


RADIATION = Packet("RADIATION", 0x030, "Dosimeter", (
    Field("dose_rate", "u16", "count", "counts a second"),
    Field("board_temperature_c", "i16", "degC", "board", scale=0.01, limits=Limits(None, 50.0, None, 70.0)),
))


def test_the_dictionary_round_trips_on_both_backends(archive_url):
    mission = with_packet(reference_dictionary(), RADIATION)
    archive = open_archive(archive_url, dictionary=mission)
    assert archive.dictionary() == mission
    archive.close()
    archive = open_archive(archive_url)
    assert archive.dictionary() == mission  # equal in every item: packets, limits, commands, events
    assert archive.dictionary().packet("RADIATION").fields[1].limits == Limits(None, 50.0, None, 70.0)
    archive.close()


def test_every_packet_has_its_table_before_any_frame(archive_url):
    mission = with_packet(core(), RADIATION)
    archive = open_archive(archive_url, dictionary=mission)
    names = set(archive.point_names())
    for packet in mission.telemetry:
        assert {f"{packet.name}.{f.name}" for f in packet.fields} <= names
    times, values = archive.points("RADIATION.dose_rate")
    assert len(times) == len(values) == 0
    archive.close()


def test_an_archive_without_a_dictionary_gives_the_core(archive):
    assert archive.dictionary() == core()


def test_another_missions_new_packets_get_their_tables(archive_url):
    open_archive(archive_url, dictionary=core()).close()
    second = with_packet(core(), RADIATION, name="second")
    archive = open_archive(archive_url, dictionary=second)
    assert "RADIATION.board_temperature_c" in archive.point_names()
    assert archive.dictionary().name == "second"
    fid = archive.store_frame(b"x", "s", T, 437e6)
    archive.store_points(fid, "RADIATION", T, {"dose_rate": 3.0, "board_temperature_c": 20.0})
    assert list(archive.points("RADIATION.board_temperature_c")[1]) == [20.0]
    archive.close()


def test_appended_fields_get_columns(archive_url):
    archive = open_archive(archive_url, dictionary=with_packet(core(), RADIATION))
    with archive.batch():
        fid = archive.store_frame(b"frame", "s", T, 437e6)
        archive.store_points(fid, "RADIATION", T, {"dose_rate": 3.0, "board_temperature_c": 20.0})
    archive.close()
    grown = replace(RADIATION, fields=(*RADIATION.fields, Field("total_dose", "u32", "count", "since launch")))
    archive = open_archive(archive_url, dictionary=with_packet(core(), grown))
    columns = archive.packets("RADIATION")
    assert list(columns["dose_rate"]) == [3.0]
    assert list(columns["total_dose"]) != list(columns["total_dose"])  # NaN: not in older rows
    archive.close()


@pytest.mark.parametrize(
    "changed, why",
    [
        (replace(RADIATION, fields=RADIATION.fields[:1]), "field board_temperature_c archived but gone"),
        (replace(RADIATION, fields=(Field("dose_per_s", "u16", "count"), RADIATION.fields[1])),
         "field dose_rate archived but gone"),
        (replace(RADIATION, fields=(RADIATION.fields[0], replace(RADIATION.fields[1], unit="K"))),
         "unit changed: board_temperature_c (degC -> K)"),
    ],
)
def test_a_changed_packet_is_refused_in_one_line(archive_url, changed, why):
    first = with_packet(core(), RADIATION)
    open_archive(archive_url, dictionary=first).close()
    with pytest.raises(ArchiveError) as caught:
        open_archive(archive_url, dictionary=with_packet(core(), changed))
    message = str(caught.value)
    assert "\n" not in message and "packet RADIATION changed" in message and why in message
    archive = open_archive(archive_url)  # nothing was written: the first dictionary stands
    assert archive.dictionary() == first
    archive.close()


def test_an_older_sqlite_archive_without_the_meta_table_is_still_ours(tmp_path):
    path = tmp_path / "old.sqlite"
    open_archive(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE archive_meta")
    conn.close()
    assert check_sqlite_path(path)
    archive = open_archive(path, dictionary=reference_dictionary())
    assert archive.dictionary() == reference_dictionary()
    archive.close()


def test_an_unreadable_stored_dictionary_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "a.sqlite"
    open_archive(path, dictionary=core()).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE archive_meta SET value = 'not xml' WHERE key = ?", (DICTIONARY_KEY,))
    conn.close()
    with pytest.raises(ArchiveError, match="dictionary .* unreadable"):
        open_archive(path).dictionary()
    archive = open_archive(path, dictionary=reference_dictionary())
    assert archive.dictionary() == reference_dictionary()
    archive.close()
