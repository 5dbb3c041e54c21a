"""Thermal-vacuum test profiles as data: cycles, hot and cold plateaus, ramps, dwell, stabilisation.

A profile (``specs/tvac_<name>.toml``) says what the chamber's shroud and platen do and what the
test must show: the test temperatures (the predicted flight extremes plus a margin, the GEVS way:
GSFC-STD-7000 2.6.2.4), the number of cycles, the ramp rate, the time allowed at each set point
for the spacecraft to settle (``soak_h``) and the dwell it must then spend there stable
(``dwell_h``, longer on the first and last cycles), the set point tolerance, the stabilisation
criterion (rate of change below ``stabilisation_rate_c_per_h``) and the survival limits the
spacecraft's temperatures must stay within. Each file names its source and lists the numbers no
public source gave us in ``assumed``.

The set point timeline is fixed by the profile alone (times from the start of the test, s):
ambient, then for each cycle a ramp at ``ramp_c_per_min`` to the first plateau, ``soak_h`` plus
the dwell there, a ramp to the other plateau, the same there; finally a ramp back to ambient.
So a profile's plateaus are known exactly, the truth a generated run is checked against.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SPECS_DIR = Path(__file__).parent / "specs"
PREFIX = "tvac_"


class ProfileError(ValueError):
    """A profile file that is missing, unreadable or inconsistent (one line says what)."""


@dataclass(frozen=True)
class Plateau:
    """One hot or cold plateau of the set point timeline (times from the test start, s)."""

    cycle: int
    """1-based cycle number"""
    kind: str
    """'hot' or 'cold'"""
    setpoint_c: float
    start_s: float
    """the set point reaches the plateau temperature"""
    end_s: float
    """the set point leaves it"""
    dwell_required_h: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Profile:
    """A thermal-vacuum profile; see the module docstring for the meaning of each field."""

    name: str
    title: str
    source: str
    predicted_min_c: float
    predicted_max_c: float
    margin_c: float
    ambient_c: float
    cycles: int
    start_with: str
    ramp_c_per_min: float
    soak_h: float
    dwell_h: float
    first_last_dwell_h: float
    tolerance_c: float
    stabilisation_rate_c_per_h: float
    limits_min_c: float
    limits_max_c: float
    assumed: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        def bad(what: str) -> ProfileError:
            return ProfileError(f"profile {self.name!r}: {what}")

        numbers = {k: getattr(self, k) for k in (
            "predicted_min_c", "predicted_max_c", "margin_c", "ambient_c", "ramp_c_per_min", "soak_h",
            "dwell_h", "first_last_dwell_h", "tolerance_c", "stabilisation_rate_c_per_h",
            "limits_min_c", "limits_max_c")}
        for key, value in numbers.items():
            if not math.isfinite(value):
                raise bad(f"{key} is not a finite number")
        if self.predicted_max_c <= self.predicted_min_c:
            raise bad("predicted_max_c must be above predicted_min_c")
        if self.margin_c < 0:
            raise bad("margin_c must not be negative")
        if not 1 <= self.cycles <= 100:
            raise bad("cycles must be between 1 and 100")
        if self.start_with not in ("hot", "cold"):
            raise bad(f"start_with must be 'hot' or 'cold', not {self.start_with!r}")
        if not 0 < self.ramp_c_per_min <= 20:
            raise bad("ramp_c_per_min must be in (0, 20] C/min")
        if self.soak_h < 0 or self.dwell_h <= 0 or self.first_last_dwell_h < self.dwell_h:
            raise bad("soak_h >= 0, dwell_h > 0 and first_last_dwell_h >= dwell_h are required")
        if not 0 < self.tolerance_c < (self.hot_c - self.cold_c) / 4:
            raise bad("tolerance_c must be positive and under a quarter of the hot-cold span")
        if self.stabilisation_rate_c_per_h <= 0:
            raise bad("stabilisation_rate_c_per_h must be positive")
        if not self.limits_min_c <= self.cold_c < self.hot_c <= self.limits_max_c:
            raise bad(f"the test temperatures {self.cold_c:g}/{self.hot_c:g} C lie outside the limits "
                      f"{self.limits_min_c:g}/{self.limits_max_c:g} C")
        if self.cold_c < -150 or self.hot_c > 150:
            raise bad("test temperatures beyond -150/+150 C are not a spacecraft thermal-vacuum test")
        unknown = set(self.assumed) - set(numbers) - {"cycles", "start_with"}
        if unknown:
            raise bad(f"assumed names unknown fields: {', '.join(sorted(unknown))}")

    @property
    def hot_c(self) -> float:
        """Hot plateau temperature: predicted maximum plus the margin (C)."""
        return self.predicted_max_c + self.margin_c

    @property
    def cold_c(self) -> float:
        """Cold plateau temperature: predicted minimum minus the margin (C)."""
        return self.predicted_min_c - self.margin_c

    def dwell_required_h(self, cycle: int) -> float:
        """Dwell the spacecraft must spend stable at each plateau of a cycle (h)."""
        return self.first_last_dwell_h if cycle in (1, self.cycles) else self.dwell_h

    def timeline(self) -> tuple[np.ndarray, np.ndarray]:
        """Set point breakpoints (times from the start, s; temperatures, C), piecewise linear."""
        cached = self.__dict__.get("_timeline")
        if cached is None:
            cached = self._build_timeline()
            object.__setattr__(self, "_timeline", cached)  # frozen: computed once, on demand
        return cached

    def _build_timeline(self) -> tuple[np.ndarray, np.ndarray]:
        rate = self.ramp_c_per_min / 60.0
        order = ("hot", "cold") if self.start_with == "hot" else ("cold", "hot")
        level = {"hot": self.hot_c, "cold": self.cold_c}
        t, temp = [0.0], [self.ambient_c]
        for cycle in range(1, self.cycles + 1):
            hold = 3600.0 * (self.soak_h + self.dwell_required_h(cycle))
            for kind in order:
                target = level[kind]
                t.append(t[-1] + abs(target - temp[-1]) / rate)
                temp.append(target)
                t.append(t[-1] + hold)
                temp.append(target)
        t.append(t[-1] + abs(self.ambient_c - temp[-1]) / rate)
        temp.append(self.ambient_c)
        return np.array(t), np.array(temp)

    def plateaus(self) -> list[Plateau]:
        """The hot and cold plateaus in time order (the truth the analysis must find)."""
        t, temp = self.timeline()
        out = []
        for i in range(1, len(t) - 2, 2):
            cycle = (i - 1) // 4 + 1
            kind = "hot" if temp[i] == self.hot_c else "cold"
            out.append(Plateau(cycle, kind, float(temp[i]), float(t[i]), float(t[i + 1]),
                               self.dwell_required_h(cycle)))
        return out

    @property
    def duration_s(self) -> float:
        return float(self.timeline()[0][-1])

    def setpoint_at(self, t_s) -> np.ndarray:
        """Set point (C) at times from the start (s), vectorised."""
        t, temp = self.timeline()
        return np.interp(np.asarray(t_s, dtype=float), t, temp)


_FIELDS = {f for f in Profile.__dataclass_fields__}


def list_profiles() -> list[str]:
    """Names of the profiles shipped in ``specs/`` (``tvac_<name>.toml``, '_' read as '-')."""
    return sorted(p.stem[len(PREFIX):].replace("_", "-") for p in SPECS_DIR.glob(f"{PREFIX}*.toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (``gevs-qual``) or a TOML file by path; ProfileError otherwise."""
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith(".toml") or path.exists()):
        path = SPECS_DIR / f"{PREFIX}{text.replace('-', '_')}.toml"
        if not path.exists():
            raise ProfileError(f"no thermal-vacuum profile {text!r} (shipped: {', '.join(list_profiles())})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not TOML ({exc})") from None
    unknown = set(data) - _FIELDS
    if unknown:
        raise ProfileError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    missing = {k for k, f in Profile.__dataclass_fields__.items() if k != "assumed"} - set(data)
    if missing:
        raise ProfileError(f"{path}: missing keys {', '.join(sorted(missing))}")
    try:
        kwargs = {k: (v if k in ("name", "title", "source", "start_with") else
                      int(v) if k == "cycles" else tuple(v) if k == "assumed" else float(v))
                  for k, v in data.items()}
        if data["cycles"] != kwargs["cycles"] or isinstance(data["cycles"], bool):
            raise ProfileError(f"{path}: cycles must be a whole number")
        for key in ("name", "title", "source", "start_with"):
            if not isinstance(kwargs[key], str):
                raise ProfileError(f"{path}: {key} must be a string")
        return Profile(**kwargs)
    except ProfileError:
        raise
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{path}: {exc}") from None
