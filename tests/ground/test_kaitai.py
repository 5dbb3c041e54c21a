"""Frames decoded whole by a satnogs-decoders Kaitai struct: named fields, the packet made from a
sample, and a station archiving them as that packet's rows (issue 16)."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from picodragon.config.loader import packaged_missions_folder
from picodragon.dictionary import Limits, load_dictionary
from picodragon.dictionary.definitions import Dictionary
from picodragon.ground import kaitai
from picodragon.ground.alarms import AlarmMonitor
from picodragon.ground.archive import open_archive
from picodragon.ground.kaitai import (
    KaitaiDecoder,
    KaitaiFields,
    KaitaiRejection,
    decode_fields,
    dictionary_toml,
    packet_from_sample,
)
from picodragon.ground.station import Decoded, GroundStation, Rejection
from tests.ground.helpers import frame_of

pytest.importorskip("satnogsdecoders", reason="the satnogs extra (satnogs-decoders) is not installed")

FOLDER = packaged_missions_folder() / "quetzal1"
#: the one frame of ../shared/recordings/quetzal1.wav (4800 bit/s G3RUH), as our modem decodes it
SAMPLE = bytes.fromhex((FOLDER / "sample-frame.hex").read_text().strip())


def test_quetzal1_frame_decodes_into_named_fields():
    out = decode_fields("quetzal1", SAMPLE)
    assert isinstance(out, KaitaiFields)
    values = out.values
    # the struct's own names (its :field lines), values as the struct reads them
    assert (values["rtc_hh"], values["rtc_mm"], values["rtc_ss"]) == (3.0, 12.0, 27.0)
    assert values["package_counter"] == 973.0
    assert values["cdhs_cycle_time"] == 10.0 and values["payload_soc_limit"] == 70.0
    assert values["pid"] == 0xF0 and values["ctl"] == 3.0
    # text is kept apart, never as a number
    assert out.strings["cubesat_identifier"] == "QUETZAL1"
    assert out.strings["uvg_msg"].startswith("UVG a Guatemala")
    assert "cubesat_identifier" not in values
    assert all(isinstance(v, float) for v in values.values())


@pytest.mark.parametrize("struct, frame, reason", [
    ("quetzal1", SAMPLE[:5], "EOFError"),
    ("quetzal1", b"", "EOFError"),
    ("nosuchsat", SAMPLE, "has no struct 'nosuchsat'"),
    ("Quetzal-1", SAMPLE, "is not a satnogs-decoders struct name"),
    ("../etc", SAMPLE, "is not a satnogs-decoders struct name"),
])
def test_rejections_are_returned_with_the_reason(struct, frame, reason):
    out = decode_fields(struct, frame)
    assert isinstance(out, KaitaiRejection)
    assert reason in out.reason


def test_the_package_missing_is_a_rejection_that_says_how_to_install(monkeypatch):
    kaitai.load_struct.cache_clear()
    for name in [m for m in sys.modules if m.startswith("satnogsdecoders")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "satnogsdecoders", None)
    try:
        out = decode_fields("quetzal1", SAMPLE)
        assert isinstance(out, KaitaiRejection)
        assert "not installed" in out.reason and "satnogs" in out.reason
        assert kaitai.available_structs() == []
    finally:
        kaitai.load_struct.cache_clear()


def test_a_struct_without_field_lines_is_walked_and_named_by_short_paths(monkeypatch):
    monkeypatch.setattr(kaitai, "declared_paths", lambda struct: {})
    out = decode_fields("quetzal1", SAMPLE)
    assert isinstance(out, KaitaiFields)
    assert out.values["rtc_hh"] == 3.0  # unique leaf: its own name
    assert out.values["package_counter"] == 973.0
    # a leaf name two classes share keeps enough of its path to tell them apart
    assert "dest_ssid_raw_ssid_mask" in out.values and "src_ssid_raw_ssid_mask" in out.values
    assert max(len(n) for n in out.values) <= 51  # every name fits an archive column


def test_wire_types_come_from_the_structs_reads():
    cls = kaitai.load_struct("quetzal1")
    types = kaitai.read_types(cls)
    assert types["ctl"] == "u8" and types["rtc_hh"] == "u8"
    assert types["package_counter"] in ("u16", "u32")
    assert "priority" not in types  # computed from the CSP header word: f64 in the packet


def test_enumerations_become_integers_with_their_names():
    import enum

    class Mode(enum.Enum):
        SAFE = 1
        NOMINAL = 2

    out = KaitaiFields("x", {})
    kaitai._take("mode", Mode.NOMINAL, out)
    kaitai._take("raw", b"\x00\x01", out)
    kaitai._take("huge", 10**400, out)
    assert out.values == {"mode": 2.0}
    assert out.enums["mode"] == {1: "SAFE", 2: "NOMINAL"}


def test_the_packaged_dictionary_is_what_the_generator_makes_of_the_sample():
    made = packet_from_sample("quetzal1", SAMPLE, "QUETZAL1", 0x100)
    packaged = load_dictionary(FOLDER / "dictionary.toml").packet("QUETZAL1")
    assert [(f.name, f.wire) for f in packaged.fields] == [(f.name, f.wire) for f in made.fields]
    assert packaged.apid == 0x100
    assert {f.name for f in packaged.fields} == set(decode_fields("quetzal1", SAMPLE).values)


def test_dictionary_toml_round_trips_through_the_loader(tmp_path):
    packet = packet_from_sample("quetzal1", SAMPLE, "QUETZAL1", 0x123, 'with "quotes"')
    path = tmp_path / "d.toml"
    path.write_text(dictionary_toml("q", [packet], "a comment\nof two lines"), encoding="utf-8")
    loaded = load_dictionary(path)
    assert loaded.name == "q"
    assert loaded.packet("QUETZAL1") == packet
    assert path.read_text().startswith("# a comment\n# of two lines\n")


def test_packet_from_a_frame_that_does_not_decode_is_a_valueerror():
    with pytest.raises(ValueError, match="EOFError"):
        packet_from_sample("quetzal1", b"\x01\x02", "Q", 1)


def test_decoder_gives_every_declared_field_nan_for_absent_ones():
    packet = load_dictionary(FOLDER / "dictionary.toml").packet("QUETZAL1")
    extra = replace(packet, fields=(*packet.fields, replace(packet.fields[0], name="not_in_frame")))
    values = KaitaiDecoder("quetzal1", extra).decode(SAMPLE)
    assert isinstance(values, dict)
    assert list(values) == [f.name for f in extra.fields]
    assert math.isnan(values["not_in_frame"]) and values["package_counter"] == 973.0
    only_absent = replace(packet, fields=(replace(packet.fields[0], name="not_in_frame"),))
    assert isinstance(KaitaiDecoder("quetzal1", only_absent).decode(SAMPLE), KaitaiRejection)


# -- the station ---------------------------------------------------------------------------------


def _quetzal(tmp_path: Path, dictionary: Dictionary | None = None, **kwargs):
    dictionary = dictionary or load_dictionary(FOLDER / "dictionary.toml")
    archive = open_archive(str(tmp_path / "q.sqlite"), dictionary=dictionary)
    decoder = KaitaiDecoder("quetzal1", dictionary.packet("QUETZAL1"))
    return GroundStation("UVG Guatemala", archive, 437.2e6, dictionary=dictionary,
                         frame_decoder=decoder, **kwargs)


def test_station_archives_kaitai_fields_as_the_packets_rows(tmp_path):
    station = _quetzal(tmp_path)
    heard: list[Decoded] = []
    station.add_listener(heard.append)
    out = station.receive(SAMPLE, 1.6e9)
    assert isinstance(out, Decoded)
    assert out.name == "QUETZAL1" and out.unix_s == 1.6e9  # reception time: no on-board stamp
    assert heard == [out]
    rows = station.archive.packets("QUETZAL1")
    assert rows["package_counter"].tolist() == [973.0]
    t, v = station.archive.points("QUETZAL1.cdhs_cycle_time")
    assert t.tolist() == [1.6e9] and v.tolist() == [10.0]
    assert station.archive.frames()[0].raw == SAMPLE
    station.archive.close()


def test_station_rejects_what_the_struct_refuses_and_keeps_the_raw_frame(tmp_path):
    station = _quetzal(tmp_path)
    out = station.receive(frame_of(b"\x01"), 1.6e9)
    assert isinstance(out, Rejection) and out.stage == "kaitai"
    assert "EOFError" in out.reason
    assert station.archive.count_frames() == 1 and station.counts["rejected"] == 1
    assert station.archive.packets("QUETZAL1")["unix_s"].size == 0
    station.archive.close()


def test_station_source_filter_applies_to_whole_frames(tmp_path):
    station = _quetzal(tmp_path, spacecraft_callsigns=["QTZL1"])
    out = station.receive(SAMPLE, 1.6e9)  # Quetzal-1 sends blank addresses
    assert isinstance(out, Rejection) and out.stage == "source"
    assert "blank source" in out.reason
    station.archive.close()


def test_limits_in_a_receive_only_dictionary_raise_alarms(tmp_path):
    base = load_dictionary(FOLDER / "dictionary.toml")
    packet = base.packet("QUETZAL1")
    limited = tuple(replace(f, limits=Limits(warning_high=900.0)) if f.name == "package_counter"
                    else f for f in packet.fields)
    dictionary = replace(base, telemetry=(replace(packet, fields=limited),))
    station = _quetzal(tmp_path, dictionary)
    alarms = AlarmMonitor(station.archive, dictionary=dictionary)
    station.add_listener(alarms.on_decoded)
    station.receive(SAMPLE, 1.6e9)
    assert "QUETZAL1.package_counter" in alarms.active
    assert "973 above warning limit 900" in alarms.active["QUETZAL1.package_counter"].detail
    station.archive.close()


def test_a_decoder_that_raises_is_a_rejection_not_a_crash(tmp_path):
    station = _quetzal(tmp_path)

    class Broken:
        packet = station.frame_decoder.packet

        def decode(self, frame):
            raise RuntimeError("boom")

    station.frame_decoder = Broken()
    out = station.receive(SAMPLE, 1.6e9)
    assert isinstance(out, Rejection) and out.reason == "decoder failed: RuntimeError"
    station.archive.close()
