"""Frames of satellites the team does not fly, decoded by the satnogs-decoders Kaitai structs.

A radio amateur's satellite speaks its own frame layout, not this project's space packets. The
SatNOGS community describes well over a hundred of those layouts as Kaitai Struct files and
ships them compiled to Python in the ``satnogs-decoders`` package (PyPI, AGPL-3.0; installed by
the ``satnogs`` extra). A mission that names one (``[receive] kaitai = "quetzal1"``) has its
frames decoded here, whole (the structs start at the AX.25 header), into named numbers:

- the field names are the struct's own: its class docstring lists ``:field NAME: a.b.c`` lines,
  the names SatNOGS DB's dashboards use; a struct without them is walked and each nested value
  named by its path (``a_b_c``);
- integers, floats and booleans become floats, an enumeration its integer; text is kept apart
  as an oddity (``KaitaiFields.strings``); bytes are skipped;
- the wire type of each field, for the mission's dictionary, is read from the compiled struct's
  own ``self._io.read_u2be()``-style calls (a computed field is ``f64``).

:func:`decode_fields` never raises: an unknown struct, the package missing, or bytes the struct
does not accept give a :class:`KaitaiRejection` naming the reason. :func:`packet_from_sample`
builds the dictionary packet a receive-only mission archives those fields as, from one decoded
frame, and :func:`dictionary_toml` writes it as the mission's dictionary file, so the archive,
plots and alarms work on it as on any packet. :class:`KaitaiDecoder` is what a
``GroundStation`` is given (``frame_decoder=``) to store such frames as that packet's rows.
"""

from __future__ import annotations

import enum
import functools
import importlib
import inspect
import math
import re
from dataclasses import dataclass, field

from picodragon.dictionary.model import Field, Packet

#: a struct's name as satnogs-decoders spells its modules (``quetzal1``, ``grbalpha``)
_STRUCT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: ``:field NAME: PATH`` lines of a struct's class docstring
_FIELD_LINE = re.compile(r"^\s*:field\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_.]+)\s*$", re.M)
#: ``self.NAME = [resolve_enum(..., ]self._io.read_TYPE()`` in a compiled struct
_READ = re.compile(
    r"self\.(\w+)\s*=\s*(?:KaitaiStream\.resolve_enum\([\w.]+,\s*)?"
    r"self\._io\.read_(?:([usf])(\d)(?:be|le)?\(\)|bits_int_(?:be|le)\((\d+)\))"
)
_WIRE_OF_READ = {("u", 1): "u8", ("u", 2): "u16", ("u", 4): "u32", ("u", 8): "f64",
                 ("s", 1): "i8", ("s", 2): "i16", ("s", 4): "i32", ("s", 8): "f64",
                 ("f", 4): "f32", ("f", 8): "f64"}
_WIDTH = {"u8": 1, "i8": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4, "f32": 4, "f64": 8}
#: nesting followed when walking a struct without ``:field`` lines (the structs nest 6 to 8 deep)
MAX_DEPTH = 16
#: values taken from one frame at most: a frame is at most a few hundred octets
MAX_VALUES = 2048
_KAITAI_INTERNALS = frozenset({"_io", "_parent", "_root"})


@dataclass(frozen=True)
class KaitaiRejection:
    """Why a frame (or a struct name) gave no fields; never raised, returned."""

    reason: str


@dataclass(frozen=True)
class KaitaiFields:
    """The named numbers of one decoded frame (``values``) and its text fields (``strings``)."""

    struct: str
    values: dict[str, float]
    strings: dict[str, str] = field(default_factory=dict)
    #: value -> name of the enumerations met, by field
    enums: dict[str, dict[int, str]] = field(default_factory=dict)


def available_structs() -> list[str]:
    """The struct names the installed satnogs-decoders offers (empty without the package)."""
    try:
        from importlib import resources

        folder = resources.files("satnogsdecoders.decoder")
    except (ImportError, ModuleNotFoundError):
        return []
    return sorted(p.name[:-3] for p in folder.iterdir()
                  if p.name.endswith(".py") and not p.name.startswith("_"))


@functools.cache
def load_struct(name: str) -> type | KaitaiRejection:
    """The compiled Kaitai class of satnogs-decoders' struct ``name`` (``quetzal1``), or why not."""
    if not isinstance(name, str) or not _STRUCT_NAME.match(name):
        return KaitaiRejection(f"{name!r} is not a satnogs-decoders struct name (lower case, "
                               "digits and _)")
    try:
        module = importlib.import_module(f"satnogsdecoders.decoder.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("satnogsdecoders.decoder."):
            return KaitaiRejection(f"satnogs-decoders has no struct {name!r}")
        return KaitaiRejection("the satnogs-decoders package is not installed "
                               "(pip install 'picodragon[satnogs]')")
    except Exception as exc:  # a struct module that fails to import: say so, in one line
        return KaitaiRejection(f"satnogs-decoders struct {name!r} fails to import: "
                               f"{type(exc).__name__}: {exc}".splitlines()[0])
    wanted = name.replace("_", "")
    for attr, value in vars(module).items():
        if inspect.isclass(value) and attr.lower() == wanted and hasattr(value, "from_bytes"):
            return value
    return KaitaiRejection(f"satnogs-decoders module {name!r} holds no struct class")


def declared_paths(struct: type) -> dict[str, str]:
    """Field name -> attribute path from the struct's ``:field`` docstring lines (may be empty).

    Paths with an unknown-length repetition (``___`` in satnogs-decoders' notation) are left
    out: their names depend on the frame.
    """
    doc = struct.__doc__ or ""
    return {name: path for name, path in _FIELD_LINE.findall(doc) if "___" not in path}


@functools.cache
def read_types(struct: type) -> dict[str, str]:
    """Attribute name -> dictionary wire type, from the compiled struct's read calls.

    An attribute read with different types in different nested classes gets the widest (a
    float where any is a float).
    """
    try:
        source = inspect.getsource(inspect.getmodule(struct))
    except (OSError, TypeError):
        return {}
    out: dict[str, str] = {}
    for attr, kind, size, bits in _READ.findall(source):
        if bits:
            n = int(bits)
            wire = "u8" if n <= 8 else "u16" if n <= 16 else "u32" if n <= 32 else "f64"
        else:
            wire = _WIRE_OF_READ.get((kind, int(size)), "f64")
        before = out.get(attr)
        if before is None or _wider(wire, before):
            out[attr] = wire
    return out


def _wider(a: str, b: str) -> bool:
    if a.startswith("f") != b.startswith("f"):
        return a.startswith("f")
    return _WIDTH[a] > _WIDTH[b] or (_WIDTH[a] == _WIDTH[b] and a.startswith("i") and b.startswith("u"))


def _follow(obj: object, path: str) -> object:
    """The value at a dotted path (list items by their index); AttributeError if absent."""
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)] if part.isdigit() and int(part) < len(obj) else _absent(path)
        else:
            obj = getattr(obj, part)
    return obj


def _absent(path: str) -> object:
    raise AttributeError(path)


def _take(name: str, value: object, out: KaitaiFields) -> None:
    """File one leaf value under ``name``: a number, an enumeration or text; bytes skipped."""
    if len(out.values) + len(out.strings) >= MAX_VALUES:
        return
    if isinstance(value, enum.Enum):
        try:
            out.values[name] = float(int(value.value))
        except (TypeError, ValueError):
            return
        out.enums[name] = {int(m.value): m.name for m in type(value)
                           if isinstance(m.value, int)}
    elif isinstance(value, bool | int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer wider than a double: not a telemetry number
            return
        if not math.isinf(number):
            out.values[name] = number
    elif isinstance(value, str):
        out.strings[name] = value


def _walk(obj: object, path: tuple[str, ...], leaves: list, depth: int) -> None:
    """Every leaf of a parsed struct with its attribute path (list items by their index)."""
    if depth > MAX_DEPTH or len(leaves) >= MAX_VALUES:
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj[:MAX_VALUES]):
            _walk(item, (*path, str(i)), leaves, depth + 1)
        return
    if not hasattr(obj, "_io"):
        leaves.append((path, obj))
        return
    for attr, value in vars(obj).items():
        if attr.startswith("_") or attr in _KAITAI_INTERNALS:
            continue
        _walk(value, (*path, attr), leaves, depth + 1)


def _short_names(paths: list[tuple[str, ...]]) -> list[str]:
    """Each path named by its shortest tail no other path ends with, joined by ``_``.

    Whole paths run past 60 characters (``ax25_frame_payload_..._eps_bq1_soc``); the tail
    (``eps_bq1_soc``, or ``bq1_soc`` alone when unique) is what a person reads on a plot.
    """
    names = []
    for path in paths:
        for n in range(1, len(path) + 1):
            tail = path[-n:]
            if sum(1 for other in paths if other[-n:] == tail) == 1 or n == len(path):
                names.append("_".join(tail) if tail[0][:1].isalpha() else "_".join(("f", *tail)))
                break
    return names


def flatten(parsed: object, struct_name: str = "") -> KaitaiFields:
    """The named fields of a parsed frame: by the struct's ``:field`` lines, else by walking it.

    A declared field that this frame does not hold (another frame type of the same satellite)
    is simply absent. Raises what the struct's computed fields raise; :func:`decode_fields` is
    the guarded entry.
    """
    out = KaitaiFields(struct_name, {})
    paths = declared_paths(type(parsed))
    if not paths:
        leaves: list[tuple[tuple[str, ...], object]] = []
        _walk(parsed, (), leaves, 0)
        for name, (_, value) in zip(_short_names([p for p, _ in leaves]), leaves, strict=True):
            _take(name, value, out)
        return out
    for name, path in paths.items():
        try:
            value = _follow(parsed, path)
        except Exception:  # absent in this frame type, or a computed field that fails on it
            continue
        _take(name, value, out)
    return out


def decode_fields(struct: str, frame: bytes) -> KaitaiFields | KaitaiRejection:
    """Decode one frame (AX.25 header included, no FCS) with struct ``struct``; never raises."""
    cls = load_struct(struct)
    if isinstance(cls, KaitaiRejection):
        return cls
    try:
        parsed = cls.from_bytes(bytes(frame))
        fields = flatten(parsed, struct)
    except RecursionError:
        return KaitaiRejection(f"{struct}: the frame nests too deep")
    except Exception as exc:  # a struct's parse error: EOF, validation, bad text, anything
        text = str(exc).splitlines()[0][:160] if str(exc).strip() else ""
        return KaitaiRejection(f"{struct}: {type(exc).__name__}{': ' + text if text else ''}")
    if not fields.values:
        return KaitaiRejection(f"{struct}: the frame holds no numeric field")
    return fields


def packet_from_sample(
    struct: str, frame: bytes, name: str, apid: int, description: str = ""
) -> Packet:
    """The dictionary packet of the numeric fields struct ``struct`` decodes from ``frame``.

    Used once, to write a receive-only mission's dictionary file: each field takes the wire type
    the struct reads it with (``f64`` for a computed one), the struct's path as its description
    and, for an enumeration, its names. No unit or limit is guessed: a team adds them in the
    file. ValueError (one line) when the frame does not decode.
    """
    decoded = decode_fields(struct, frame)
    if isinstance(decoded, KaitaiRejection):
        raise ValueError(decoded.reason)
    cls = load_struct(struct)
    assert not isinstance(cls, KaitaiRejection)
    types = read_types(cls)
    paths = declared_paths(cls)
    fields = []
    for field_name in decoded.values:
        leaf = paths.get(field_name, field_name).rsplit(".", 1)[-1]
        wire = types.get(leaf, "f64")
        where = paths.get(field_name)
        about = f"{struct}: {where}" if where else f"{struct} field"
        fields.append(Field(field_name, wire, description=about, enum=decoded.enums.get(field_name)))
    return Packet(name, apid, description or f"fields of the satnogs-decoders struct {struct}",
                  tuple(fields))


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dictionary_toml(dictionary_name: str, packets: list[Packet], comment: str = "") -> str:
    """A dictionary file (``picodragon.dictionary.loader`` reads it) declaring ``packets`` alone.

    ``comment`` opens the file, each line prefixed with ``#``.
    """
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    if lines:
        lines.append("")
    lines.append(f"name = {_toml_string(dictionary_name)}")
    for packet in packets:
        lines += ["", "[[packets]]", f"name = {_toml_string(packet.name)}",
                  f"apid = 0x{packet.apid:03X}", f"description = {_toml_string(packet.description)}",
                  "fields = ["]
        for f in packet.fields:
            parts = [f"name = {_toml_string(f.name)}", f"type = {_toml_string(f.wire)}"]
            if f.unit:
                parts.append(f"unit = {_toml_string(f.unit)}")
            if f.enum:
                pairs = ", ".join(f"{k} = {_toml_string(v)}" for k, v in sorted(f.enum.items()))
                parts.append(f"enum = {{ {pairs} }}")
            parts.append(f"description = {_toml_string(f.description)}")
            lines.append(f"  {{ {', '.join(parts)} }},")
        lines.append("]")
    return "\n".join(lines) + "\n"


class KaitaiDecoder:
    """Turns whole frames into one dictionary packet's values through a Kaitai struct.

    ``packet`` is the dictionary's declaration of what the struct gives (made by
    :func:`packet_from_sample`); a decoded frame yields every declared field, NaN for one this
    frame does not hold, so each frame is one row of that packet. Fields the struct gives and
    the packet does not declare are dropped (the raw frame is archived, so nothing is lost).
    """

    def __init__(self, struct: str, packet: Packet) -> None:
        self.struct = struct
        self.packet = packet
        self._names = tuple(f.name for f in packet.fields)

    def decode(self, frame: bytes) -> dict[str, float] | KaitaiRejection:
        """The packet's values of one frame, or why not; never raises."""
        decoded = decode_fields(self.struct, frame)
        if isinstance(decoded, KaitaiRejection):
            return decoded
        values = {name: decoded.values.get(name, math.nan) for name in self._names}
        if all(math.isnan(v) for v in values.values()):
            return KaitaiRejection(f"{self.struct}: none of {self.packet.name}'s fields in the frame")
        return values
