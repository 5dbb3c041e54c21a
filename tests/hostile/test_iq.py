"""Hostile IQ files and SigMF metadata (issue 17): arbitrary bytes never raise anything but
the reader's typed error (:class:`picodragon.link.iq.IqError`).

Each property runs with the standing suite's case count (``@hostile``). A case writes the bytes
as an IQ file of each format (with or without a SigMF file beside it) and reads it through to
the receiver's audio; whatever happens must be audio of finite floats or an IqError.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from picodragon.link import iq
from tests.hostile.fuzz import hostile

_FOLDER = Path(tempfile.mkdtemp(prefix="hostile-iq-"))

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_KEYS = st.sampled_from(["core:datatype", "core:sample_rate", "core:num_channels", "core:frequency",
                         "core:datetime", "core:version"])
_FIELD_VALUES = st.one_of(
    _JSON,
    st.sampled_from(["cu8", "ci8", "ci16_le", "cf32_le", "ci16_be", "rf32_le", "2013-11-20T03:25:40Z"]),
    st.floats(min_value=1.0, max_value=1e9),
)
_META = st.fixed_dictionaries(
    {},
    optional={
        "global": st.dictionaries(_KEYS, _FIELD_VALUES, max_size=6) | _JSON,
        "captures": st.lists(st.dictionaries(_KEYS, _FIELD_VALUES, max_size=4) | _JSON, max_size=2) | _JSON,
    },
)


def _read_through(path: Path, **given_values: object) -> None:
    try:
        recording = iq.open_recording(path, **given_values)  # type: ignore[arg-type]
        receiver = iq.IqReceiver(recording.sample_rate_hz, 15000.0, iq.OffsetCurve.fixed(1000.0))
        for piece in iq.iter_samples(recording.path, recording.format, chunk_samples=4096):
            audio = receiver.process(piece)
            assert audio.dtype == np.float32 and np.all(np.isfinite(audio))
    except iq.IqError as exc:
        assert str(exc) and "\n" not in str(exc)


@hostile
@given(data=st.binary(max_size=20000), fmt=st.sampled_from([*iq.FORMATS, None]),
       name=st.sampled_from(["x.cu8", "x.cs16", "x.cf32", "x.raw", "x.bin", "x.sigmf-data"]))
def test_any_bytes_as_an_iq_file(data: bytes, fmt: str | None, name: str) -> None:
    path = _FOLDER / name
    path.write_bytes(data)
    path.with_suffix(".sigmf-meta").unlink(missing_ok=True)
    _read_through(path, fmt=fmt, sample_rate_hz=48000.0)


@hostile
@given(meta=st.binary(max_size=2000) | _META.map(lambda d: json.dumps(d).encode()),
       data=st.binary(max_size=4000), rate=st.sampled_from([None, 48000.0, 96000.0]))
def test_any_sigmf_metadata(meta: bytes, data: bytes, rate: float | None) -> None:
    path = _FOLDER / "y.sigmf-data"
    path.write_bytes(data)
    path.with_suffix(".sigmf-meta").write_bytes(meta)
    _read_through(path, sample_rate_hz=rate)
    _read_through(path.with_suffix(".sigmf-meta"))
