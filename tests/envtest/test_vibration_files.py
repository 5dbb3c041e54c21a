"""The accelerometer readers: CSV (property-tested: any text gives a Recording or an
AccelFileError), WAV with its full scale, TDMS (npTDMS) and UFF 58 (pyuff) round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.envtest import accel_files
from picodragon.envtest.accel_files import G0, AccelFileError, read_recording

FS = 4096.0


def _signals(n: int = 512) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.normal(0, 0.5, n), rng.normal(0, 2.0, n)


def test_csv_units_convert_to_g(tmp_path):
    ctrl, resp = _signals()
    path = tmp_path / "a.csv"
    t_ms = np.arange(ctrl.size) / FS * 1000.0
    np.savetxt(path, np.column_stack([t_ms, resp * G0, ctrl]), delimiter=",", comments="",
               header="time [ms],stack [m/s^2],shaker [g]")
    rec = accel_files.read_csv(path, control="shaker")
    assert rec.fs_hz == pytest.approx(FS, rel=1e-6)
    np.testing.assert_allclose(rec.control, ctrl, atol=1e-12)
    np.testing.assert_allclose(rec.channels["stack"], resp, rtol=1e-9)
    with pytest.raises(AccelFileError, match="no channel named"):
        accel_files.read_csv(path, control="nope")


def test_csv_time_must_step_evenly(tmp_path):
    ctrl, resp = _signals()
    t = np.arange(ctrl.size) / FS
    t[100] += 0.5 / FS
    path = tmp_path / "j.csv"
    np.savetxt(path, np.column_stack([t, ctrl]), delimiter=",", comments="", header="time [s],c [g]")
    with pytest.raises(AccelFileError, match="evenly"):
        accel_files.read_csv(path)


def test_wav_needs_and_uses_its_full_scale(tmp_path):
    from scipy.io import wavfile

    ctrl, resp = _signals()
    path = tmp_path / "a.wav"
    wavfile.write(path, int(FS), np.column_stack([ctrl, resp]).astype(np.float32) / 10.0)
    with pytest.raises(AccelFileError, match="full-scale"):
        read_recording(path)
    rec = read_recording(path, g_full_scale=10.0)
    assert rec.fs_hz == FS and list(rec.channels) == ["ch2"]
    np.testing.assert_allclose(rec.channels["ch2"], resp, rtol=1e-5)


def test_tdms_round_trip(tmp_path):
    from nptdms import ChannelObject, TdmsWriter

    ctrl, resp = _signals()
    path = tmp_path / "a.tdms"
    with TdmsWriter(str(path)) as w:
        w.write_segment([
            ChannelObject("run", "control", ctrl, properties={"unit_string": "g", "wf_increment": 1 / FS}),
            ChannelObject("run", "stack", resp * G0, properties={"unit_string": "m/s^2", "wf_increment": 1 / FS}),
        ])
    rec = read_recording(path)
    assert rec.fs_hz == pytest.approx(FS)
    np.testing.assert_allclose(rec.channels["stack"], resp, rtol=1e-12)
    with TdmsWriter(str(tmp_path / "v.tdms")) as w:
        w.write_segment([ChannelObject("run", "control", ctrl,
                                       properties={"unit_string": "V", "wf_increment": 1 / FS})])
    with pytest.raises(AccelFileError, match="'V'"):
        read_recording(tmp_path / "v.tdms")


def test_uff58_round_trip(tmp_path):
    import pyuff

    ctrl, resp = _signals()
    path = tmp_path / "a.uff"
    uff = pyuff.UFF(str(path))
    for name, x in (("control", ctrl), ("stack", resp)):
        uff.write_sets(pyuff.prepare_58(
            id1=name, func_type=1, rsp_node=1, rsp_dir=1, ref_node=1, ref_dir=1, data=x,
            x=np.arange(x.size) / FS, abscissa_spacing=1, abscissa_inc=1 / FS, abscissa_min=0.0,
            abscissa_spec_data_type=17, ordinate_spec_data_type=12, orddenom_spec_data_type=0,
            ordinate_axis_units_lab="g", rsp_ent_name="sat", ref_ent_name="shaker"), mode="add")
    rec = read_recording(path)
    assert rec.fs_hz == pytest.approx(FS, rel=1e-5)
    np.testing.assert_allclose(rec.channels["stack"], resp, rtol=1e-6)


def test_unknown_suffix(tmp_path):
    with pytest.raises(AccelFileError, match="unknown file type"):
        read_recording(tmp_path / "a.mat")


_cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=4),
                  st.integers().map(str))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(["time [s]", "time [ms]", "a [g]", "b [m/s^2]", "c [V]", "d",
                                        "a [g]", "t [h]"]), min_size=0, max_size=4),
       rows=st.lists(st.lists(_cell, max_size=4), max_size=30), raw=st.text(max_size=60))
def test_csv_reader_only_raises_accel_file_error(tmp_path, header, rows, raw):
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows) + "\n" + raw
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode("utf-8", "replace"))
    try:
        rec = accel_files.read_csv(path)
    except AccelFileError:
        return
    assert rec.fs_hz > 0 and np.all(np.isfinite(rec.control))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.one_of(st.binary(max_size=400),
                      st.binary(max_size=300).map(lambda b: b"TDSm" + b),
                      st.binary(max_size=300).map(lambda b: b"RIFF" + b),
                      st.text(max_size=300).map(lambda t: ("    -1\n    58\n" + t).encode())),
       suffix=st.sampled_from([".tdms", ".wav", ".uff"]))
def test_binary_readers_only_raise_accel_file_error(tmp_path, blob, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(blob)
    try:
        rec = read_recording(path, g_full_scale=1.0)
    except AccelFileError:
        return
    assert rec.fs_hz > 0
