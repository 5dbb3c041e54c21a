"""XTCE export: the dictionary as an XTCE 1.2 document other ground systems can read.

XTCE (OMG XML Telemetric and Command Exchange, version 1.2, namespace
``http://www.omg.org/spec/XTCE/20180204``) is what Yamcs, COSMOS and space-packet-parser load.
The export is generated from the same declarations the flight software packs with, so the
three cannot drift:

- a root container ``CCSDSPacket`` (abstract) with the primary header fields (VERSION, TYPE,
  SEC_HDR_FLG, PKT_APID, SEQ_FLGS, SRC_SEQ_CTR, PKT_LEN) and the CUC time of the secondary
  header (CUC_COARSE, CUC_FINE);
- one container per telemetry packet, restricted on PKT_APID and TYPE = 0, with one parameter
  per field named ``<PACKET>_<field>``: integer fields as integer types, scaled fields as float
  types with a polynomial calibrator (``value = offset + scale * raw``), enumerations as
  enumerated types, float fields as IEEE 754; the dictionary's alarm limits become the default
  alarm ranges;
- the FILE_CHUNK container, whose data field is a binary parameter sized by ``data_length``;
- EVENT_REPORT's ``event_id`` and COMMAND_RESPONSE's ``code`` as enumerations of the event
  names and the reason names (COMMAND_RESPONSE's ``opcode`` stays an integer: a rejected
  command may carry an opcode the dictionary does not know);
- every command as a MetaCommand whose container is the whole telecommand packet: the fixed
  header fields (version, type, secondary header flag, APID 0x100, sequence flags), the ones
  the sender fills (sequence count, length, CUC execution time) as arguments, the fixed opcode,
  then the command's arguments with their valid ranges; a hazardous command carries
  ``DefaultSignificance consequenceLevel="critical"`` (Yamcs asks for confirmation). The
  authentication envelope around the packet is described in docs/fsw.md (XTCE has no notion of
  an HMAC envelope).

What XTCE has no element for travels as ``AncillaryData`` named ``picodragon.*`` (XTCE's own
extension point; other tools ignore it), so ``picodragon.dictionary.xtce_import.load_xtce``
gives back the identical ``Dictionary``: on the SpaceSystem the dictionary's name
(``picodragon.name``), its named enumerations (``picodragon.enum.NAME``, JSON) and its events
(``picodragon.event.NAME``, JSON of id, severity and message); on a type, ``picodragon.enum`` =
``none`` when its enumeration is informational (EVENT_REPORT's event_id, COMMAND_RESPONSE's
code), and ``picodragon.minimum``/``picodragon.maximum`` for a range XTCE cannot carry there (an
enumerated argument's, a parameter's).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.model import Command, Event, Field, Packet
from picodragon.dictionary.telecommand import COMMAND_APID, Reason

NS = "http://www.omg.org/spec/XTCE/20180204"
ROOT = "CCSDSPacket"
HEADER_FIELDS = (
    ("VERSION", 3), ("TYPE", 1), ("SEC_HDR_FLG", 1), ("PKT_APID", 11), ("SEQ_FLGS", 2),
    ("SRC_SEQ_CTR", 14), ("PKT_LEN", 16), ("CUC_COARSE", 32), ("CUC_FINE", 16),
)
BITS = {"u8": 8, "i8": 8, "u16": 16, "i16": 16, "u32": 32, "i32": 32, "f32": 32, "f64": 64}


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, **attrib: str) -> ET.Element:
    return ET.SubElement(parent, _q(tag), {k: str(v) for k, v in attrib.items()})


def _enum_override(packet_name: str, field_name: str,
                   events: tuple[Event, ...] | None = None) -> dict[int, str] | None:
    """Enumerations the dictionary knows by other declarations (events, commands, reasons)."""
    if packet_name == "EVENT_REPORT" and field_name == "event_id":
        if events is None:
            from picodragon.dictionary.loader import load_dictionary

            events = load_dictionary().events
        return {e.event_id: e.name for e in events}
    if packet_name == "COMMAND_RESPONSE" and field_name == "code":
        return {int(r): r.name for r in Reason}
    return None


def _integer_encoding(parent: ET.Element, f: Field) -> ET.Element:
    return _sub(parent, "IntegerDataEncoding", sizeInBits=BITS[f.wire],
                encoding="unsigned" if f.wire.startswith("u") else "twosComplement")


def _ancillary(parent: ET.Element, items: list[tuple[str, str]]) -> None:
    """An AncillaryDataSet (first child after the description) with ``items``, if any."""
    if items:
        data = _sub(parent, "AncillaryDataSet")
        for name, text in items:
            ET.SubElement(data, _q("AncillaryData"), {"name": name}).text = text


def _data_type(parent: ET.Element, kind: str, name: str, f: Field,
               enum: dict[int, str] | None) -> None:
    """One parameter or argument type (``kind``: Parameter or Argument)."""
    informational = enum is not None and f.enum is None
    enum = enum if enum is not None else f.enum
    attrs = {"name": name}
    if f.description:
        attrs["shortDescription"] = f.description
    # what XTCE cannot say in this type: an enumeration that is not the field's own, a range
    # on an enumerated argument or on a parameter
    extra = [("picodragon.enum", "none")] if informational else []
    if enum or kind == "Parameter":
        extra += [(f"picodragon.{key}", repr(float(value)))
                  for key, value in (("minimum", f.minimum), ("maximum", f.maximum))
                  if value is not None]
    if enum:
        t = _sub(parent, f"Enumerated{kind}Type", **attrs)
        _ancillary(t, extra)
        _units(t, f)
        _integer_encoding(t, f)
        values = _sub(t, "EnumerationList")
        for value, label in sorted(enum.items()):
            _sub(values, "Enumeration", value=value, label=label)
        return
    calibrated = f.scale != 1.0 or f.offset != 0.0
    if f.is_float:
        t = _sub(parent, f"Float{kind}Type", sizeInBits=BITS[f.wire], **attrs)
        _ancillary(t, extra)
        _units(t, f)
        encoding = _sub(t, "FloatDataEncoding", sizeInBits=BITS[f.wire], encoding="IEEE754_1985")
        if calibrated:
            _polynomial(encoding, f)
    elif calibrated:
        t = _sub(parent, f"Float{kind}Type", sizeInBits=64, **attrs)
        _ancillary(t, extra)
        _units(t, f)
        _polynomial(_integer_encoding(t, f), f)
    else:
        t = _sub(parent, f"Integer{kind}Type", signed=str(f.wire.startswith("i")).lower(),
                 sizeInBits=BITS[f.wire], **attrs)
        _ancillary(t, extra)
        _units(t, f)
        _integer_encoding(t, f)
    if kind == "Parameter" and f.limits is not None:
        _alarm(t, f)
    if kind == "Argument" and (f.minimum is not None or f.maximum is not None):
        ranges = _sub(t, "ValidRangeSet")
        bounds = {}
        if f.minimum is not None:
            bounds["minInclusive"] = _number(f.minimum, t)
        if f.maximum is not None:
            bounds["maxInclusive"] = _number(f.maximum, t)
        _sub(ranges, "ValidRange", **bounds)


def _polynomial(encoding: ET.Element, f: Field) -> None:
    """``value = offset + scale * raw`` as a degree-1 polynomial calibrator."""
    poly = _sub(_sub(encoding, "DefaultCalibrator"), "PolynomialCalibrator")
    _sub(poly, "Term", coefficient=repr(float(f.offset)), exponent=0)
    _sub(poly, "Term", coefficient=repr(float(f.scale)), exponent=1)


def _number(value: float, t: ET.Element) -> str:
    return str(int(value)) if t.tag == _q("IntegerArgumentType") else repr(float(value))


def _units(t: ET.Element, f: Field) -> None:
    units = _sub(t, "UnitSet")
    if f.unit:
        ET.SubElement(units, _q("Unit")).text = f.unit


def _alarm(t: ET.Element, f: Field) -> None:
    lim = f.limits
    assert lim is not None
    ranges = _sub(_sub(t, "DefaultAlarm"), "StaticAlarmRanges")
    for level, low, high in (("WarningRange", lim.warning_low, lim.warning_high),
                             ("CriticalRange", lim.critical_low, lim.critical_high)):
        bounds = {}
        if low is not None:
            bounds["minInclusive"] = repr(float(low))
        if high is not None:
            bounds["maxInclusive"] = repr(float(high))
        if bounds:
            _sub(ranges, level, **bounds)


def _header(types: ET.Element, params: ET.Element, entries: ET.Element) -> None:
    for name, bits in HEADER_FIELDS:
        t = _sub(types, "IntegerParameterType", name=f"{name}_Type", signed="false")
        _sub(t, "UnitSet")
        _sub(t, "IntegerDataEncoding", sizeInBits=bits, encoding="unsigned")
        _sub(params, "Parameter", name=name, parameterTypeRef=f"{name}_Type")
        _sub(entries, "ParameterRefEntry", parameterRef=name)


def _packet(types: ET.Element, params: ET.Element, containers: ET.Element, packet: Packet,
            events: tuple[Event, ...]) -> ET.Element:
    container = _sub(containers, "SequenceContainer", name=packet.name,
                     shortDescription=packet.description)
    entries = _sub(container, "EntryList")
    for f in packet.fields:
        name = f"{packet.name}_{f.name}"
        _data_type(types, "Parameter", f"{name}_Type", f, _enum_override(packet.name, f.name, events))
        _sub(params, "Parameter", name=name, parameterTypeRef=f"{name}_Type")
        _sub(entries, "ParameterRefEntry", parameterRef=name)
    base = _sub(container, "BaseContainer", containerRef=ROOT)
    comparisons = _sub(_sub(base, "RestrictionCriteria"), "ComparisonList")
    _sub(comparisons, "Comparison", parameterRef="PKT_APID", value=packet.apid)
    _sub(comparisons, "Comparison", parameterRef="TYPE", value=0)
    return entries


#: the telecommand packet's header fields that never change, (name, bits, value)
TC_FIXED = (("TC_VERSION", 3, 0), ("TC_TYPE", 1, 1), ("TC_SEC_HDR_FLG", 1, 1),
            ("TC_APID", 11, COMMAND_APID), ("TC_SEQ_FLGS", 2, 3))
#: the header fields the sender fills in, (name, bits, description)
TC_HEADER_ARGUMENTS = (
    ("TC_SEQ_CTR", 14, "the ground's sequence count"),
    ("TC_PKT_LEN", 16, "data length - 1 (the sender computes it)"),
    ("TC_EXEC_COARSE", 32, "execution time, s since 2000-01-01Z (0 with TC_EXEC_FINE 0: on receipt)"),
    ("TC_EXEC_FINE", 16, "execution time, 1/65536 s"),
)


def _hex(value: int, bits: int) -> str:
    """xs:hexBinary: whole octets, the value right-aligned (the low ``bits`` are encoded)."""
    return f"{value:0{2 * ((bits + 7) // 8)}X}"


def _tc_header_types(types: ET.Element) -> None:
    for name, bits, description in TC_HEADER_ARGUMENTS:
        t = _sub(types, "IntegerArgumentType", name=f"{name}_Type", signed="false",
                 shortDescription=description)
        _sub(t, "UnitSet")
        _sub(t, "IntegerDataEncoding", sizeInBits=bits, encoding="unsigned")


def _command(types: ET.Element, commands: ET.Element, command: Command) -> None:
    """One MetaCommand: the telecommand packet's header, the opcode, the arguments."""
    meta = _sub(commands, "MetaCommand", name=command.name, shortDescription=command.description)
    arguments = _sub(meta, "ArgumentList")
    for name, _, _ in TC_HEADER_ARGUMENTS:
        _sub(arguments, "Argument", name=name, argumentTypeRef=f"{name}_Type", initialValue=0)
    for a in command.arguments:
        type_name = f"{command.name}_{a.name}_Type"
        _data_type(types, "Argument", type_name, a, None)
        _sub(arguments, "Argument", name=a.name, argumentTypeRef=type_name)
    container = _sub(meta, "CommandContainer", name=f"{command.name}_Container")
    entries = _sub(container, "EntryList")
    for name, bits, value in TC_FIXED:
        _sub(entries, "FixedValueEntry", name=name, binaryValue=_hex(value, bits), sizeInBits=bits)
    for name, _, _ in TC_HEADER_ARGUMENTS:
        _sub(entries, "ArgumentRefEntry", argumentRef=name)
    _sub(entries, "FixedValueEntry", name="TC_OPCODE", binaryValue=_hex(command.opcode, 16),
         sizeInBits=16)
    for a in command.arguments:
        _sub(entries, "ArgumentRefEntry", argumentRef=a.name)
    if command.hazardous:
        _sub(meta, "DefaultSignificance", consequenceLevel="critical",
             reasonForWarning="hazardous: the operator confirms before release")


def _space_system_data(root: ET.Element, dictionary: Dictionary) -> None:
    """The dictionary's name, named enumerations and events, which XTCE has no element for."""
    items = [("picodragon.name", dictionary.name)]
    items += [(f"picodragon.enum.{name}", json.dumps({str(k): v for k, v in sorted(table.items())}))
              for name, table in sorted(dictionary.enums.items())]
    items += [(f"picodragon.event.{e.name}",
               json.dumps({"id": e.event_id, "severity": e.severity.name, "message": e.template}))
              for e in dictionary.events]
    _ancillary(root, items)


def to_xtce(dictionary: Dictionary | None = None, name: str = "PicoDragon") -> str:
    """A dictionary (the core one by default) as an XTCE 1.2 document (a string of XML).

    ``name`` is the SpaceSystem's name, the root of every qualified name in Yamcs; the
    dictionary's own name travels beside it so the import gives back the same ``Dictionary``.
    """
    if dictionary is None:
        from picodragon.dictionary.loader import load_dictionary

        dictionary = load_dictionary()
    ET.register_namespace("xtce", NS)
    root = ET.Element(_q("SpaceSystem"), {"name": name})
    _space_system_data(root, dictionary)
    _sub(root, "Header", validationStatus="Working",
         classification="NotClassified")
    tm = _sub(root, "TelemetryMetaData")
    types = _sub(tm, "ParameterTypeSet")
    params = _sub(tm, "ParameterSet")
    containers = _sub(tm, "ContainerSet")
    root_container = _sub(containers, "SequenceContainer", name=ROOT, abstract="true",
                          shortDescription="CCSDS primary header and CUC time secondary header")
    _header(types, params, _sub(root_container, "EntryList"))
    for packet in dictionary.telemetry:
        _packet(types, params, containers, packet, dictionary.events)
    if dictionary.chunk_header is not None:
        _chunk(types, params, containers, dictionary.chunk_header, dictionary.events)
    cm = _sub(root, "CommandMetaData")
    arg_types = _sub(cm, "ArgumentTypeSet")
    meta_commands = _sub(cm, "MetaCommandSet")
    _tc_header_types(arg_types)
    for command in dictionary.commands:
        _command(arg_types, meta_commands, command)
    if not len(arg_types):
        cm.remove(arg_types)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _chunk(types: ET.Element, params: ET.Element, containers: ET.Element, header: Packet,
           events: tuple[Event, ...]) -> None:
    """The file-chunk container: its header fields, then data sized by ``data_length``."""
    chunk_entries = _packet(types, params, containers, header, events)
    data_name = f"{header.name}_data"
    t = _sub(types, "BinaryParameterType", name=f"{data_name}_Type",
             shortDescription="the chunk's data octets")
    _sub(t, "UnitSet")
    size = _sub(_sub(t, "BinaryDataEncoding"), "SizeInBits")
    dynamic = _sub(size, "DynamicValue")
    _sub(dynamic, "ParameterInstanceRef", parameterRef=f"{header.name}_data_length")
    _sub(dynamic, "LinearAdjustment", slope=8)
    _sub(params, "Parameter", name=data_name, parameterTypeRef=f"{data_name}_Type")
    _sub(chunk_entries, "ParameterRefEntry", parameterRef=data_name)


def write_xtce(path: str, dictionary: Dictionary | None = None, name: str = "PicoDragon") -> None:
    """Write the XTCE document of ``dictionary`` (the core one by default) to ``path`` (UTF-8)."""
    text = to_xtce(dictionary, name)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


if __name__ == "__main__":  # python -m picodragon.dictionary.xtce [FILE]
    import sys

    if len(sys.argv) > 1:
        write_xtce(sys.argv[1])
    else:
        sys.stdout.write(to_xtce())
