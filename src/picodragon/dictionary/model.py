"""The shapes of the spacecraft dictionary: telemetry fields, packets, commands, events.

One declaration serves the flight software (to pack and to dispatch) and the ground (to
unpack, to check limits, to build forms), so the two cannot drift apart (the F Prime idea).
The values in the declarations are engineering values; on the wire each field is an integer or
float of a fixed width, ``raw = round((value - offset) / scale)``, big-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

_NAN = float("nan")

#: wire types and their struct codes (big-endian)
WIRE_TYPES: dict[str, str] = {
    "u8": "B",
    "i8": "b",
    "u16": "H",
    "i16": "h",
    "u32": "I",
    "i32": "i",
    "f32": "f",
    "f64": "d",
}


class Severity(IntEnum):
    DEBUG = 0
    INFO = 1
    WARNING = 2
    CRITICAL = 3


@dataclass(frozen=True)
class Limits:
    """Alarm limits in engineering units; None means no limit on that side."""

    warning_low: float | None = None
    warning_high: float | None = None
    critical_low: float | None = None
    critical_high: float | None = None

    def check(self, value: float) -> Severity:
        if (self.critical_low is not None and value < self.critical_low) or (
            self.critical_high is not None and value > self.critical_high
        ):
            return Severity.CRITICAL
        if (self.warning_low is not None and value < self.warning_low) or (
            self.warning_high is not None and value > self.warning_high
        ):
            return Severity.WARNING
        return Severity.INFO


@dataclass(frozen=True)
class Field:
    """One value in a packet or command, in engineering units on the outside."""

    name: str
    wire: str
    unit: str = ""
    description: str = ""
    scale: float = 1.0
    offset: float = 0.0
    limits: Limits | None = None
    minimum: float | None = None
    maximum: float | None = None
    enum: dict[int, str] | None = None

    def __post_init__(self) -> None:
        if self.wire not in WIRE_TYPES:
            raise ValueError(f"field {self.name}: unknown wire type {self.wire}")
        # computed once: packing and unpacking ask for them for every field of every packet
        object.__setattr__(self, "_is_float", self.wire.startswith("f"))
        object.__setattr__(self, "_range", self._compute_range())

    @property
    def code(self) -> str:
        return WIRE_TYPES[self.wire]

    @property
    def is_float(self) -> bool:
        return self._is_float  # type: ignore[attr-defined]

    def _compute_range(self) -> tuple[float, float]:
        if self.wire.startswith("f"):
            return (-3.4e38, 3.4e38) if self.wire == "f32" else (-1.7e308, 1.7e308)
        bits = struct.calcsize(self.code) * 8
        if self.wire.startswith("u"):
            return 0, 2**bits - 1
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def raw_range(self) -> tuple[float, float]:
        return self._range  # type: ignore[attr-defined]

    def to_raw(self, value: float) -> int | float:
        """Engineering value to wire value, saturating at the type's range.

        (Comparisons in place of ``min(max(raw, lo), hi)``, with the same result: every field
        of every packet the flight software sends comes through here.)
        """
        raw = (value - self.offset) / self.scale
        lo, hi = self._range  # type: ignore[attr-defined]
        if self._is_float:  # type: ignore[attr-defined]
            if raw < lo:
                raw = lo
            elif raw > hi:
                raw = hi
            return float(raw)  # NaN stays NaN
        if raw != raw:  # NaN: the lowest code marks "no value"
            return int(lo)
        code = round(raw)
        if code < lo:
            code = lo
        elif code > hi:
            code = hi
        return int(code)

    def from_raw(self, raw: float) -> float:
        return raw * self.scale + self.offset


@dataclass(frozen=True)
class Packet:
    """A telemetry packet: an APID and its fields, in wire order."""

    name: str
    apid: int
    description: str
    fields: tuple[Field, ...]
    struct: struct.Struct = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fmt = ">" + "".join(f.code for f in self.fields)
        object.__setattr__(self, "struct", struct.Struct(fmt))
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"packet {self.name} repeats a field name")
        # what pack_values needs of each field, looked up once (every packet the flight
        # software sends is packed through it)
        object.__setattr__(self, "_plan", tuple(
            (f.name, f.offset, f.scale, *f.raw_range(), f.is_float) for f in self.fields))

    @property
    def size(self) -> int:
        return self.struct.size

    def pack_values(self, values: dict[str, float]) -> bytes:
        """The packet's data field from engineering values (a missing one: the lowest code).

        Each field as :meth:`Field.to_raw` converts it, the same operations in the same order,
        inlined: a HOUSEKEEPING packet's thirty fields without a method call each.
        """
        raw: list[int | float] = []
        append = raw.append
        get = values.get
        for name, offset, scale, lo, hi, is_float in self._plan:  # type: ignore[attr-defined]
            r = (get(name, _NAN) - offset) / scale
            if is_float:
                if r < lo:
                    r = lo
                elif r > hi:
                    r = hi
                append(float(r))
            elif r != r:
                append(int(lo))
            else:
                code = round(r)
                if code < lo:
                    code = lo
                elif code > hi:
                    code = hi
                append(int(code))
        return self.struct.pack(*raw)

    def __reduce__(self):
        # struct.Struct does not pickle: rebuild it (dask sends dictionaries to its workers)
        return (type(self), (self.name, self.apid, self.description, self.fields))


@dataclass(frozen=True)
class Command:
    """A telecommand: an opcode and its typed arguments with their allowed ranges."""

    name: str
    opcode: int
    description: str
    arguments: tuple[Field, ...] = ()
    hazardous: bool = False
    """Asks the operator to confirm before release (a reset, a deletion, a mode forced)."""
    struct: struct.Struct = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "struct", struct.Struct(">" + "".join(a.code for a in self.arguments)))

    def __reduce__(self):
        return (type(self), (self.name, self.opcode, self.description, self.arguments, self.hazardous))


@dataclass(frozen=True)
class Event:
    """An on-board event: an id, a severity and a message template over its arguments."""

    name: str
    event_id: int
    severity: Severity
    template: str
    arguments: tuple[Field, ...] = ()
