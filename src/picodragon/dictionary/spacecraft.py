"""Pico Dragon's dictionary: every telemetry packet, command and event, declared once.

APIDs, opcodes and event ids are the wire identity of each item: never reuse or renumber one
that has flown; add new ones at the end. Scales give the resolution on the wire (e.g. a battery
voltage in millivolts); limits are the ground's alarm thresholds for a 2-cell Li-ion battery and
the usual operating ranges of commercial electronics (engineering assumptions, typical 1U).
"""

from __future__ import annotations

from picodragon.dictionary.model import Command, Event, Field, Limits, Packet, Severity

MODES = {0: "BOOT", 1: "DETUMBLE", 2: "NOMINAL", 3: "IMAGING", 4: "LOW_POWER", 5: "SAFE"}

HOUSEKEEPING = Packet(
    name="HOUSEKEEPING",
    apid=0x010,
    description="Periodic housekeeping: power, temperatures, mode, counters",
    fields=(
        Field("mode", "u8", "", "flight software mode", enum=MODES),
        Field("boot_count", "u16", "", "resets since launch"),
        Field("uptime_s", "u32", "s", "seconds since the last reset"),
        Field("battery_voltage_v", "u16", "V", "battery terminal voltage", scale=0.001,
              limits=Limits(6.6, 8.4, 6.2, 8.6)),
        Field("battery_current_a", "i16", "A", "battery current, positive charging", scale=0.001,
              limits=Limits(-2.0, 2.0, -3.0, 3.0)),
        Field("battery_soc_pct", "u8", "%", "battery state of charge", scale=0.5,
              limits=Limits(30.0, None, 15.0, None)),
        Field("solar_power_w", "u16", "W", "power from all solar cells", scale=0.001),
        Field("bus_power_w", "u16", "W", "power drawn by all loads", scale=0.001),
        Field("obc_temperature_c", "i16", "degC", "on-board computer temperature", scale=0.01,
              limits=Limits(-20.0, 60.0, -35.0, 80.0)),
        Field("battery_temperature_c", "i16", "degC", "battery temperature", scale=0.01,
              limits=Limits(0.0, 45.0, -10.0, 55.0)),
        Field("frames_sent", "u32", "", "AX.25 frames transmitted since reset"),
        Field("commands_received", "u16", "", "valid telecommands since reset"),
        Field("commands_rejected", "u16", "", "rejected telecommands since reset"),
        # appended after the first cut (wire order only ever grows at the end)
        Field("reset_cause", "u8", "", "cause of the last reset",
              enum={0: "POWER_ON", 1: "WATCHDOG", 2: "COMMANDED", 3: "EXCEPTION"}),
        Field("sensor_flags", "u16", "", "bit mask of sensors flagged out of range or stuck "
              "(0 battery voltage, 1 current, 2 state of charge, 3 solar, 4 bus, 5 magnetometer, "
              "6 gyro, 8.. temperatures in HAL order)"),
        Field("files_stored", "u16", "", "files in the on-board file store"),
        Field("store_free_kb", "u16", "kB", "free space in the file store"),
        Field("time_tags_pending", "u8", "", "time-tagged commands waiting"),
        Field("antenna_deployed", "u8", "", "antenna deployment switch open", enum={0: "NO", 1: "YES"}),
    ),
)

EVENT_REPORT = Packet(
    name="EVENT_REPORT",
    apid=0x011,
    description="One on-board event (id, severity, two arguments)",
    fields=(
        Field("event_id", "u16", "", "event identifier"),
        Field("severity", "u8", "", "event severity", enum={int(s): s.name for s in Severity}),
        Field("arg0", "i32", "", "first event argument"),
        Field("arg1", "i32", "", "second event argument"),
    ),
)

COMMAND_RESPONSE = Packet(
    name="COMMAND_RESPONSE",
    apid=0x012,
    description="Acknowledgement and completion of a telecommand",
    fields=(
        Field("counter", "u32", "", "authentication counter of the command answered"),
        Field("opcode", "u16", "", "opcode of the command answered"),
        Field("stage", "u8", "", "lifecycle stage reached",
              enum={0: "ACCEPTED", 1: "COMPLETED", 2: "FAILED", 3: "REJECTED", 4: "SCHEDULED"}),
        Field("code", "u16", "", "reason code when failed or rejected"),
    ),
)

TELEMETRY_PACKETS: tuple[Packet, ...] = (HOUSEKEEPING, EVENT_REPORT, COMMAND_RESPONSE)

COMMANDS: tuple[Command, ...] = (
    Command("NOOP", 0x0001, "Do nothing; answer with an acknowledgement"),
    Command("SET_MODE", 0x0002, "Request a flight software mode",
            (Field("mode", "u8", "", "requested mode", enum=MODES, minimum=1, maximum=5),)),
    Command("CAPTURE_IMAGE", 0x0003, "Capture an image now (at_time 0) or at a UTC time",
            (Field("at_time", "u32", "s", "UTC seconds since 2000-01-01, 0 for now"),)),
    Command("SET_BEACON_INTERVAL", 0x0004, "Set the telemetry beacon interval",
            (Field("interval_s", "u16", "s", "seconds between beacons", minimum=10, maximum=3600),)),
)

EVENTS: tuple[Event, ...] = (
    Event("BOOT", 1, Severity.INFO, "boot number {arg0}, reset cause {arg1}"),
    Event("RF_SILENCE_OVER", 2, Severity.INFO, "RF silence over after {arg0} s"),
    Event("MODE_CHANGE", 3, Severity.INFO, "mode {arg0} -> {arg1}"),
    Event("COMMAND_REJECTED", 4, Severity.WARNING, "command rejected, reason {arg0}"),
    Event("LOW_BATTERY", 5, Severity.WARNING, "battery low: {arg0} mV"),
    Event("ANTENNA_BURN", 6, Severity.INFO, "antenna burn attempt {arg0}"),
    Event("ANTENNA_DEPLOYED", 7, Severity.INFO, "antenna deployed after {arg0} attempts"),
    Event("ANTENNA_FAILED", 8, Severity.CRITICAL, "antenna switch still closed after {arg0} attempts"),
    Event("SENSOR_FLAGGED", 9, Severity.WARNING, "sensor bit {arg0} flagged ({arg1}: 1 range, 2 stuck)"),
    Event("SENSOR_RECOVERED", 10, Severity.INFO, "sensor bit {arg0} recovered"),
    Event("COMPONENT_FAILURE", 11, Severity.WARNING, "component {arg0} failed {arg1} times"),
    Event("WATCHDOG_RESET", 12, Severity.CRITICAL, "component {arg0} stalled: software reset"),
    Event("BATTERY_RECOVERED", 13, Severity.INFO, "battery recovered: {arg0} mV"),
    Event("TEMPERATURE_ALARM", 14, Severity.WARNING, "temperature {arg0} cdegC at sensor bit {arg1}"),
    Event("HEATER", 15, Severity.INFO, "battery heater {arg0} (1 on, 0 off)"),
    Event("BOOT_LOOP", 16, Severity.CRITICAL, "{arg0} resets within {arg1} s: safe mode"),
    Event("COMMAND_SCHEDULED", 17, Severity.INFO, "opcode {arg0} scheduled at {arg1} (s since 2000)"),
    Event("IMAGE_CAPTURED", 18, Severity.INFO, "image file {arg0}, {arg1} bytes"),
    Event("IMAGE_FAILED", 19, Severity.WARNING, "camera gave no image (reason {arg0})"),
    Event("FILE_CORRUPT", 20, Severity.WARNING, "file {arg0} failed its CRC check"),
    Event("STORE_FULL", 21, Severity.WARNING, "file store full: {arg1} bytes needed"),
    Event("TRANSFER_STARTED", 22, Severity.INFO, "file {arg0}: {arg1} chunks to send"),
    Event("TRANSFER_DONE", 23, Severity.INFO, "file {arg0}: all requested chunks sent"),
    Event("PARAMS_DEFAULTED", 24, Severity.WARNING, "persistent parameters unreadable: defaults"),
    Event("COMMAND_FAILED", 25, Severity.WARNING, "opcode {arg0} failed, reason {arg1}"),
)
