"""Thermal-vacuum test data: the thermocouple log, and what a lab reads from it.

**The log** (``read_csv`` / ``write_csv``): a CSV file whose header names each column with its
unit in brackets, ``time [s]`` first (or ``[min]``, ``[h]``, or ``[UTC]`` for ISO 8601 times),
then temperature channels (``structure [degC]``, ``[C]`` or ``[K]``) and optionally power
channels (``heater [W]``: what the EGSE measured the spacecraft drawing, an input of the thermal
model). Lines starting with ``#`` before the header are comments; an empty cell is a missing
sample (NaN). Anything else (another unit, a text cell, a ragged row, times going backwards, a
temperature below absolute zero) is a :class:`LogError` naming the line.

**The analysis** (``analyse``): on the reference channel (the chamber controller's set point
when the log has a ``setpoint`` channel, else the shroud or platen thermocouple, else the first), samples within the profile's tolerance of the hot or the cold test
temperature form plateaus (runs of at least ``MIN_PLATEAU_S``; gaps under ``MERGE_GAP_S``
closed, so noise at the band's edge does not split a plateau); a hot and the following cold
plateau (or the reverse) make a cycle. At each plateau the spacecraft is stable from the first
moment after which every spacecraft channel changes by less than the profile's stabilisation
rate (slope of a least-squares line over ``RATE_WINDOW_S``); the dwell is the time from there to
the plateau's end, judged against the profile's dwell (longer on the first and last cycles:
GSFC-STD-7000 2.6.2.4 as recalled). Extremes of every channel are judged against the
profile's limits. All vectorised over samples (cumulative sums for the sliding slopes).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from picodragon.envtest import results as rs
from picodragon.envtest.tvac_profile import Profile

MIN_PLATEAU_S = 900.0
"""shortest run inside the band counted as a plateau (15 min): a ramp crossing the band at
1 C/min through a +-3 C band spends 6 min in it"""
MERGE_GAP_S = 300.0
"""gaps in a run shorter than this (5 min) are closed (noise at the band's edge)"""
RATE_WINDOW_S = 1800.0
"""window of the least-squares slope the stabilisation rate is read from (30 min)"""
TEMPERATURE_UNITS = {"degc": 0.0, "c": 0.0, "°c": 0.0, "k": -273.15}
TIME_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}
SETPOINT_NAMES = ("setpoint", "set point", "set_point")
BOUNDARY_NAMES = ("shroud", "platen", "chamber")
SOURCE_DWELL = "GSFC-STD-7000A 2.6.2.4 (dwell at each plateau once stable; as recalled)"
SOURCE_LIMITS = "profile survival limits (assumption of the profile file)"
MAX_ROWS = 5_000_000


class LogError(ValueError):
    """A thermocouple log that cannot be read as one (one line says where and why)."""


@dataclass
class TvacLog:
    """Samples of a thermal-vacuum test: times from the first sample (s), channels by name."""

    time_s: np.ndarray
    temperatures: dict[str, np.ndarray]
    """C"""
    powers: dict[str, np.ndarray] = field(default_factory=dict)
    """W"""
    start_unix: float | None = None
    """the first sample's UTC time when the log carries it"""

    def _named(self, words: tuple[str, ...]) -> str | None:
        for name in self.temperatures:
            if any(w in name.lower() for w in words):
                return name
        return None

    def boundary(self) -> str:
        """The chamber's own temperature: the shroud or platen thermocouple, else the first channel."""
        return self._named(BOUNDARY_NAMES) or next(iter(self.temperatures))

    def reference(self) -> str:
        """The channel plateaus are read from: the controller's set point when logged, else the
        boundary."""
        return self._named(SETPOINT_NAMES) or self.boundary()

    def spacecraft_channels(self) -> list[str]:
        chamber = {self.reference(), self.boundary()}
        return [n for n in self.temperatures if n not in chamber] or [self.reference()]


def _split_header(cell: str, where: str) -> tuple[str, str]:
    text = cell.strip()
    if not (text.endswith("]") and "[" in text):
        raise LogError(f"{where}: column {text!r} has no unit in brackets (e.g. 'structure [degC]')")
    name, unit = text[:-1].rsplit("[", 1)
    name = name.strip()
    if not name:
        raise LogError(f"{where}: a column has a unit but no name")
    return name, unit.strip()


def parse_csv(text: str, where: str = "log") -> TvacLog:
    """A :class:`TvacLog` from CSV text (see the module docstring for the format)."""
    lines = text.splitlines()
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        first += 1
    if first == len(lines):
        raise LogError(f"{where}: no header line")
    try:
        rows = list(csv.reader(io.StringIO("\n".join(lines[first:]))))
    except csv.Error as exc:
        raise LogError(f"{where}: not CSV ({exc})") from None
    header = rows[0]
    if len(header) < 2:
        raise LogError(f"{where}: the header needs a time column and at least one channel")
    tname, tunit = _split_header(header[0], where)
    if tname.lower() != "time":
        raise LogError(f"{where}: the first column must be 'time [s|min|h|UTC]', not {header[0]!r}")
    if tunit not in TIME_UNITS and tunit.upper() != "UTC":
        raise LogError(f"{where}: time unit {tunit!r} is none of s, min, h, UTC")
    names, kinds, offsets = [], [], []
    for cell in header[1:]:
        name, unit = _split_header(cell, where)
        if name in names:
            raise LogError(f"{where}: column {name!r} appears twice")
        if unit.lower() in TEMPERATURE_UNITS:
            kinds.append("T")
            offsets.append(TEMPERATURE_UNITS[unit.lower()])
        elif unit == "W":
            kinds.append("P")
            offsets.append(0.0)
        else:
            raise LogError(f"{where}: column {name!r} is in {unit!r}: temperatures in degC, C or K, "
                           "powers in W")
        names.append(name)
    if "T" not in kinds:
        raise LogError(f"{where}: no temperature channel")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if not body:
        raise LogError(f"{where}: no samples")
    if len(body) > MAX_ROWS:
        raise LogError(f"{where}: more than {MAX_ROWS} samples")
    width = len(header)
    times = np.empty(len(body))
    values = np.full((len(body), width - 1), np.nan)
    start_unix = None
    for i, row in enumerate(body):
        line = first + 2 + i
        if len(row) != width:
            raise LogError(f"{where}: line {line} has {len(row)} cells, the header {width}")
        try:
            if tunit.upper() == "UTC":
                from picodragon.astro.isotime import parse_unix

                times[i] = parse_unix(row[0].strip())
            else:
                times[i] = float(row[0]) * TIME_UNITS[tunit]
            for j, cell in enumerate(row[1:]):
                if cell.strip():
                    values[i, j] = float(cell)
        except ValueError:
            raise LogError(f"{where}: line {line} holds a cell that is not a number") from None
        if not math.isfinite(times[i]) or not np.all(np.isfinite(values[i]) | np.isnan(values[i])):
            raise LogError(f"{where}: line {line} holds an infinite value")
    if np.any(np.isnan(times)):
        raise LogError(f"{where}: a time cell is empty")
    if np.any(np.diff(times) <= 0):
        line = first + 2 + int(np.argmax(np.diff(times) <= 0)) + 1
        raise LogError(f"{where}: time does not increase at line {line}")
    if tunit.upper() == "UTC":
        start_unix = float(times[0])
    times = times - times[0]
    temps, powers = {}, {}
    for j, (name, kind, off) in enumerate(zip(names, kinds, offsets, strict=True)):
        col = values[:, j] + off
        if kind == "T":
            if np.any(col < -273.15) or np.any(col > 2000.0):
                raise LogError(f"{where}: channel {name!r} leaves -273.15..2000 C (wrong unit?)")
            temps[name] = col
        else:
            powers[name] = col
    return TvacLog(times, temps, powers, start_unix)


def read_csv(path: str | Path) -> TvacLog:
    """Read a thermocouple log file (:class:`LogError` on anything broken)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LogError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return parse_csv(text, str(path))


def write_csv(log: TvacLog, path: str | Path | None = None, comment: str | None = None) -> str:
    """The CSV text of a log (written to path when given); times in s from the first sample."""
    out = io.StringIO()
    if comment:
        for line in comment.splitlines():
            out.write(f"# {line}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time [s]"] + [f"{n} [degC]" for n in log.temperatures] + [f"{n} [W]" for n in log.powers])
    cols = [log.time_s, *log.temperatures.values(), *log.powers.values()]
    for row in zip(*cols, strict=True):
        writer.writerow([f"{row[0]:.3f}"] + ["" if math.isnan(v) else f"{v:.4f}" for v in row[1:]])
    text = out.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# --- analysis ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundPlateau:
    kind: str
    start_s: float
    end_s: float
    mean_c: float


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True))


def detect_plateaus(time_s, temp_c, hot_c: float, cold_c: float, tolerance_c: float,
                    min_s: float = MIN_PLATEAU_S, merge_gap_s: float = MERGE_GAP_S) -> list[FoundPlateau]:
    """Hot and cold plateaus of one channel in time order (module docstring)."""
    t = np.asarray(time_s, float)
    y = np.asarray(temp_c, float)
    found = []
    for kind, level in (("hot", hot_c), ("cold", cold_c)):
        inside = np.abs(y - level) <= tolerance_c
        runs = _runs(inside)
        merged: list[list[int]] = []
        for a, b in runs:
            if merged and t[a] - t[merged[-1][1]] < merge_gap_s:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        for a, b in merged:
            if t[b] - t[a] >= min_s:
                found.append(FoundPlateau(kind, float(t[a]), float(t[b]), float(np.nanmean(y[a:b + 1]))))
    return sorted(found, key=lambda p: p.start_s)


def count_cycles(plateaus: list[FoundPlateau]) -> int:
    """Hot-cold (or cold-hot) pairs in order: each plateau followed by one of the other kind."""
    n, i = 0, 0
    while i + 1 < len(plateaus):
        if plateaus[i].kind != plateaus[i + 1].kind:
            n += 1
            i += 2
        else:
            i += 1
    return n


def sliding_rate_c_per_h(time_s, temp_c, window_s: float = RATE_WINDOW_S) -> np.ndarray:
    """Least-squares slope (C/h) over the window ending at each sample (NaN before a full window).

    Vectorised with cumulative sums of t, y, t^2, t*y (NaN samples are left out of the sums).
    """
    t = np.asarray(time_s, float)
    y = np.asarray(temp_c, float)
    ok = np.isfinite(y)
    tc = t - t[0]
    w = ok.astype(float)
    yz = np.where(ok, y, 0.0)
    c = [np.concatenate([[0.0], np.cumsum(v)]) for v in (w, w * tc, w * tc * tc, yz, yz * tc)]
    start = np.searchsorted(t, t - window_s, side="left")
    end = np.arange(len(t)) + 1
    n, st, stt, sy, sty = (ci[end] - ci[start] for ci in c)
    den = n * stt - st * st
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (n * sty - st * sy) / den
    full = (t - t[start] >= 0.9 * window_s) & (n >= 3) & (den > 0)
    return np.where(full, slope * 3600.0, np.nan)


def stable_from(time_s, channels: list[np.ndarray], a: int, b: int, rate_c_per_h: float) -> float | None:
    """First time in samples a..b after which every channel's rate stays under the criterion."""
    t = np.asarray(time_s, float)
    latest = t[a]
    for y in channels:
        r = sliding_rate_c_per_h(t, y)[a:b + 1]
        bad = ~(np.abs(r) < rate_c_per_h)
        if bad[-1]:
            return None
        if bad.any():
            latest = max(latest, float(t[a + int(np.flatnonzero(bad)[-1]) + 1]))
    return latest


def analyse(log: TvacLog | str | Path, profile: Profile, reference: str | None = None,
            control: str | None = None) -> dict[str, Any]:
    """The thermal-vacuum result (contract kind 'tvac'): plateaus, cycles, dwell, extremes.

    reference: the channel plateaus are read from (default ``TvacLog.reference``); control: the
    spacecraft channel judged against the test temperature (default: 'structure' if present,
    else the first spacecraft channel).
    """
    if not isinstance(log, TvacLog):
        log = read_csv(log)
    ref = reference or log.reference()
    if ref not in log.temperatures:
        raise LogError(f"no channel {ref!r} in the log")
    t = log.time_s
    sc_names = [n for n in log.spacecraft_channels()]
    ctrl = control or ("structure" if "structure" in log.temperatures else sc_names[0])
    found = detect_plateaus(t, log.temperatures[ref], profile.hot_c, profile.cold_c, profile.tolerance_c)
    cycles = count_cycles(found)
    verdicts = [rs.verdict("cycles", cycles, profile.cycles, "cycles", cycles >= profile.cycles,
                           "GSFC-STD-7000A 2.6.2.4 (cycle count of the profile; as recalled)")]
    rows = []
    marks = []
    sc_data = [log.temperatures[n] for n in sc_names]
    for i, p in enumerate(found):
        cycle = i // 2 + 1
        a = int(np.searchsorted(t, p.start_s))
        b = int(np.searchsorted(t, p.end_s))
        stable = stable_from(t, sc_data, a, b, profile.stabilisation_rate_c_per_h)
        dwell_h = 0.0 if stable is None else (p.end_s - stable) / 3600.0
        required = profile.dwell_required_h(min(cycle, profile.cycles))
        seg = log.temperatures[ctrl][a:b + 1] if stable is None else \
            log.temperatures[ctrl][int(np.searchsorted(t, stable)):b + 1]
        mean_ctrl = float(np.nanmean(seg)) if np.isfinite(seg).any() else float("nan")
        level = profile.hot_c if p.kind == "hot" else profile.cold_c
        reached = bool(abs(mean_ctrl - level) <= profile.tolerance_c)
        ok = bool(stable is not None and dwell_h >= required - 1e-9)
        rows.append([cycle, p.kind, level, p.start_s / 3600, p.end_s / 3600,
                     None if stable is None else stable / 3600, round(dwell_h, 3), required,
                     round(mean_ctrl, 2), ok and reached])
        marks.append({"cycle": cycle, "kind": p.kind, "start_h": p.start_s / 3600, "end_h": p.end_s / 3600,
                      "stable_h": None if stable is None else stable / 3600})
        verdicts.append(rs.verdict(f"cycle {cycle} {p.kind}: dwell once stable ({ctrl} and all)",
                                   round(dwell_h, 3), required, "h", ok, SOURCE_DWELL))
        verdicts.append(rs.verdict(f"cycle {cycle} {p.kind}: {ctrl} at the test temperature",
                                   round(mean_ctrl, 2), f"{level:g} +- {profile.tolerance_c:g}", "C", reached,
                                   "GSFC-STD-7000A 2.6.2.4 (test temperature within tolerance; as recalled)"))
    extremes = []
    for name in sc_names:
        y = log.temperatures[name]
        y = y[np.isfinite(y)]
        if not len(y):  # a thermocouple that never read: nothing shows it stayed within limits
            extremes.append([name, None, None, profile.limits_min_c, profile.limits_max_c, False])
            verdicts.append(rs.verdict(f"{name} within limits", "no samples",
                                       f"{profile.limits_min_c:g}/{profile.limits_max_c:g}", "C", False,
                                       SOURCE_LIMITS))
            continue
        lo, hi = float(y.min()), float(y.max())
        ok = bool(profile.limits_min_c <= lo and hi <= profile.limits_max_c)
        extremes.append([name, round(lo, 2), round(hi, 2), profile.limits_min_c, profile.limits_max_c, ok])
        verdicts.append(rs.verdict(f"{name} within limits", f"{lo:.1f}/{hi:.1f}",
                                   f"{profile.limits_min_c:g}/{profile.limits_max_c:g}", "C", ok, SOURCE_LIMITS))
    hours = t / 3600.0
    series = {f"{name} [C]": rs.series(hours, y, "h", "C") for name, y in log.temperatures.items()}
    if log._named(SETPOINT_NAMES) is None:  # the profile's set point, unless the log has the controller's
        series["set point [C]"] = rs.series(hours, profile.setpoint_at(t), "h", "C")
    return rs.result(
        "tvac", f"Thermal vacuum: {profile.title}", spec=profile.name, verdicts=verdicts, series=series,
        tables={
            "plateaus": rs.table(["cycle", "kind", "test C", "start h", "end h", "stable from h", "dwell h",
                                  "required h", f"{ctrl} mean C", "passed"], rows),
            "extremes": rs.table(["channel", "min C", "max C", "limit min C", "limit max C", "passed"], extremes),
        },
        cycles=cycles, plateaus=marks, reference=ref, profile_source=profile.source,
    )
