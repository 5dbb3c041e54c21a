"""XTCE import: an XTCE 1.2 document (ours or another tool's) as a ``Dictionary``.

It is over 500 lines because XTCE is one document whose types, containers and commands refer
to each other; the reader resolves them in one pass over one parsed tree.

``load_xtce(path)`` reads what ``picodragon.dictionary.xtce`` writes back to the identical
``Dictionary``, and the common subset other tools write (space-packet-parser's test files, Yamcs
pymdb's output):

- integer, float, enumerated and boolean parameter and argument types whose encoding is 8, 16
  or 32 bits (integers, unsigned or two's complement) or 32/64 bits (IEEE 754), big-endian:
  the wire types of ``picodragon.dictionary.model``; units; descriptions; degree-1 polynomial
  calibrators as scale and offset; static warning/critical alarm ranges as limits; argument
  valid ranges as minimum/maximum;
- sequence containers inheriting (``BaseContainer``) from an abstract container holding the
  CCSDS primary header (and, as ours does, a 6-octet CUC time): each concrete container
  restricted on the APID is a packet; ``ContainerRefEntry`` is inlined; a container whose last
  entry is binary data sized by one of its fields is the file-chunk header;
- meta-commands whose container carries a 16-bit fixed opcode (ours: ``TC_OPCODE``) after the
  telecommand header, then their arguments.

Everything else (strings, binary fields elsewhere, bit fields not on octet boundaries, 64-bit
integers, higher-degree polynomial and spline calibrators, other restriction forms, ...) is
collected, and one ``DictionaryError`` names the file, the first element (with its line) and the
count of the rest: ``file.xml: ParameterType 'X' (line 40): StringParameterType not supported
(and 3 more: ...)``. ``load_xtce_partial`` instead returns what it could import and that list.

The document is untrusted: it is parsed by expat with DTDs refused (no entity expansion, no
external fetch), its size is bounded, and every failure is a ``DictionaryError``.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from picodragon.dictionary.definitions import MAX_PACKET_DATA, Dictionary, DictionaryError
from picodragon.dictionary.model import Command, Event, Field, Limits, Packet, Severity

NS = "http://www.omg.org/spec/XTCE/20180204"
MAX_BYTES = 32 * 1024 * 1024
"""Largest XTCE file read (the largest known to us, CTIM's, is 1.7 MB)."""
MAX_DEPTH = 32
"""Deepest container inheritance or inclusion followed (loops are refused before this)."""
PRIMARY_HEADER_BITS = 48
CUC_BITS = 48
TC_HEADER_BITS = PRIMARY_HEADER_BITS + CUC_BITS
_TYPE_KINDS = ("Integer", "Float", "Enumerated", "Boolean")
_TYPE_CHILDREN = {"LongDescription", "AliasSet", "AncillaryDataSet", "UnitSet", "ToString",
                  "IntegerDataEncoding", "FloatDataEncoding", "EnumerationList", "DefaultAlarm",
                  "ValidRange", "ValidRangeSet"}


class _Unsupported(Exception):
    """One construct the import cannot map (caught and collected)."""


class _Doc:
    """A parsed XTCE document: its elements by local name, their lines, the problems found."""

    def __init__(self, path: Path | str, data: bytes | None = None) -> None:
        self.origin = str(path)
        self.lines: dict[ET.Element, int] = {}
        self.problems: list[tuple[str, str]] = []
        self.root = self._parse(path, data)

    def _parse(self, path: Path | str, data: bytes | None) -> ET.Element:
        if data is None:
            try:
                with open(path, "rb") as handle:
                    data = handle.read(MAX_BYTES + 1)
            except OSError as exc:
                raise DictionaryError(f"cannot read XTCE file {path}: {exc.strerror or exc}") from None
        if len(data) > MAX_BYTES:
            raise DictionaryError(f"{path}: larger than {MAX_BYTES // 2**20} MB, not read")
        builder = ET.TreeBuilder()
        parser = expat.ParserCreate(namespace_separator=" ")

        def tag(name: str) -> str:
            uri, _, local = name.rpartition(" ")
            return local if uri in ("", NS) else f"{{{uri}}}{local}"

        def start(name: str, attrs: dict[str, str]) -> None:
            element = builder.start(tag(name), {tag(k): v for k, v in attrs.items()})
            self.lines[element] = parser.CurrentLineNumber

        def refuse(*_: object) -> None:
            raise DictionaryError(f"{path}:{parser.CurrentLineNumber}: a DOCTYPE or entity "
                                  "declaration (refused: XTCE needs neither)")

        parser.StartElementHandler = start
        parser.EndElementHandler = lambda name: builder.end(tag(name))
        parser.CharacterDataHandler = builder.data
        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        try:
            parser.Parse(data, True)
            root = builder.close()
        except expat.ExpatError as exc:
            raise DictionaryError(f"{path}:{exc.lineno}: not well-formed XML: "
                                  f"{expat.ErrorString(exc.code)}") from None
        except LookupError as exc:  # an XML declaration naming an encoding Python lacks
            raise DictionaryError(f"{path}: not readable XML: {exc}") from None
        except (ValueError, RecursionError, AssertionError) as exc:
            raise DictionaryError(f"{path}: not readable XML: {exc}") from None
        if root.tag != "SpaceSystem":
            found = root.tag.split("}")[-1]
            namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
            why = (f"namespace {namespace!r}, not XTCE 1.2's {NS!r}" if found == "SpaceSystem"
                   else f"root element {found!r}, not SpaceSystem")
            raise DictionaryError(f"{path}:{self.lines.get(root, 1)}: {why}")
        return root

    def add(self, element: ET.Element | None, what: str, message: str) -> None:
        line = self.lines.get(element) if element is not None else None
        self.problems.append((f"{what} (line {line})" if line else what, message))

    def summary(self) -> list[str]:
        return [f"{what}: {message}" for what, message in self.problems]

    def error(self) -> DictionaryError:
        first, *rest = self.summary()
        more = ""
        if rest:
            shown = "; ".join(rest[:3])
            more = f" (and {len(rest)} more: {shown}{'; ...' if len(rest) > 3 else ''})"
        return DictionaryError(f"{self.origin}: {first}{more}")


def _ref(name: str | None) -> str:
    """A reference's last path component (``/Sys/Sub/PKT_APID`` -> ``PKT_APID``)."""
    return (name or "").rstrip("/").rsplit("/", 1)[-1]


def _all(root: ET.Element, path: str) -> Iterator[ET.Element]:
    """Elements at ``path`` under every SpaceSystem of the document (nested ones included)."""
    for system in root.iter("SpaceSystem"):
        yield from system.findall(path)


def _ancillary(element: ET.Element) -> dict[str, str]:
    return {a.get("name", ""): (a.text or "").strip()
            for a in element.findall("AncillaryDataSet/AncillaryData")}


def _float(text: str | None, what: str) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise _Unsupported(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _Unsupported(f"{what} {text!r} is not finite")
    return value


def _int(text: str | None, what: str) -> int:
    try:
        return int(str(text).strip(), 0)
    except ValueError:
        raise _Unsupported(f"{what} {text!r} is not an integer") from None


class _Importer:
    def __init__(self, doc: _Doc) -> None:
        self.doc = doc
        root = doc.root
        self.info = _ancillary(root)
        self.types = self._named(_all(root, "TelemetryMetaData/ParameterTypeSet/*"), "ParameterType")
        self.arg_types = self._named(_all(root, "CommandMetaData/ArgumentTypeSet/*"), "ArgumentType")
        self.parameters = self._named(_all(root, "TelemetryMetaData/ParameterSet/Parameter"),
                                      "Parameter")
        self.containers = self._named(
            _all(root, "TelemetryMetaData/ContainerSet/SequenceContainer"), "SequenceContainer")
        self.commands = self._named(_all(root, "CommandMetaData/MetaCommandSet/MetaCommand"),
                                    "MetaCommand")
        for element in _all(root, "TelemetryMetaData/ContainerSet/*"):
            if element.tag != "SequenceContainer":
                doc.add(element, f"{element.tag} {element.get('name')!r}", "not supported")
        self.fields: dict[str, Field | None] = {}

    def _named(self, elements: Iterator[ET.Element], what: str) -> dict[str, ET.Element]:
        out: dict[str, ET.Element] = {}
        for element in elements:
            name = element.get("name")
            if not name:
                self.doc.add(element, what, "has no name")
            elif name in out:
                self.doc.add(element, f"{what} {name!r}", "declared twice (names are matched "
                             "without their SpaceSystem path)")
            else:
                out[name] = element
        return out

    # -- types ---------------------------------------------------------------------------------
    def field(self, name: str, type_el: ET.Element, description: str, owner: str) -> Field:
        """One parameter or argument as a Field; raises _Unsupported naming what is not."""
        kind = type_el.tag.removesuffix("ParameterType").removesuffix("ArgumentType")
        if kind not in _TYPE_KINDS or kind == type_el.tag:
            raise _Unsupported(f"{type_el.tag} not supported")
        unknown = sorted({child.tag for child in type_el} - _TYPE_CHILDREN)
        if unknown:
            raise _Unsupported(f"{unknown[0]} not supported")
        if type_el.get("baseType"):
            raise _Unsupported("baseType not supported")
        extra = _ancillary(type_el)
        wire, scale, offset = self._encoding(type_el)
        units = [(u.text or "").strip() for u in type_el.findall("UnitSet/Unit")]
        enum: dict[int, str] | None = None
        if kind == "Enumerated":
            enum = {}
            for item in type_el.findall("EnumerationList/Enumeration"):
                value = _int(item.get("value"), "enumeration value")
                if item.get("maxValue") not in (None, item.get("value")):
                    raise _Unsupported("an enumeration over a range (maxValue) not supported")
                enum[value] = item.get("label") or str(value)
            if extra.get("picodragon.enum") == "none":
                enum = None
        elif kind == "Boolean":
            enum = {0: type_el.get("zeroStringValue", "False"),
                    1: type_el.get("oneStringValue", "True")}
        minimum, maximum = self._range(type_el, extra)
        try:
            field = Field(name, wire, " ".join(u for u in units if u),
                          description or type_el.get("shortDescription", ""), scale=scale,
                          offset=offset, limits=self._limits(type_el), minimum=minimum,
                          maximum=maximum, enum=enum)
        except ValueError as exc:
            raise _Unsupported(str(exc)) from None
        return field

    def _encoding(self, type_el: ET.Element) -> tuple[str, float, float]:
        integer = type_el.find("IntegerDataEncoding")
        floating = type_el.find("FloatDataEncoding")
        encoding = integer if integer is not None else floating
        if encoding is None:
            raise _Unsupported("no IntegerDataEncoding or FloatDataEncoding (no wire form)")
        if encoding.get("byteOrder", "mostSignificantByteFirst") != "mostSignificantByteFirst":
            raise _Unsupported(f"byteOrder {encoding.get('byteOrder')} not supported")
        unknown = sorted({c.tag for c in encoding} - {"DefaultCalibrator"})
        if unknown:
            raise _Unsupported(f"{unknown[0]} in the encoding not supported")
        if integer is not None:
            bits = _int(integer.get("sizeInBits", "8"), "sizeInBits")
            scheme = integer.get("encoding", "unsigned")
            if scheme not in ("unsigned", "twosComplement"):
                raise _Unsupported(f"integer encoding {scheme} not supported")
            if bits not in (8, 16, 32):
                raise _Unsupported(f"a {bits}-bit integer not supported (8, 16 or 32 bits)")
            wire = f"{'u' if scheme == 'unsigned' else 'i'}{bits}"
        else:
            bits = _int(floating.get("sizeInBits", "32"), "sizeInBits")
            scheme = floating.get("encoding", "IEEE754_1985")
            if scheme not in ("IEEE754_1985", "IEEE754"):
                raise _Unsupported(f"float encoding {scheme} not supported")
            if bits not in (32, 64):
                raise _Unsupported(f"a {bits}-bit float not supported (32 or 64 bits)")
            wire = f"f{bits}"
        scale, offset = self._calibrator(encoding.find("DefaultCalibrator"))
        return wire, scale, offset

    def _calibrator(self, calibrator: ET.Element | None) -> tuple[float, float]:
        if calibrator is None:
            return 1.0, 0.0
        kinds = [c.tag for c in calibrator if c.tag not in ("AncillaryDataSet", "LongDescription")]
        if kinds != ["PolynomialCalibrator"]:
            raise _Unsupported(f"{kinds[0] if kinds else 'an empty calibrator'} not supported")
        terms: dict[int, float] = {}
        for term in calibrator.find("PolynomialCalibrator").findall("Term"):
            exponent = _int(term.get("exponent"), "exponent")
            terms[exponent] = terms.get(exponent, 0.0) + _float(term.get("coefficient"),
                                                                "coefficient")
        if any(e not in (0, 1) and c != 0.0 for e, c in terms.items()):
            raise _Unsupported(f"a polynomial calibrator of degree {max(terms)} not supported "
                               "(degree 1 only)")
        scale = terms.get(1, 0.0)
        if scale == 0.0:
            raise _Unsupported("a polynomial calibrator without a non-zero degree-1 term")
        return scale, terms.get(0, 0.0)

    def _range(self, type_el: ET.Element, extra: dict[str, str]) -> tuple[float | None, float | None]:
        minimum = maximum = None
        ranges = type_el.findall("ValidRangeSet/ValidRange") + type_el.findall("ValidRange")
        if len(ranges) > 1:
            raise _Unsupported("more than one valid range not supported")
        for valid in ranges:
            if valid.get("minExclusive") or valid.get("maxExclusive"):
                raise _Unsupported("an exclusive valid range not supported")
            if valid.get("minInclusive") is not None:
                minimum = _float(valid.get("minInclusive"), "minInclusive")
            if valid.get("maxInclusive") is not None:
                maximum = _float(valid.get("maxInclusive"), "maxInclusive")
        for key in ("minimum", "maximum"):
            if f"picodragon.{key}" in extra:
                value = _float(extra[f"picodragon.{key}"], f"picodragon.{key}")
                if key == "minimum":
                    minimum = value
                else:
                    maximum = value
        return minimum, maximum

    def _limits(self, type_el: ET.Element) -> Limits | None:
        alarm = type_el.find("DefaultAlarm")
        if alarm is None:
            return None
        others = sorted({c.tag for c in alarm} - {"StaticAlarmRanges"})
        if others:
            raise _Unsupported(f"{others[0]} in DefaultAlarm not supported")
        values: dict[str, float] = {}
        for ranges in alarm.findall("StaticAlarmRanges"):
            for level in ranges:
                if level.tag not in ("WarningRange", "CriticalRange"):
                    raise _Unsupported(f"alarm {level.tag} not supported (warning and critical)")
                if level.get("minExclusive") or level.get("maxExclusive"):
                    raise _Unsupported("an exclusive alarm range not supported")
                prefix = "warning" if level.tag == "WarningRange" else "critical"
                for side, attribute in (("low", "minInclusive"), ("high", "maxInclusive")):
                    if level.get(attribute) is not None:
                        values[f"{prefix}_{side}"] = _float(level.get(attribute), attribute)
        return Limits(**values) if values else None

    def parameter_field(self, parameter: str) -> Field | None:
        """The Field of a parameter (memoised; None after recording why not)."""
        if parameter not in self.fields:
            element = self.parameters.get(parameter)
            field = None
            if element is None:
                self.doc.add(None, f"Parameter {parameter!r}", "referenced but not declared")
            else:
                type_name = _ref(element.get("parameterTypeRef"))
                type_el = self.types.get(type_name)
                try:
                    if type_el is None:
                        raise _Unsupported(f"type {type_name!r} not declared")
                    field = self.field(parameter, type_el, element.get("shortDescription", ""),
                                       parameter)
                except _Unsupported as exc:
                    where = type_el if type_el is not None else element
                    self.doc.add(where, f"Parameter {parameter!r}", str(exc))
            self.fields[parameter] = field
        return self.fields[parameter]

    # -- containers ----------------------------------------------------------------------------
    def _entries(self, container: ET.Element, depth: int = 0) -> list[tuple[str, bool]]:
        """(parameter, inherited) of a container, its bases' first; ContainerRefEntry inlined."""
        if depth > MAX_DEPTH:
            raise _Unsupported("containers nested or inherited too deep (a loop?)")
        out: list[tuple[str, bool]] = []
        base = container.find("BaseContainer")
        if base is not None:
            parent = self.containers.get(_ref(base.get("containerRef")))
            if parent is None:
                raise _Unsupported(f"base container {base.get('containerRef')!r} not declared")
            out += [(p, True) for p, _ in self._entries(parent, depth + 1)]
        for entry in container.findall("EntryList/*"):
            if entry.find("IncludeCondition") is not None or entry.find("RepeatEntry") is not None:
                raise _Unsupported(f"{entry.tag} with a condition or repeat not supported")
            location = entry.find("LocationInContainerInBits")
            if location is not None and not (
                    location.get("referenceLocation", "previousEntry") == "previousEntry"
                    and (location.findtext("FixedValue") or "").strip() == "0"):
                raise _Unsupported(f"{entry.tag} at a location other than right after the "
                                   "previous entry not supported")
            if entry.tag == "ParameterRefEntry":
                out.append((_ref(entry.get("parameterRef")), False))
            elif entry.tag == "ContainerRefEntry":
                included = self.containers.get(_ref(entry.get("containerRef")))
                if included is None:
                    raise _Unsupported(f"container {entry.get('containerRef')!r} not declared")
                out += [(p, inherited) for p, inherited in self._entries(included, depth + 1)]
            else:
                raise _Unsupported(f"{entry.tag} not supported")
        return out

    def _apid(self, container: ET.Element, apid_name: str, depth: int = 0) -> int | None:
        """The APID a container's restriction criteria (or its bases') compare to."""
        base = container.find("BaseContainer")
        if base is None or depth > MAX_DEPTH:
            return None
        criteria = base.find("RestrictionCriteria")
        found = None
        for parameter, value in self._comparisons(criteria):
            if parameter == apid_name:
                found = _int(value, "APID")
        if found is not None:
            return found
        parent = self.containers.get(_ref(base.get("containerRef")))
        return self._apid(parent, apid_name, depth + 1) if parent is not None else None

    @staticmethod
    def _comparisons(criteria: ET.Element | None) -> list[tuple[str, str | None]]:
        """(parameter, value) of equality restrictions: Comparison(s), or a BooleanExpression
        of one Condition or ANDed Conditions (as Yamcs writes them)."""
        if criteria is None:
            return []
        unknown = sorted({c.tag for c in criteria} - {"Comparison", "ComparisonList",
                                                       "BooleanExpression"})
        if unknown:
            raise _Unsupported(f"restriction criteria by {unknown[0]} not supported")
        out: list[tuple[str, str | None]] = []
        for comparison in criteria.iter("Comparison"):
            if comparison.get("comparisonOperator", "==") != "==":
                raise _Unsupported("a restriction other than == not supported")
            out.append((_ref(comparison.get("parameterRef")), comparison.get("value")))
        for expression in criteria.findall("BooleanExpression"):
            conditions = expression.findall("Condition") + expression.findall(
                "ANDedConditions/Condition")
            children = list(expression) + list(expression.findall("ANDedConditions/*"))
            if any(c.tag not in ("Condition", "ANDedConditions") for c in children) or \
                    expression.find("ANDedConditions/ANDedConditions") is not None:
                raise _Unsupported("a BooleanExpression other than ANDed == conditions "
                                   "not supported")
            for condition in conditions:
                ref = condition.find("ParameterInstanceRef")
                if (condition.findtext("ComparisonOperator") or "").strip() != "==" or \
                        ref is None or condition.find("Value") is None:
                    raise _Unsupported("a condition other than parameter == value not supported")
                out.append((_ref(ref.get("parameterRef")), condition.findtext("Value")))
        return out

    def _bits(self, parameter: str) -> int:
        element = self.parameters.get(parameter)
        type_el = self.types.get(_ref(element.get("parameterTypeRef"))) if element is not None else None
        encoding = None if type_el is None else type_el.find("IntegerDataEncoding")
        if encoding is None:
            raise _Unsupported(f"header parameter {parameter!r} is not an integer")
        return _int(encoding.get("sizeInBits", "8"), "sizeInBits")

    def packet(self, container: ET.Element) -> tuple[Packet, bool]:
        """A concrete container as a Packet, and whether it is the file-chunk header."""
        name = container.get("name", "")
        entries = self._entries(container)
        header = [p for p, inherited in entries if inherited]
        body = [p for p, inherited in entries if not inherited]
        bits, offsets = 0, {}
        for parameter in header:
            offsets[bits] = parameter
            bits += self._bits(parameter)
        apid_name = offsets.get(5)
        if bits not in (PRIMARY_HEADER_BITS, PRIMARY_HEADER_BITS + CUC_BITS) or apid_name is None:
            raise _Unsupported(f"its base containers hold {bits} bits, not a CCSDS primary header "
                               "(48 bits, APID at bit 5) with or without a 6-octet CUC time")
        apid = self._apid(container, apid_name)
        if apid is None:
            raise _Unsupported(f"no restriction on {apid_name} (the APID)")
        chunk = False
        if body:
            last = self.parameters.get(body[-1])
            type_el = self.types.get(_ref(last.get("parameterTypeRef"))) if last is not None else None
            if type_el is not None and type_el.tag == "BinaryParameterType":
                size = type_el.find("BinaryDataEncoding/SizeInBits/DynamicValue")
                ref = None if size is None else size.find("ParameterInstanceRef")
                slope = None if size is None else size.find("LinearAdjustment")
                if ref is None or _ref(ref.get("parameterRef")) not in body[:-1] or \
                        slope is None or slope.get("slope") != "8":
                    raise _Unsupported(f"binary parameter {body[-1]!r} not sized by a field "
                                       "of the packet in octets")
                body, chunk = body[:-1], True
        fields = []
        for parameter in body:
            field = self.parameter_field(parameter)
            if field is None:
                raise _Unsupported("a field above is not supported")
            short = parameter.removeprefix(f"{name}_") or parameter
            fields.append(Field(short, field.wire, field.unit, field.description, field.scale,
                                field.offset, field.limits, field.minimum, field.maximum,
                                field.enum))
        try:
            packet = Packet(name, apid, container.get("shortDescription", ""), tuple(fields))
        except ValueError as exc:
            raise _Unsupported(str(exc)) from None
        if packet.size > MAX_PACKET_DATA:
            raise _Unsupported(f"{packet.size} octets of fields, more than the "
                               f"{MAX_PACKET_DATA} a frame carries")
        return packet, chunk

    # -- commands ------------------------------------------------------------------------------
    def command(self, meta: ET.Element) -> Command:
        name = meta.get("name", "")
        if meta.find("BaseMetaCommand") is not None:
            raise _Unsupported("BaseMetaCommand not supported")
        arguments = {a.get("name", ""): _ref(a.get("argumentTypeRef"))
                     for a in meta.findall("ArgumentList/Argument")}
        entries = meta.findall("CommandContainer/EntryList/*")
        if meta.find("CommandContainer/BaseContainer") is not None:
            raise _Unsupported("a CommandContainer with a BaseContainer not supported")
        bits, opcode, fields = 0, None, []
        for entry in entries:
            if entry.tag == "FixedValueEntry":
                size = _int(entry.get("sizeInBits"), "sizeInBits")
                if opcode is None and bits == TC_HEADER_BITS and size == 16:
                    opcode = _int("0x" + (entry.get("binaryValue") or "x"), "binaryValue")
                bits += size
            elif entry.tag == "ArgumentRefEntry":
                argument = entry.get("argumentRef", "")
                type_el = self.arg_types.get(arguments.get(argument, ""))
                if type_el is None:
                    raise _Unsupported(f"argument {argument!r} has no declared type")
                if opcode is None:
                    encoding = type_el.find("IntegerDataEncoding")
                    if encoding is None:
                        raise _Unsupported(f"header argument {argument!r} is not an integer")
                    bits += _int(encoding.get("sizeInBits", "8"), "sizeInBits")
                    continue
                try:
                    fields.append(self.field(argument, type_el, "", name))
                except _Unsupported as exc:
                    raise _Unsupported(f"argument {argument!r}: {exc}") from None
            else:
                raise _Unsupported(f"{entry.tag} not supported")
        if opcode is None or not 0 < opcode <= 0xFFFF:
            raise _Unsupported(f"no 16-bit fixed opcode after the {TC_HEADER_BITS}-bit "
                               "telecommand header (primary header and CUC execution time)")
        significance = meta.find("DefaultSignificance")
        hazardous = significance is not None and significance.get("consequenceLevel") in (
            "critical", "forbidden", "vital")
        try:
            return Command(name, opcode, meta.get("shortDescription", ""), tuple(fields),
                           hazardous)
        except ValueError as exc:
            raise _Unsupported(str(exc)) from None

    # -- the whole -----------------------------------------------------------------------------
    def run(self) -> Dictionary:
        doc = self.doc
        bases = {_ref(b.get("containerRef")) for c in self.containers.values()
                 for b in c.findall("BaseContainer")}
        packets: list[Packet] = []
        chunk_header: Packet | None = None
        lines: dict[str, ET.Element] = {}
        for name, container in self.containers.items():
            if container.get("abstract", "false") == "true" or name in bases:
                continue
            try:
                packet, chunk = self.packet(container)
            except _Unsupported as exc:
                doc.add(container, f"SequenceContainer {name!r}", str(exc))
                continue
            except RecursionError:
                doc.add(container, f"SequenceContainer {name!r}", "nested too deep")
                continue
            lines[name] = container
            if chunk and chunk_header is not None:
                doc.add(container, f"SequenceContainer {name!r}", "a second file-chunk container")
            elif chunk:
                chunk_header = packet
            else:
                packets.append(packet)
        commands = []
        for name, meta in self.commands.items():
            try:
                commands.append(self.command(meta))
            except _Unsupported as exc:
                doc.add(meta, f"MetaCommand {name!r}", str(exc))
            lines[name] = meta
        events, enums = self._extras()
        dictionary_name = self.info.get("picodragon.name") or doc.root.get("name") or "xtce"
        while True:
            try:
                return Dictionary(dictionary_name, tuple(packets), tuple(commands),
                                  tuple(events), enums, chunk_header)
            except DictionaryError as exc:
                # a collision: name the second item, drop it and look for more
                names = re.findall(r"(\w+) and (\w+)$", str(exc))
                second = names[0][1] if names else ""
                doc.add(lines.get(second), f"item {second!r}", str(exc))
                before = len(packets) + len(commands) + len(events)
                packets = [p for p in packets if p.name != second]
                commands = [c for c in commands if c.name != second]
                events = [e for e in events if e.name != second]
                if chunk_header is not None and chunk_header.name == second:
                    chunk_header = None
                elif before == len(packets) + len(commands) + len(events):
                    return Dictionary(dictionary_name, (), (), (), {}, None)

    def _extras(self) -> tuple[list[Event], dict[str, dict[int, str]]]:
        """Events and named enumerations our export carries as AncillaryData."""
        events, enums = [], {}
        for key, text in self.info.items():
            try:
                if key.startswith("picodragon.enum."):
                    table = json.loads(text)
                    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                        raise ValueError("give an object of number: name")
                    enums[key.removeprefix("picodragon.enum.")] = {
                        int(k): v for k, v in table.items()}
                elif key.startswith("picodragon.event."):
                    data = json.loads(text)
                    if not isinstance(data, dict) or not isinstance(data.get("message"), str) \
                            or type(data.get("id")) is not int:
                        raise ValueError("give id, severity and message")
                    events.append(Event(key.removeprefix("picodragon.event."), data["id"],
                                        Severity[str(data.get("severity"))], data["message"]))
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                self.doc.add(self.doc.root, f"AncillaryData {key!r}", f"unreadable: {exc}")
        return events, enums


def load_xtce_partial(path: str | Path) -> tuple[Dictionary, list[str]]:
    """What can be imported from an XTCE file, and one line for each construct skipped.

    Raises ``DictionaryError`` only when the file cannot be read as XTCE at all.
    """
    doc = _Doc(Path(path))
    dictionary = _Importer(doc).run()
    return dictionary, doc.summary()


def load_xtce(path: str | Path) -> Dictionary:
    """The ``Dictionary`` an XTCE 1.2 file describes.

    Raises ``DictionaryError`` with one line naming the file, the first unsupported or wrong
    element (and its line) and how many more there are, when anything cannot be imported: a
    dictionary is never silently smaller than its file.
    """
    doc = _Doc(Path(path))
    dictionary = _Importer(doc).run()
    if doc.problems:
        raise doc.error()
    return dictionary


def load_xtce_text(text: str | bytes, origin: str = "<XTCE text>") -> Dictionary:
    """The ``Dictionary`` an XTCE 1.2 document held in memory describes (as ``load_xtce``).

    For XTCE that never was a file: the archive keeps its mission's dictionary as the XTCE
    text ``picodragon.dictionary.xtce.to_xtce`` wrote, and reads it back with this. ``origin``
    names the text in error messages. The same bounds and refusals as a file apply.
    """
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    doc = _Doc(origin, data)
    dictionary = _Importer(doc).run()
    if doc.problems:
        raise doc.error()
    return dictionary
