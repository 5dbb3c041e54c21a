"""SDR IQ recordings as files: formats, SigMF metadata, bounded reading.

What SDR tools and SatNOGS write: interleaved I and Q samples with no header, in one of

========  ==========================================  ========================  ==================
format    samples                                     extensions                SigMF core:datatype
========  ==========================================  ========================  ==================
``cu8``   unsigned 8-bit, 127.5 is zero (rtl_sdr)     ``.cu8``                  ``cu8``
``cs8``   signed 8-bit (hackrf_transfer)              ``.cs8``                  ``ci8``
``cs16``  signed 16-bit little-endian                 ``.cs16``                 ``ci16_le``
``cf32``  float32 little-endian (GNU Radio, SatNOGS)  ``.cf32``, ``.fc32``,     ``cf32_le``
                                                      ``.raw``
========  ==========================================  ========================  ==================

The sample rate and the receiver's centre frequency are not in such a file: they are given by
the caller, or read from a SigMF metadata file beside it (``NAME.sigmf-meta`` for
``NAME.sigmf-data`` or any ``NAME.EXT``; SigMF 1.0, https://github.com/sigmf/SigMF:
``global.core:datatype``, ``global.core:sample_rate``, ``captures[0].core:frequency``,
``captures[0].core:datetime``). What the caller gives and what the metadata says must agree:
a contradiction is refused, not settled by a silent preference. The metadata is JSON read by
hand (the ``sigmf`` package would bring jsonschema for four fields).

Bad input (a length that is not a whole number of samples, unreadable or self-contradicting
metadata) raises :class:`IqError`, a ``ValueError`` with one line.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from picodragon.astro.isotime import iso_z, parse_utc


class IqError(ValueError):
    """An IQ file or its metadata that cannot be used: one line naming the file and why."""


FORMATS: dict[str, np.dtype] = {
    "cu8": np.dtype(np.uint8),
    "cs8": np.dtype(np.int8),
    "cs16": np.dtype("<i2"),
    "cf32": np.dtype("<f4"),
}
"""Sample formats and the type of each of I and Q; a sample is two of them."""

_LARGEST = np.float32(1e15)
"""cf32 values are clipped to this magnitude (and NaN, Inf taken as 0): the float32 filters
could overflow on sums of values near float32's limit (3.4e38) otherwise."""

_FULL_SCALE = {"cu8": 127.5, "cs8": 127.0, "cs16": 32767.0, "cf32": 1.0}

EXTENSIONS: dict[str, str] = {
    ".cu8": "cu8",
    ".cs8": "cs8",
    ".cs16": "cs16",
    ".cf32": "cf32",
    ".fc32": "cf32",
    ".raw": "cf32",
}
"""File name endings that name a format (SatNOGS's IQ dumps end in .raw and are cf32)."""

_SIGMF_DATATYPES = {"cu8": "cu8", "ci8": "cs8", "ci16_le": "cs16", "cf32_le": "cf32"}

CHUNK_SAMPLES = 1 << 18
"""Complex samples read and processed at once (2 MB of cf32, about 1 s at 250 kHz)."""

MAX_META_BYTES = 1 << 22
"""A SigMF metadata file larger than this (4 MB) is refused unread: real ones are kilobytes."""

MIN_RATE_HZ = 8000.0
MAX_RATE_HZ = 100e6
"""Sample rates accepted, Hz: a narrow-band channel to the fastest common SDRs."""


# -- samples <-> bytes -----------------------------------------------------------------------


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise IqError(f"unknown IQ format {fmt!r}: one of {', '.join(FORMATS)}")
    return fmt


def sample_bytes(fmt: str) -> int:
    """Bytes in one complex sample of ``fmt``."""
    return 2 * FORMATS[_check_format(fmt)].itemsize


def decode_samples(raw: bytes, fmt: str) -> np.ndarray:
    """Complex64 samples, full scale 1, from whole samples of ``fmt``; non-finite floats
    become 0 and huge ones 1e15 (a damaged cf32 file must not poison the filters)."""
    size = sample_bytes(fmt)
    if len(raw) % size:
        raise IqError(
            f"{len(raw)} bytes are not a whole number of {fmt} samples ({size} bytes each)"
        )
    pairs = np.frombuffer(raw, dtype=FORMATS[fmt]).astype(np.float32)
    if fmt == "cu8":
        pairs = pairs - np.float32(127.5)
    elif fmt == "cf32":
        pairs = np.where(np.isfinite(pairs), np.clip(pairs, -_LARGEST, _LARGEST), np.float32(0.0))
    scale = np.float32(1.0 / _FULL_SCALE[fmt])
    return (pairs[0::2] * scale + 1j * (pairs[1::2] * scale)).astype(np.complex64)


def encode_samples(samples: np.ndarray, fmt: str) -> bytes:
    """The bytes of complex ``samples`` (full scale 1, clipped there for integer formats)."""
    _check_format(fmt)
    z = np.asarray(samples, dtype=np.complex128)
    pairs = np.empty(2 * len(z), dtype=np.float64)
    pairs[0::2], pairs[1::2] = z.real, z.imag
    if fmt == "cf32":
        return pairs.astype("<f4").tobytes()
    info = np.iinfo(FORMATS[fmt])
    scaled = np.rint(
        np.clip(pairs, -1.0, 1.0) * _FULL_SCALE[fmt] + (127.5 if fmt == "cu8" else 0.0)
    )
    return np.clip(scaled, info.min, info.max).astype(FORMATS[fmt]).tobytes()


def write_iq(path: str | Path, samples: np.ndarray, fmt: str) -> None:
    """Write ``samples`` as a headerless ``fmt`` IQ file."""
    Path(path).write_bytes(encode_samples(samples, fmt))


# -- SigMF metadata ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SigmfMeta:
    """The fields of a SigMF metadata file that a decode needs."""

    path: Path
    format: str
    sample_rate_hz: float
    center_hz: float | None
    start: datetime | None


def _number(value: object, field: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IqError(f"{path}: {field} must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or number <= 0:
        raise IqError(f"{path}: {field} must be a positive finite number (got {str(value)[:40]})")
    return number


def read_sigmf_meta(path: str | Path) -> SigmfMeta:
    """The datatype, sample rate, centre frequency and start time of a SigMF metadata file;
    IqError for anything this decoder cannot use (real or big-endian samples, several
    channels, missing or mistyped fields)."""
    meta_path = Path(path)
    try:
        with open(meta_path, "rb") as f:
            raw = f.read(MAX_META_BYTES + 1)
    except OSError as exc:
        raise IqError(f"{meta_path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_META_BYTES:
        raise IqError(f"{meta_path}: larger than {MAX_META_BYTES} bytes: not SigMF metadata")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise IqError(f"{meta_path}: not SigMF metadata (JSON): {reason}") from None
    top = doc.get("global") if isinstance(doc, dict) else None
    if not isinstance(top, dict):
        raise IqError(f'{meta_path}: not SigMF metadata: no "global" object')
    datatype = top.get("core:datatype")
    if not isinstance(datatype, str):
        raise IqError(f"{meta_path}: global core:datatype missing or not text")
    if datatype not in _SIGMF_DATATYPES:
        raise IqError(
            f"{meta_path}: core:datatype {datatype[:20]!r} is not one this decoder reads "
            f"(complex {', '.join(_SIGMF_DATATYPES)})"
        )
    channels = top.get("core:num_channels", 1)
    if channels != 1 or isinstance(channels, bool):
        raise IqError(
            f"{meta_path}: core:num_channels {str(channels)[:20]}: only one channel is read"
        )
    if "core:sample_rate" not in top:
        raise IqError(f"{meta_path}: global core:sample_rate missing")
    rate = _number(top["core:sample_rate"], "core:sample_rate", meta_path)
    captures = doc.get("captures", [])
    if not isinstance(captures, list):
        raise IqError(f"{meta_path}: captures must be a list")
    first = captures[0] if captures else {}
    if not isinstance(first, dict):
        raise IqError(f"{meta_path}: captures[0] must be an object")
    center = None
    if "core:frequency" in first:
        center = _number(first["core:frequency"], "captures[0] core:frequency", meta_path)
    start = None
    if "core:datetime" in first:
        text = first["core:datetime"]
        if not isinstance(text, str):
            raise IqError(f"{meta_path}: captures[0] core:datetime must be text")
        try:
            start = parse_utc(text)
        except (ValueError, OverflowError) as exc:
            raise IqError(f"{meta_path}: captures[0] core:datetime: {str(exc)[:120]}") from None
    return SigmfMeta(meta_path, _SIGMF_DATATYPES[datatype], rate, center, start)


# -- a recording: data file, format, rate, centre, start --------------------------------------


@dataclass(frozen=True)
class IqRecording:
    """An IQ file with everything needed to read it (``center_hz`` and ``start`` may be
    unknown: None)."""

    path: Path
    format: str
    sample_rate_hz: float
    samples: int
    center_hz: float | None = None
    start: datetime | None = None
    meta: Path | None = None

    @property
    def duration_s(self) -> float:
        """Length of the recording, s."""
        return self.samples / self.sample_rate_hz


def _paths(path: Path) -> tuple[Path, Path | None]:
    """(data file, metadata file or None) for a data file or a .sigmf-meta file."""
    if path.suffix == ".sigmf-meta":
        return path.with_suffix(".sigmf-data"), path
    meta = path.with_suffix(".sigmf-meta")
    return path, (meta if meta.is_file() else None)


def _contradiction(what: str, given: str, meta: SigmfMeta, field: str, says: str) -> IqError:
    return IqError(f"{what} {given} contradicts {field} {says} in {meta.path}")


def open_recording(
    path: str | Path,
    *,
    fmt: str | None = None,
    sample_rate_hz: float | None = None,
    center_hz: float | None = None,
    start: datetime | None = None,
) -> IqRecording:
    """Describe an IQ file from what the caller gives and its SigMF metadata, if any.

    ``path``: the data file, or a ``.sigmf-meta`` file (its ``.sigmf-data`` is read). The
    format comes from ``fmt``, the metadata or the file name's ending; the sample rate from
    ``sample_rate_hz`` or the metadata. Where both a given value and the metadata (or the
    file's ending) speak, they must agree (rate to 1 ppm, centre to 1 Hz, start to 1 ms), else
    IqError. The file's length must be a whole number of samples. Nothing is read but the
    metadata and the file's size.
    """
    data, meta_path = _paths(Path(path))
    meta = read_sigmf_meta(meta_path) if meta_path is not None else None
    from_name = EXTENSIONS.get(data.suffix.lower())
    if fmt is not None:
        _check_format(fmt)
    if meta is not None:
        if fmt is not None and fmt != meta.format:
            raise _contradiction("format", fmt, meta, "core:datatype", meta.format)
        if from_name is not None and from_name != meta.format:
            raise _contradiction(
                f"the file name {data.name} (format",
                f"{from_name})",
                meta,
                "core:datatype",
                meta.format,
            )
        fmt = meta.format
    elif fmt is None:
        fmt = from_name
    if fmt is None:
        raise IqError(
            f"{data}: which IQ format? give one ({', '.join(FORMATS)}), a file name ending in "
            f"{', '.join(EXTENSIONS)}, or a SigMF .sigmf-meta beside it"
        )
    for value, name in ((sample_rate_hz, "sample rate"), (center_hz, "centre frequency")):
        if value is not None and (not math.isfinite(value) or value <= 0):
            raise IqError(f"{name} must be a positive finite number of Hz (got {value})")
    if meta is not None:
        if (
            sample_rate_hz is not None
            and abs(sample_rate_hz - meta.sample_rate_hz) > 1e-6 * meta.sample_rate_hz
        ):
            raise _contradiction(
                "sample rate",
                f"{sample_rate_hz:g} Hz",
                meta,
                "core:sample_rate",
                f"{meta.sample_rate_hz:g} Hz",
            )
        if (
            center_hz is not None
            and meta.center_hz is not None
            and abs(center_hz - meta.center_hz) > 1.0
        ):
            raise _contradiction(
                "centre frequency",
                f"{center_hz:.0f} Hz",
                meta,
                "core:frequency",
                f"{meta.center_hz:.0f} Hz",
            )
        if (
            start is not None
            and meta.start is not None
            and abs((start - meta.start).total_seconds()) > 1e-3
        ):
            raise _contradiction("start", iso_z(start), meta, "core:datetime", iso_z(meta.start))
        sample_rate_hz = meta.sample_rate_hz
        center_hz = center_hz if center_hz is not None else meta.center_hz
        start = start if start is not None else meta.start
    if sample_rate_hz is None:
        raise IqError(
            f"{data}: the sample rate is not known: give it (no SigMF metadata beside the file)"
        )
    if not MIN_RATE_HZ <= sample_rate_hz <= MAX_RATE_HZ:
        raise IqError(
            f"sample rate {sample_rate_hz:g} Hz: it must be {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz"
        )
    try:
        size = os.stat(data).st_size
    except OSError as exc:
        raise IqError(f"{data}: cannot read: {exc.strerror or exc}") from None
    if not data.is_file():
        raise IqError(f"{data}: not a file")
    width = sample_bytes(fmt)
    if size % width:
        raise IqError(
            f"{data}: {size} bytes is not a whole number of {fmt} samples ({width} bytes each): "
            "a wrong format, or a damaged file"
        )
    return IqRecording(
        data,
        fmt,
        float(sample_rate_hz),
        size // width,
        center_hz,
        start,
        meta.path if meta is not None else None,
    )


def iter_samples(
    path: str | Path, fmt: str, chunk_samples: int = CHUNK_SAMPLES
) -> Iterator[np.ndarray]:
    """The complex64 samples of an IQ file in pieces of at most ``chunk_samples``; IqError if
    the file cannot be read or ends inside a sample."""
    width = sample_bytes(fmt)
    chunk = max(1, int(chunk_samples)) * width
    try:
        with open(path, "rb") as f:
            while True:
                raw = f.read(chunk)
                if not raw:
                    return
                if len(raw) % width:
                    raise IqError(f"{path}: ends inside a {fmt} sample (a damaged or growing file)")
                yield decode_samples(raw, fmt)
    except OSError as exc:
        raise IqError(f"{path}: cannot read: {exc.strerror or exc}") from None
