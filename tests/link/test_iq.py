"""SDR IQ files (issue 17): formats, SigMF, the receiver, and decoding through a real pass's Doppler."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from picodragon.link import iq
from picodragon.link.iq import IqError, IqReceiver, OffsetCurve
from tests.link.iq_pass import frames, pass_recording, reference_pass, spaced_audio

START = datetime(2013, 11, 20, 3, 25, 40, tzinfo=UTC)


def sigmf(path: Path, datatype: str = "cu8", rate: float = 250000, **capture: object) -> Path:
    meta = path.with_suffix(".sigmf-meta")
    meta.write_text(json.dumps({
        "global": {"core:datatype": datatype, "core:sample_rate": rate, "core:version": "1.0.0"},
        "captures": [{"core:sample_start": 0, **capture}],
        "annotations": [],
    }))
    return meta


# -- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["cu8", "cs8", "cs16", "cf32"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    rng = np.random.default_rng(2)
    z = (0.4 * (rng.standard_normal(10001) + 1j * rng.standard_normal(10001))).astype(np.complex64)
    z = np.clip(z.real, -1, 1) + 1j * np.clip(z.imag, -1, 1)
    path = tmp_path / f"x.{fmt}"
    iq.write_iq(path, z, fmt)
    assert path.stat().st_size == len(z) * iq.sample_bytes(fmt)
    back = np.concatenate(list(iq.iter_samples(path, fmt, chunk_samples=777)))
    step = {"cu8": 1 / 127.5, "cs8": 1 / 127, "cs16": 1 / 32767, "cf32": 1e-7}[fmt]
    assert back.dtype == np.complex64 and len(back) == len(z)
    assert np.max(np.abs(back.real - z.real)) <= step and np.max(np.abs(back.imag - z.imag)) <= step


def test_byte_layouts() -> None:
    """I then Q; rtl_sdr's unsigned bytes centre on 127.5; the rest are two's complement and
    IEEE little-endian."""
    assert iq.encode_samples(np.array([1 - 1j]), "cu8") == bytes([255, 0])
    assert iq.encode_samples(np.array([0.5 + 0.25j]), "cs16") == (16384).to_bytes(2, "little") + (8192).to_bytes(2, "little")
    assert iq.encode_samples(np.array([-1j]), "cs8") == bytes([0, 0x81])
    assert iq.decode_samples(np.array([0.25, -2.0], "<f4").tobytes(), "cf32")[0] == np.complex64(0.25 - 2j)
    assert iq.decode_samples(bytes([255, 0]), "cu8")[0] == np.complex64(1 - 1j)


def test_damaged_floats_become_zero_or_are_clipped() -> None:
    raw = np.array([np.nan, np.inf, 3e38, -1.0], "<f4").tobytes()
    z = iq.decode_samples(raw, "cf32")
    assert z[0] == 0 and z[1] == np.complex64(1e15 - 1j)


def test_format_from_the_extension_or_given(tmp_path: Path) -> None:
    for name, fmt in (("a.cu8", "cu8"), ("a.cs8", "cs8"), ("a.cs16", "cs16"), ("a.cf32", "cf32"),
                      ("a.fc32", "cf32"), ("a.raw", "cf32")):
        (tmp_path / name).write_bytes(bytes(16))
        assert iq.open_recording(tmp_path / name, sample_rate_hz=48000).format == fmt
    (tmp_path / "a.bin").write_bytes(bytes(16))
    with pytest.raises(IqError, match="which IQ format"):
        iq.open_recording(tmp_path / "a.bin", sample_rate_hz=48000)
    rec = iq.open_recording(tmp_path / "a.bin", fmt="cs16", sample_rate_hz=48000)
    assert rec.samples == 4 and rec.duration_s == pytest.approx(4 / 48000)


def test_a_length_that_is_not_whole_samples_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.cs16"
    path.write_bytes(bytes(6))
    with pytest.raises(IqError, match="not a whole number of cs16 samples"):
        iq.open_recording(path, sample_rate_hz=48000)
    with pytest.raises(IqError):
        iq.decode_samples(bytes(3), "cu8")


def test_rate_needed_and_in_range(tmp_path: Path) -> None:
    path = tmp_path / "a.cu8"
    path.write_bytes(bytes(4))
    with pytest.raises(IqError, match="sample rate is not known"):
        iq.open_recording(path)
    for bad in (10.0, 1e9, float("nan"), -5.0):
        with pytest.raises(IqError):
            iq.open_recording(path, sample_rate_hz=bad)
    with pytest.raises(IqError, match="unknown IQ format"):
        iq.open_recording(path, fmt="ci32", sample_rate_hz=48000)


# -- SigMF -----------------------------------------------------------------------------------


def test_sigmf_gives_format_rate_centre_and_start(tmp_path: Path) -> None:
    data = tmp_path / "pass.sigmf-data"
    data.write_bytes(bytes(8))
    meta = sigmf(data, "ci16_le", 96000, **{"core:frequency": 437e6, "core:datetime": "2013-11-20T03:25:40.000000Z"})
    for given in (data, meta):
        rec = iq.open_recording(given)
        assert (rec.path, rec.format, rec.sample_rate_hz, rec.center_hz, rec.start, rec.samples) == (
            data, "cs16", 96000.0, 437e6, START, 2)
        assert rec.meta == meta
    # agreeing values given as well are fine
    rec = iq.open_recording(data, fmt="cs16", sample_rate_hz=96000, center_hz=437e6, start=START)
    assert rec.center_hz == 437e6


def test_sigmf_beside_any_file_name(tmp_path: Path) -> None:
    data = tmp_path / "obs.raw"
    data.write_bytes(bytes(16))
    sigmf(data, "cf32_le", 48000)
    rec = iq.open_recording(data)
    assert (rec.format, rec.sample_rate_hz, rec.center_hz, rec.start) == ("cf32", 48000.0, None, None)


@pytest.mark.parametrize(("given", "words"), [
    ({"sample_rate_hz": 250000}, "core:sample_rate"),
    ({"fmt": "cu8"}, "core:datatype"),
    ({"center_hz": 437.1e6}, "core:frequency"),
    ({"start": datetime(2013, 11, 20, 3, 25, 41, tzinfo=UTC)}, "core:datetime"),
])
def test_sigmf_contradicting_what_is_given_is_refused(tmp_path: Path, given: dict, words: str) -> None:
    data = tmp_path / "pass.sigmf-data"
    data.write_bytes(bytes(8))
    sigmf(data, "ci16_le", 96000, **{"core:frequency": 437e6, "core:datetime": "2013-11-20T03:25:40Z"})
    with pytest.raises(IqError, match=words) as info:
        iq.open_recording(data, **given)
    assert "contradicts" in str(info.value) and "\n" not in str(info.value)


def test_sigmf_contradicting_the_file_name_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "pass.cu8"
    data.write_bytes(bytes(8))
    sigmf(data, "cf32_le", 96000)
    with pytest.raises(IqError, match="contradicts core:datatype"):
        iq.open_recording(data)


@pytest.mark.parametrize(("text", "words"), [
    ("{", "not SigMF metadata"),
    ("[]", "no \"global\""),
    ('{"global": {"core:sample_rate": 1}}', "core:datatype"),
    ('{"global": {"core:datatype": "ci16_be", "core:sample_rate": 1}}', "not one this decoder reads"),
    ('{"global": {"core:datatype": "rf32_le", "core:sample_rate": 1}}', "not one this decoder reads"),
    ('{"global": {"core:datatype": "cu8"}}', "core:sample_rate missing"),
    ('{"global": {"core:datatype": "cu8", "core:sample_rate": "fast"}}', "must be a number"),
    ('{"global": {"core:datatype": "cu8", "core:sample_rate": 1e999}}', "positive finite"),
    ('{"global": {"core:datatype": "cu8", "core:sample_rate": 9, "core:num_channels": 2}}', "one channel"),
    ('{"global": {"core:datatype": "cu8", "core:sample_rate": 9}, "captures": {}}', "list"),
    ('{"global": {"core:datatype": "cu8", "core:sample_rate": 9}, "captures": [{"core:datetime": "soon"}]}',
     "core:datetime"),
    ('{"global": {"core:datatype": "cu8", "core:sample_rate": 9}, "captures": [{"core:frequency": true}]}',
     "must be a number"),
])
def test_bad_sigmf_is_one_line(tmp_path: Path, text: str, words: str) -> None:
    meta = tmp_path / "x.sigmf-meta"
    meta.write_text(text)
    with pytest.raises(IqError) as info:
        iq.read_sigmf_meta(meta)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_deep_json_is_a_typed_error(tmp_path: Path) -> None:
    meta = tmp_path / "x.sigmf-meta"
    meta.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(IqError):
        iq.read_sigmf_meta(meta)


# -- the receiver ----------------------------------------------------------------------------


def test_offset_curve_checks_and_interpolates() -> None:
    curve = OffsetCurve(np.array([0.0, 10.0]), np.array([1000.0, -1000.0]))
    assert curve.at(np.array([-1.0, 5.0, 20.0])).tolist() == [1000.0, 0.0, -1000.0]
    assert OffsetCurve.fixed(250.0).at(np.array([0.0, 99.0])).tolist() == [250.0, 250.0]
    for times, offsets in (([], []), ([0, 1], [0]), ([1, 0], [0, 0]), ([0, 1], [0, np.nan])):
        with pytest.raises(ValueError):
            OffsetCurve(np.array(times, dtype=float), np.array(offsets, dtype=float))


@pytest.mark.parametrize(("rate", "bandwidth", "decimation"), [
    (250000, 15000, 8), (250000, 20000, 5), (2048000, 15000, 64), (2400000, 20000, 60), (30000, 15000, 1)])
def test_decimation_to_a_whole_if_rate(rate: float, bandwidth: float, decimation: int) -> None:
    receiver = IqReceiver(rate, bandwidth)
    assert receiver.decimation == decimation
    assert receiver.if_rate_hz >= min(rate, 2 * bandwidth) and receiver.if_rate_hz.is_integer()


def test_pieces_give_the_same_audio_as_one_piece() -> None:
    rng = np.random.default_rng(4)
    z = (rng.standard_normal(60007) + 1j * rng.standard_normal(60007)).astype(np.complex64)
    curve = OffsetCurve(np.array([0.0, 0.5]), np.array([8000.0, -8000.0]))
    whole = IqReceiver(120000, 15000, curve).process(z)
    receiver = IqReceiver(120000, 15000, curve)
    cuts = np.sort(rng.integers(0, len(z), 40))
    parts = [receiver.process(p) for p in np.split(z, cuts)]
    assert np.allclose(np.concatenate(parts), whole, atol=2e-3)
    assert len(whole) == -(-len(z) // receiver.decimation)


def test_discriminator_reads_the_offset_and_the_mixer_removes_it() -> None:
    rate = 96000
    t = np.arange(rate) / rate
    tone = np.exp(1j * 2 * np.pi * 1500.0 * t).astype(np.complex64)  # a carrier 1500 Hz up
    plain = IqReceiver(rate, 15000).process(tone)[2000:]
    assert np.mean(plain) == pytest.approx(1500.0 / iq.DEVIATION_HZ, abs=1e-3)
    mixed = IqReceiver(rate, 15000, OffsetCurve.fixed(1500.0)).process(tone)[2000:]
    assert np.max(np.abs(mixed)) < 1e-3


def test_a_signal_outside_the_recording_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.cu8"
    path.write_bytes(bytes(400))
    rec = iq.open_recording(path, sample_rate_hz=48000)
    with pytest.raises(IqError, match="check the centre frequency"):
        iq.demodulate_iq(rec, offset=OffsetCurve.fixed(30000.0))
    with pytest.raises(IqError, match="unknown modem mode"):
        iq.demodulate_iq(rec, mode="psk31")
    with pytest.raises(IqError):  # a 9600 bit/s channel does not fit in 12 kHz
        iq.demodulate_iq(iq.open_recording(path, sample_rate_hz=12000), mode="g3ruh9600")


def test_clean_afsk_decodes_from_every_format(tmp_path: Path) -> None:
    sent = frames(3)
    z = iq.synthesize(spaced_audio("afsk1200", sent, 1.0), 48000, 48000, OffsetCurve.fixed(2000.0))
    for fmt in iq.FORMATS:
        path = tmp_path / f"clean.{fmt}"
        iq.write_iq(path, z, fmt)
        rec = iq.open_recording(path, sample_rate_hz=48000)
        got = iq.demodulate_iq(rec, offset=OffsetCurve.fixed(2000.0), chunk_samples=10000)
        assert [bytes.fromhex(r["hex"]) for r in got] == sent, fmt
        assert got[0]["source"] == "N0CALL-1" and got[0]["destination"] == "CQ"
        assert 0 < got[0]["time_s"] < 1.0 and got[0]["fixed"] is False


# -- through a real pass's Doppler ------------------------------------------------------------


def test_the_reference_pass_swings_ten_kilohertz() -> None:
    curve, downlink, best = reference_pass()
    assert best.max_elevation_deg > 80
    assert 9000 < curve.offsets_hz[0] < 11000 and -11000 < curve.offsets_hz[-1] < -9000
    assert abs(curve.at(np.array([300.0]))[0]) < 500  # through zero at the culmination
    assert downlink > 400e6


@pytest.mark.parametrize(("mode", "rate", "count", "c_n0"), [
    ("afsk1200", 120000, 20, 54.0),
    ("g3ruh9600", 250000, 40, 56.0),
])
def test_doppler_correction_decodes_what_the_plain_receiver_loses(
    tmp_path: Path, mode: str, rate: float, count: int, c_n0: float
) -> None:
    """Our modulator's frames, FM at 3 kHz deviation, through the reference pass's Doppler
    (compressed from 10 min to 20 s, see tests/link/iq_pass.py) with white noise (C/N0 54
    dB-Hz for AFSK, 56 for G3RUH 9600: Eb/N0 23 and 16 dB), as an rtl_sdr cu8 file. With the
    curve every frame decodes; without it the signal leaves the IF filter near both ends of
    the pass and at most half do."""
    z, curve, sent = pass_recording(mode, count, 20.0, rate, c_n0)
    path = tmp_path / "pass.cu8"
    iq.write_iq(path, z, "cu8")
    rec = iq.open_recording(path, sample_rate_hz=rate)
    corrected = iq.demodulate_iq(rec, mode=mode, offset=curve)
    plain = iq.demodulate_iq(rec, mode=mode)
    assert [bytes.fromhex(r["hex"]) for r in corrected] == sent
    assert len(plain) <= count // 2
    middle = [r["time_s"] for r in plain]  # what survives is near the culmination
    assert all(4.0 < t < 16.0 for t in middle)


def test_auto_mode_labels_each_frame(tmp_path: Path) -> None:
    sent = frames(2)
    z = iq.synthesize(spaced_audio("g3ruh9600", sent, 0.3), 48000, 96000)
    path = tmp_path / "a.cf32"
    iq.write_iq(path, z, "cf32")
    got = iq.demodulate_iq(iq.open_recording(path, sample_rate_hz=96000), mode="auto")
    assert [(bytes.fromhex(r["hex"]), r["mode"]) for r in got] == [(f, "g3ruh9600") for f in sent]
