"""Reading a mission's dictionary from the files a team writes (TOML or YAML).

A dictionary file holds ``[enums.NAME]`` tables, ``[[packets]]``, ``[[commands]]`` and
``[[events]]``, and may ``extends`` another file or the packaged ``"core"``; a ``[limits.PACKET]``
table sets the alarm limits of fields a parent declared (a mission's hardware decides them, not
the core). docs/missions.md is the reference of every key.

Every problem found is reported, not only the first: ``DictionaryError``'s message is one line
naming the file, the line and the item (``dictionary.toml:23: packet HOUSEKEEPING, field mode:
unknown type 'u9' (and 2 more: ...)``). Line numbers are found by looking for the item's name
in the text: TOML and YAML parsers in the standard library do not keep positions.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from picodragon.dictionary.definitions import Dictionary, DictionaryError
from picodragon.dictionary.model import WIRE_TYPES, Command, Event, Field, Limits, Packet, Severity

CORE = "core"
"""The name ``extends`` uses for the packaged core dictionary."""

KNOWN_UNITS = frozenset({
    "", "s", "ms", "us", "min", "h", "d", "m", "km", "m/s", "km/s", "m/s^2", "g", "deg", "rad",
    "rad/s", "deg/s", "V", "mV", "A", "mA", "W", "mW", "Wh", "J", "Ohm", "degC", "K", "%", "T",
    "nT", "uT", "G", "Hz", "kHz", "MHz", "dB", "dBm", "dBW", "dBi", "B", "kB", "MB", "bit",
    "bit/s", "kg", "N", "N m", "Pa", "hPa", "lx", "count", "ppm",
})
"""Units a field may carry (SI and the few non-SI ones a CubeSat team uses); a typo such as
``"degc"`` is refused rather than shown as is on every plot."""

_FIELD_KEYS = {"name", "type", "unit", "description", "scale", "offset", "limits", "min", "max",
               "enum"}
_LIMIT_KEYS = ("warning_low", "warning_high", "critical_low", "critical_high")
_PACKET_KEYS = {"name", "apid", "description", "fields", "role"}
_COMMAND_KEYS = {"name", "opcode", "description", "arguments", "hazardous"}
_EVENT_KEYS = {"name", "id", "severity", "message"}
_TOP_KEYS = {"name", "extends", "enums", "packets", "commands", "events", "limits"}


class _Problems:
    """Problems found in one file, each with the line it was found on."""

    def __init__(self, origin: str, text: str) -> None:
        self.origin = origin
        self.lines = text.splitlines()
        self.items: list[tuple[int, str]] = []

    def line_of(self, *needles: str, after: int = 0) -> int:
        """The first line (1-based) at or after ``after`` holding every needle, else ``after``."""
        for number in range(max(after, 1), len(self.lines) + 1):
            line = self.lines[number - 1]
            if all(n in line for n in needles):
                return number
        return after

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        first_line, first = self.items[0]
        where = f"{self.origin}:{first_line}" if first_line else self.origin
        more = ""
        if len(self.items) > 1:
            rest = "; ".join(
                f"line {line}: {message}" if line else message for line, message in self.items[1:4]
            )
            extra = len(self.items) - 4
            more = f" (and {len(self.items) - 1} more: {rest}{'; ...' if extra > 0 else ''})"
        raise DictionaryError(f"{where}: {first}{more}")


def _name_needles(name: str, yaml: bool) -> tuple[str, ...]:
    return (f"name: {name}",) if yaml else (f'"{name}"', "name")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _read(path: Path, problems_origin: str | None = None) -> tuple[dict, _Problems, bool]:
    origin = problems_origin or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DictionaryError(f"dictionary file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DictionaryError(f"cannot read dictionary file {path}: {exc}") from None
    yaml = path.suffix.lower() in (".yaml", ".yml")
    if yaml:
        import yaml as pyyaml

        try:
            data = pyyaml.safe_load(text)
        except pyyaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "not valid YAML"
            raise DictionaryError(f"{origin}{line}: not valid YAML: {problem}") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DictionaryError(f"{origin}: not valid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise DictionaryError(f"{origin}: a dictionary file is a table of packets, commands, events")
    return data, _Problems(origin, text), yaml


def _core_path() -> Path:
    return Path(str(resources.files("picodragon.dictionary") / "core.toml"))


@functools.cache
def core() -> Dictionary:
    """The packaged core dictionary (loaded once): what the reference flight software needs."""
    return load_dictionary()


def load_dictionary(path: str | Path | None = None, name: str | None = None) -> Dictionary:
    """The dictionary in a file (following its ``extends`` chain), or the core without a file."""
    return _load(Path(path) if path is not None else _core_path(), name, ())


def _load(path: Path, name: str | None, seen: tuple[Path, ...]) -> Dictionary:
    resolved = path.resolve()
    if resolved in seen:
        raise DictionaryError(f"{path}: extends: a loop through {path.name}")
    data, problems, yaml = _read(path)
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        problems.add(problems.line_of(unknown[0]), f"unknown key {unknown[0]!r} "
                     f"(known: {', '.join(sorted(_TOP_KEYS))})")
    parent: Dictionary | None = None
    extends = data.get("extends")
    if extends is not None:
        if not isinstance(extends, str):
            problems.add(problems.line_of("extends"), "extends: give 'core' or a file name")
        else:
            target = _core_path() if extends == CORE else (path.parent / extends)
            parent = _load(target, None, (*seen, resolved))
    enums = dict(parent.enums) if parent else {}
    enums.update(_enums(data.get("enums", {}), problems))
    packets = list(parent.telemetry) if parent else []
    chunk_header = parent.chunk_header if parent else None
    commands = list(parent.commands) if parent else []
    events = list(parent.events) if parent else []
    for index, item in enumerate(_list(data, "packets", problems)):
        packet, role = _packet(item, index, enums, problems, yaml)
        if packet is None:
            continue
        if role == "file_chunk_header":
            chunk_header = packet
        else:
            packets.append(packet)
    for index, item in enumerate(_list(data, "commands", problems)):
        command = _command(item, index, enums, problems, yaml)
        if command is not None:
            commands.append(command)
    for index, item in enumerate(_list(data, "events", problems)):
        event = _event(item, index, problems, yaml)
        if event is not None:
            events.append(event)
    packets = _apply_limits(data.get("limits", {}), packets, problems)
    problems.raise_if_any()
    dictionary_name = name or data.get("name") or path.stem
    try:
        return Dictionary(str(dictionary_name), tuple(packets), tuple(commands), tuple(events),
                          enums, chunk_header)
    except DictionaryError as exc:
        line = _line_for_duplicate(str(exc), problems, yaml)
        where = f"{problems.origin}:{line}" if line else problems.origin
        raise DictionaryError(f"{where}: {exc}") from None


def _line_for_duplicate(message: str, problems: _Problems, yaml: bool) -> int:
    """The line of the second item a duplicate message names (it is the one to change)."""
    names = re.findall(r"[:,] (\w+) and (\w+)$", message)
    if names:
        return problems.line_of(*_name_needles(names[0][1], yaml))
    words = re.findall(r"packet (\w+)", message)
    return problems.line_of(*_name_needles(words[0], yaml)) if words else 0


def _list(data: dict, key: str, problems: _Problems) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.add(problems.line_of(key), f"{key}: give a list of tables ([[{key}]] in TOML)")
        return []
    return value


def _enums(data: Any, problems: _Problems) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    if not isinstance(data, dict):
        problems.add(problems.line_of("enums"), "enums: give tables of number = \"NAME\"")
        return out
    for enum_name, table in data.items():
        if not isinstance(table, dict):
            problems.add(problems.line_of(enum_name), f"enum {enum_name}: give number = \"NAME\" pairs")
            continue
        out[enum_name] = _enum_table(table, f"enum {enum_name}", problems,
                                     problems.line_of(f"enums.{enum_name}"))
    return out


def _enum_table(table: dict, what: str, problems: _Problems, line: int) -> dict[int, str]:
    values: dict[int, str] = {}
    for key, label in table.items():
        try:
            number = int(str(key), 0)
        except ValueError:
            problems.add(line, f"{what}: key {key!r} is not an integer")
            continue
        if not isinstance(label, str) or not label:
            problems.add(line, f"{what}: value of {key} must be a non-empty name")
            continue
        values[number] = label
    return values


def _field(item: Any, owner: str, enums: dict, problems: _Problems, line: int) -> Field | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        problems.add(line, f"{owner}: every field needs a name")
        return None
    name = item["name"]
    what = f"{owner}, field {name}"
    before = len(problems.items)
    unknown = sorted(set(item) - _FIELD_KEYS)
    if unknown:
        problems.add(line, f"{what}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_FIELD_KEYS))})")
    wire = item.get("type")
    if wire not in WIRE_TYPES:
        problems.add(line, f"{what}: unknown type {wire!r} (known: {', '.join(WIRE_TYPES)})")
        return None
    unit = item.get("unit", "")
    if unit not in KNOWN_UNITS:
        problems.add(line, f"{what}: unknown unit {unit!r}")
    numbers = {}
    for key in ("scale", "offset", "min", "max"):
        if key in item:
            if not _number(item[key]):
                problems.add(line, f"{what}: {key} must be a finite number")
            else:
                numbers[key] = float(item[key])
    if numbers.get("scale", 1.0) == 0.0:
        problems.add(line, f"{what}: scale must not be zero")
    enum = item.get("enum")
    if isinstance(enum, str):
        if enum not in enums:
            problems.add(line, f"{what}: no enum named {enum!r} (known: {', '.join(sorted(enums)) or 'none'})")
            enum = None
        else:
            enum = enums[enum]
    elif isinstance(enum, dict):
        enum = _enum_table(enum, what, problems, line)
    elif enum is not None:
        problems.add(line, f"{what}: enum must name an enum or be a table of number = \"NAME\"")
        enum = None
    limits = None
    if "limits" in item:
        limits = _limits(item["limits"], what, problems, line)
    if len(problems.items) > before:
        return None
    field = Field(name, wire, unit, str(item.get("description", "")),
                  scale=numbers.get("scale", 1.0), offset=numbers.get("offset", 0.0),
                  limits=limits, minimum=numbers.get("min"), maximum=numbers.get("max"),
                  enum=enum)
    _check_ranges(field, what, problems, line)
    return field


def _check_ranges(field: Field, what: str, problems: _Problems, line: int) -> None:
    """Limits and argument ranges must be values the wire type can carry."""
    lo_raw, hi_raw = field.raw_range()
    ends = sorted((field.from_raw(lo_raw), field.from_raw(hi_raw)))
    checks: list[tuple[str, float | None]] = [("min", field.minimum), ("max", field.maximum)]
    if field.limits is not None:
        checks += [(key, getattr(field.limits, key)) for key in _LIMIT_KEYS]
    for key, value in checks:
        if value is not None and not ends[0] <= value <= ends[1]:
            problems.add(line, f"{what}: {key} {value:g} is outside what {field.wire} with scale "
                         f"{field.scale:g} carries ({ends[0]:g} to {ends[1]:g})")


def _limits(data: Any, what: str, problems: _Problems, line: int) -> Limits | None:
    if not isinstance(data, dict) or set(data) - set(_LIMIT_KEYS):
        problems.add(line, f"{what}: limits take {', '.join(_LIMIT_KEYS)}")
        return None
    values = {}
    for key in _LIMIT_KEYS:
        if key in data:
            if not _number(data[key]):
                problems.add(line, f"{what}: limits.{key} must be a finite number")
                return None
            values[key] = float(data[key])
    limits = Limits(**values)
    for low, high in (("warning_low", "warning_high"), ("critical_low", "critical_high"),
                      ("critical_low", "warning_low"), ("warning_high", "critical_high")):
        a, b = values.get(low), values.get(high)
        if a is not None and b is not None and a > b:
            problems.add(line, f"{what}: limits.{low} {a:g} is above limits.{high} {b:g}")
    return limits


def _fields(items: Any, owner: str, start: int, enums: dict, problems: _Problems,
            yaml: bool) -> tuple[Field, ...] | None:
    if not isinstance(items, list):
        problems.add(start, f"{owner}: fields must be a list of tables")
        return None
    out = []
    for item in items:
        name = item.get("name", "") if isinstance(item, dict) else ""
        line = problems.line_of(*_name_needles(str(name), yaml), after=start) if name else start
        field = _field(item, owner, enums, problems, line)
        if field is not None:
            out.append(field)
    names = [f.name for f in out]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.add(start, f"{owner}: field {duplicate} declared twice")
    return tuple(out) if len(out) == len(items) else None


def _opening(item: dict, kind: str, index: int, keys: set[str], number_key: str,
             number_range: tuple[int, int], problems: _Problems,
             yaml: bool) -> tuple[str, int, int] | None:
    """(name, line, number) of a packet, command or event, or None after recording why not."""
    name = item.get("name")
    line = problems.line_of(*_name_needles(str(name), yaml)) if isinstance(name, str) else 0
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        problems.add(line, f"{kind} {index + 1}: name must be a word of letters, digits and _")
        return None
    unknown = sorted(set(item) - keys)
    if unknown:
        problems.add(line, f"{kind} {name}: unknown key {unknown[0]!r} "
                     f"(known: {', '.join(sorted(keys))})")
    number = item.get(number_key)
    low, high = number_range
    if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
        problems.add(line, f"{kind} {name}: {number_key} must be an integer from {low} to "
                     f"0x{high:X}")
        return None
    return name, line, number


def _packet(item: dict, index: int, enums: dict, problems: _Problems,
            yaml: bool) -> tuple[Packet | None, str]:
    opening = _opening(item, "packet", index, _PACKET_KEYS, "apid", (0, 0x7FE), problems, yaml)
    if opening is None:
        return None, ""
    name, line, apid = opening
    what = f"packet {name}"
    role = item.get("role", "")
    if role not in ("", "file_chunk_header"):
        problems.add(line, f"{what}: role must be 'file_chunk_header' or absent")
    fields = _fields(item.get("fields", []), what, line, enums, problems, yaml)
    if fields is None:
        return None, role
    try:
        packet = Packet(name, apid, str(item.get("description", "")), fields)
    except ValueError as exc:
        problems.add(line, f"{what}: {exc}")
        return None, role
    from picodragon.dictionary.definitions import MAX_PACKET_DATA

    if packet.size > MAX_PACKET_DATA:
        problems.add(line, f"{what}: its fields take {packet.size} octets, wider than the "
                     f"{MAX_PACKET_DATA} a frame carries")
        return None, role
    return packet, role


def _command(item: dict, index: int, enums: dict, problems: _Problems, yaml: bool) -> Command | None:
    opening = _opening(item, "command", index, _COMMAND_KEYS, "opcode", (1, 0xFFFF), problems,
                       yaml)
    if opening is None:
        return None
    name, line, opcode = opening
    what = f"command {name}"
    arguments = _fields(item.get("arguments", []), what, line, enums, problems, yaml)
    if arguments is None:
        return None
    hazardous = item.get("hazardous", False)
    if not isinstance(hazardous, bool):
        problems.add(line, f"{what}: hazardous must be true or false")
        return None
    return Command(name, opcode, str(item.get("description", "")), arguments, hazardous)


def _event(item: dict, index: int, problems: _Problems, yaml: bool) -> Event | None:
    opening = _opening(item, "event", index, _EVENT_KEYS, "id", (1, 0xFFFF), problems, yaml)
    if opening is None:
        return None
    name, line, event_id = opening
    what = f"event {name}"
    severity = item.get("severity", "INFO")
    if severity not in Severity.__members__:
        problems.add(line, f"{what}: severity must be one of {', '.join(Severity.__members__)}")
        return None
    message = item.get("message", name)
    if not isinstance(message, str):
        problems.add(line, f"{what}: message must be text")
        return None
    for placeholder in re.findall(r"{(\w*)}", message):
        if placeholder not in ("arg0", "arg1"):
            problems.add(line, f"{what}: message may use {{arg0}} and {{arg1}}, not {{{placeholder}}}")
            return None
    return Event(name, event_id, Severity[severity], message)


def _apply_limits(data: Any, packets: list[Packet], problems: _Problems) -> list[Packet]:
    """``[limits.PACKET] field = { warning_low = ..., ... }`` on packets declared so far."""
    if not isinstance(data, dict):
        problems.add(problems.line_of("limits"), "limits: give [limits.PACKET] tables")
        return packets
    by_name = {p.name: i for i, p in enumerate(packets)}
    for packet_name, table in data.items():
        line = problems.line_of(f"limits.{packet_name}")
        if packet_name not in by_name or not isinstance(table, dict):
            problems.add(line, f"limits.{packet_name}: no such packet")
            continue
        packet = packets[by_name[packet_name]]
        fields = {f.name: f for f in packet.fields}
        for field_name, values in table.items():
            field_line = problems.line_of(field_name, after=line)
            what = f"limits.{packet_name}, field {field_name}"
            if field_name not in fields:
                problems.add(field_line, f"{what}: packet {packet_name} has no such field")
                continue
            limits = _limits(values, what, problems, field_line)
            if limits is not None:
                fields[field_name] = replace(fields[field_name], limits=limits)
                _check_ranges(fields[field_name], what, problems, field_line)
        packets[by_name[packet_name]] = replace(packet, fields=tuple(fields.values()))
    return packets
