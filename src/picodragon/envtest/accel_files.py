"""Accelerometer time histories in: CSV, WAV, TDMS (npTDMS) and UFF 58 (pyuff), into a Recording.

Every reader returns a :class:`picodragon.envtest.vibration.Recording` in g, the control
(shaker) channel first, or raises :class:`AccelFileError` with one line naming the file and
what is wrong; the CLI turns that into exit 2 with nothing written.

* CSV: a header row naming each column with its unit in brackets, time first:
  ``time [s], control [g], stack [m/s^2], ...``; time in s or ms, accelerations in g or m/s^2
  (converted with g0 = 9.80665 m/s^2, the standard gravity of ISO 80000-3). A missing or unknown
  unit is an error (a file in volts or in unlabelled counts must not be read as g). The time
  column must increase evenly (1 % jitter allowed): the sample rate comes from it.
* WAV: PCM or float; every channel scaled by ``g_full_scale`` (the acceleration that full scale
  stands for, from the acquisition's sensitivity), which has no default: a WAV carries no unit.
* TDMS (National Instruments): the channels of one group, each with ``wf_increment`` (s) and
  ``unit_string`` (g or m/s^2), as NI's DAQmx logging writes them.
* UFF 58: type-58 time records (function type 1), their abscissa spacing as the sample period
  and their ordinate unit label (g or m/s^2).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.envtest.vibration import Recording

G0 = 9.80665
"""standard gravity (m/s^2), ISO 80000-3: converts m/s^2 to g"""
ACCEL_UNITS = {"g": 1.0, "m/s^2": 1.0 / G0, "m/s2": 1.0 / G0, "m s^-2": 1.0 / G0}
TIME_UNITS = {"s": 1.0, "ms": 1e-3}
JITTER = 0.01
"""allowed relative spread of the time steps of a CSV"""
MIN_SAMPLES = 16


class AccelFileError(ValueError):
    """An accelerometer file that cannot be read as time histories in known units."""


_HEADER = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\[\]]*)\]\s*$")


def _units(name: str, unit: str, where: str, allowed: dict[str, float]) -> float:
    key = unit.strip()
    if key not in allowed:
        raise AccelFileError(f"{where}: column '{name}' is in '{key}', not one of "
                             f"{', '.join(allowed)}")
    return allowed[key]


def read_csv(path: str | Path, *, control: str | None = None) -> Recording:
    """Read a CSV of time and accelerations (units in the header; see the module docstring)."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AccelFileError(f"{where}: cannot read as text ({exc.__class__.__name__})") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) < 2:
        raise AccelFileError(f"{where}: no data rows under a header")
    heads = [h for h in lines[0].split(",")]
    if len(heads) < 2:
        raise AccelFileError(f"{where}: the header needs a time column and at least one channel")
    names, scales = [], []
    for i, h in enumerate(heads):
        m = _HEADER.match(h)
        if not m:
            raise AccelFileError(f"{where}: header column '{h.strip()}' has no unit in brackets "
                                 "(e.g. 'time [s]', 'control [g]')")
        name, unit = m.group("name").strip(), m.group("unit")
        scales.append(_units(name, unit, where, TIME_UNITS if i == 0 else ACCEL_UNITS))
        names.append(name)
    if len(set(names)) != len(names):
        raise AccelFileError(f"{where}: two columns share a name")
    rows = []
    for n, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != len(heads):
            raise AccelFileError(f"{where}: row {n} has {len(cells)} cells, the header {len(heads)}")
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            raise AccelFileError(f"{where}: row {n} holds something that is not a number") from None
    data = np.array(rows, dtype=float) * np.array(scales)[None, :]
    if not np.all(np.isfinite(data)):
        raise AccelFileError(f"{where}: a value is not finite (nan or inf)")
    t = data[:, 0]
    fs = _rate_of(t, where)
    return _recording(names[1:], data[:, 1:].T, fs, where, control)


def _rate_of(t: np.ndarray, where: str) -> float:
    if t.size < MIN_SAMPLES:
        raise AccelFileError(f"{where}: {t.size} samples, too few (at least {MIN_SAMPLES})")
    dt = np.diff(t)
    step = float(np.median(dt))
    if not step > 0 or np.any(np.abs(dt - step) > JITTER * step):
        raise AccelFileError(f"{where}: the time column does not increase evenly")
    return float((t.size - 1) / (t[-1] - t[0]))


def _recording(names: list[str], values: np.ndarray, fs: float, where: str,
               control: str | None) -> Recording:
    if control is None:
        control = names[0]
    if control not in names:
        raise AccelFileError(f"{where}: no channel named '{control}' (has {', '.join(names)})")
    channels = {n: np.ascontiguousarray(values[i]) for i, n in enumerate(names) if n != control}
    return Recording(fs, np.ascontiguousarray(values[names.index(control)]), channels,
                     source=where, kind="file")


def read_wav(path: str | Path, *, g_full_scale: float, control: str | None = None) -> Recording:
    """Read a WAV; every channel times ``g_full_scale`` (g at full scale) is in g."""
    import struct

    from scipy.io import wavfile

    where = str(path)
    if not (math.isfinite(g_full_scale) and g_full_scale > 0):
        raise AccelFileError(f"{where}: the full-scale acceleration must be a positive number of g")
    try:
        fs, data = wavfile.read(str(path))
    except (OSError, ValueError, EOFError, struct.error, MemoryError) as exc:
        # scipy's reader lets a truncated header through as struct.error
        raise AccelFileError(f"{where}: not a readable WAV file ({exc.__class__.__name__})") from None
    if data.dtype.kind == "i":
        data = data.astype(float) / float(np.iinfo(data.dtype).max)
    elif data.dtype.kind == "u":
        data = (data.astype(float) - 128.0) / 127.0
    else:
        data = data.astype(float)
    data = data.reshape(data.shape[0], -1).T * g_full_scale
    if data.shape[1] < MIN_SAMPLES:
        raise AccelFileError(f"{where}: {data.shape[1]} samples, too few")
    names = [f"ch{i + 1}" for i in range(data.shape[0])]
    return _recording(names, data, float(fs), where, control)


def read_tdms(path: str | Path, *, group: str | None = None, control: str | None = None) -> Recording:
    """Read one group of a TDMS file (npTDMS): channels with wf_increment and unit_string."""
    from nptdms import TdmsFile

    where = str(path)
    try:
        tdms = TdmsFile.read(str(path))
    except Exception as exc:  # npTDMS raises many kinds on a foreign file
        raise AccelFileError(f"{where}: not a readable TDMS file ({exc.__class__.__name__})") from None
    groups = tdms.groups()
    chosen = [g for g in groups if group is None or g.name == group]
    if not chosen:
        raise AccelFileError(f"{where}: no group {group!r}")
    chans = chosen[0].channels()
    if not chans:
        raise AccelFileError(f"{where}: group {chosen[0].name} has no channels")
    names, values, rates = [], [], set()
    for ch in chans:
        unit = str(ch.properties.get("unit_string", ""))
        scale = _units(ch.name, unit, where, ACCEL_UNITS)
        inc = ch.properties.get("wf_increment")
        if not isinstance(inc, int | float) or not inc > 0:
            raise AccelFileError(f"{where}: channel {ch.name} has no wf_increment (sample period)")
        rates.add(round(1.0 / float(inc), 6))
        names.append(ch.name)
        values.append(np.asarray(ch[:], dtype=float) * scale)
    if len(rates) != 1 or len({v.size for v in values}) != 1:
        raise AccelFileError(f"{where}: the channels differ in sample rate or length")
    return _recording(names, np.array(values), rates.pop(), where, control)


def read_uff58(path: str | Path, *, control: str | None = None) -> Recording:
    """Read the type-58 time records of a UFF file (pyuff)."""
    import pyuff

    where = str(path)
    try:
        sets = pyuff.UFF(str(path)).read_sets()
    except Exception as exc:  # pyuff raises many kinds on a foreign file
        raise AccelFileError(f"{where}: not a readable UFF file ({exc.__class__.__name__})") from None
    sets = sets if isinstance(sets, list) else [sets]
    records = [s for s in sets if s.get("type") == 58 and s.get("func_type") == 1]
    if not records:
        raise AccelFileError(f"{where}: no type-58 time records")
    names, values, rates = [], [], set()
    for i, s in enumerate(records):
        name = str(s.get("id1") or f"ch{i + 1}").strip() or f"ch{i + 1}"
        unit = str(s.get("ordinate_axis_units_lab", "")).strip()
        scale = _units(name, unit, where, ACCEL_UNITS)
        inc = float(s.get("abscissa_inc") or 0.0)
        if not inc > 0:
            raise AccelFileError(f"{where}: record {name} has no abscissa increment")
        rates.add(round(1.0 / inc, 6))
        names.append(name)
        values.append(np.real(np.asarray(s["data"], dtype=complex)) * scale)
    if len(rates) != 1 or len({v.size for v in values}) != 1:
        raise AccelFileError(f"{where}: the records differ in sample rate or length")
    return _recording(names, np.array(values), rates.pop(), where, control)


def read_recording(path: str | Path, **options: Any) -> Recording:
    """Read any supported file by its suffix (.csv, .wav, .tdms, .uff/.unv)."""
    suffix = Path(path).suffix.lower()
    control = options.get("control")
    if suffix == ".csv":
        return read_csv(path, control=control)
    if suffix == ".wav":
        if options.get("g_full_scale") is None:
            raise AccelFileError(f"{path}: a WAV carries no unit: give the full-scale acceleration "
                                 "(--g-full-scale)")
        return read_wav(path, g_full_scale=float(options["g_full_scale"]), control=control)
    if suffix == ".tdms":
        return read_tdms(path, group=options.get("group"), control=control)
    if suffix in (".uff", ".unv"):
        return read_uff58(path, control=control)
    raise AccelFileError(f"{path}: unknown file type '{suffix}' (csv, wav, tdms, uff/unv)")


def write_csv(path: str | Path, recording: Recording) -> Path:
    """Write a recording as the CSV this module reads (time [s], control [g], channels [g])."""
    names = ["control", *recording.channels]
    data = np.column_stack([np.arange(recording.control.size) / recording.fs_hz, recording.control,
                            *recording.channels.values()])
    header = ",".join(["time [s]", *(f"{n} [g]" for n in names)])
    np.savetxt(path, data, delimiter=",", header=header, comments="", fmt="%.9g")
    return Path(path)
