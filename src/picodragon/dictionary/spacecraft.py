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
        Field("sensor_flags", "u32", "", "bit mask of sensors flagged out of range or stuck "
              "(0 battery voltage, 1 current, 2 state of charge, 3 solar, 4 bus, 5 magnetometer, "
              "6 gyro, 8..31 temperatures in HAL order)"),
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

FILE_KINDS = {0: "UNKNOWN", 1: "IMAGE", 2: "LOG"}
"""0: the file's metadata record is lost (a corrupt file listed with what is known)"""

FILE_ENTRY = Packet(
    name="FILE_ENTRY",
    apid=0x020,
    description="One entry of the on-board file directory (answer to LIST_FILES)",
    fields=(
        Field("index", "u16", "", "position of this entry in the listing, from 0"),
        Field("count", "u16", "", "entries in the listing"),
        Field("file_id", "u16", "", "file identifier"),
        Field("kind", "u8", "", "what the file holds", enum=FILE_KINDS),
        Field("size_bytes", "u32", "B", "file size"),
        Field("crc32", "u32", "", "CRC-32 of the whole file, taken when it was written"),
        Field("chunk_size", "u16", "B", "data bytes per chunk (the last chunk may be shorter)"),
        Field("chunk_count", "u16", "", "chunks in the file"),
        Field("valid", "u8", "", "the file's CRC checks now", enum={0: "CORRUPT", 1: "VALID"}),
        Field("created_unix", "u32", "s", "when the file was written (UTC)",
              offset=946_684_800.0),
        Field("latitude_deg", "i16", "deg", "geodetic latitude at capture", scale=0.01),
        Field("longitude_deg", "i16", "deg", "longitude at capture", scale=0.01),
        Field("altitude_km", "u16", "km", "altitude at capture", scale=0.01),
        Field("q_w", "i16", "", "attitude quaternion at capture, body to ECI", scale=1 / 32767),
        Field("q_x", "i16", "", "", scale=1 / 32767),
        Field("q_y", "i16", "", "", scale=1 / 32767),
        Field("q_z", "i16", "", "", scale=1 / 32767),
    ),
)

FILE_CHUNK_HEADER = Packet(
    name="FILE_CHUNK",
    apid=0x021,
    description="One chunk of a file; the header below is followed by data_length data bytes",
    fields=(
        Field("file_id", "u16", "", "file identifier"),
        Field("chunk", "u16", "", "chunk number, from 0"),
        Field("chunk_count", "u16", "", "chunks in the file"),
        Field("data_length", "u16", "B", "data bytes that follow"),
    ),
)

ADCS = Packet(
    name="ADCS",
    apid=0x013,
    description="Attitude sensors, stored with housekeeping",
    fields=(
        Field("mag_x_t", "f32", "T", "magnetic field, body x"),
        Field("mag_y_t", "f32", "T", "magnetic field, body y"),
        Field("mag_z_t", "f32", "T", "magnetic field, body z"),
        Field("rate_x_rad_s", "f32", "rad/s", "body rate about x"),
        Field("rate_y_rad_s", "f32", "rad/s", "body rate about y"),
        Field("rate_z_rad_s", "f32", "rad/s", "body rate about z"),
    ),
)

TIME_TAG_ENTRY = Packet(
    name="TIME_TAG_ENTRY",
    apid=0x014,
    description="One time-tagged command waiting on board (answer to LIST_TIME_TAGS)",
    fields=(
        Field("index", "u8", "", "position in the schedule, from 0"),
        Field("count", "u8", "", "commands waiting"),
        Field("execute_unix", "u32", "s", "when it will run (UTC)", offset=946_684_800.0),
        Field("counter", "u32", "", "authentication counter of the command"),
        Field("opcode", "u16", "", "opcode of the command"),
    ),
)

TELEMETRY_PACKETS: tuple[Packet, ...] = (HOUSEKEEPING, EVENT_REPORT, COMMAND_RESPONSE, ADCS,
                                         FILE_ENTRY, TIME_TAG_ENTRY)
"""Fixed-size telemetry packets (``decode_telemetry``); FILE_CHUNK_HEADER is not one of them:
its data field follows the header (``picodragon.dictionary.files``)."""

COMMANDS: tuple[Command, ...] = (
    Command("NOOP", 0x0001, "Do nothing; answer with an acknowledgement"),
    Command("SET_MODE", 0x0002, "Request a flight software mode",
            (Field("mode", "u8", "", "requested mode", enum=MODES, minimum=1, maximum=5),)),
    Command("CAPTURE_IMAGE", 0x0003, "Capture an image now (at_time 0) or at a UTC time",
            (Field("at_time", "u32", "s", "UTC seconds since 2000-01-01, 0 for now"),)),
    Command("SET_BEACON_INTERVAL", 0x0004, "Set the telemetry beacon interval",
            (Field("interval_s", "u16", "s", "seconds between beacons", minimum=10, maximum=3600),)),
    Command("DUMP_HOUSEKEEPING", 0x0005, "Send the stored HOUSEKEEPING and ADCS packets since a time",
            (Field("since", "u32", "s", "UTC seconds since 2000-01-01 (0: all kept)"),
             Field("max_packets", "u16", "", "at most this many packets", minimum=1))),
    Command("DUMP_EVENTS", 0x0006, "Send the stored EVENT_REPORT and COMMAND_RESPONSE packets since a time",
            (Field("since", "u32", "s", "UTC seconds since 2000-01-01 (0: all kept)"),
             Field("max_packets", "u16", "", "at most this many packets", minimum=1))),
    Command("LIST_FILES", 0x0007, "Send the file directory, one FILE_ENTRY packet per file"),
    Command("DOWNLINK_FILE", 0x0008, "Send every chunk of a file (while the ground is in contact)",
            (Field("file_id", "u16", "", "file identifier"),)),
    Command("REQUEST_CHUNKS", 0x0009, "Send again the chunks of a file the ground lacks: bit j "
            "of mask k asks for chunk first_chunk + 32 k + j",
            (Field("file_id", "u16", "", "file identifier"),
             Field("first_chunk", "u16", "", "chunk number of bit 0 of mask0"),
             Field("mask0", "u32", "", "chunks first_chunk + 0..31"),
             Field("mask1", "u32", "", "chunks first_chunk + 32..63"),
             Field("mask2", "u32", "", "chunks first_chunk + 64..95"),
             Field("mask3", "u32", "", "chunks first_chunk + 96..127"))),
    Command("DELETE_FILE", 0x000A, "Delete a file from the on-board store",
            (Field("file_id", "u16", "", "file identifier"),)),
    Command("ABORT_TRANSFERS", 0x000B, "Forget every chunk still queued for the downlink"),
    Command("CLEAR_SENSOR_FLAGS", 0x000C, "Judge every flagged sensor afresh"),
    Command("RESET_SOFTWARE", 0x000D, "Reset the flight software (completion follows the reboot)"),
    Command("CLEAR_TIME_TAGS", 0x000E, "Drop every time-tagged command still waiting"),
    Command("SAVE_EVENT_LOG", 0x000F, "Write the stored events into a LOG file for file downlink"),
    Command("LIST_TIME_TAGS", 0x0010, "Send the time-tagged commands waiting, one TIME_TAG_ENTRY each"),
    Command("ADJUST_TIME", 0x0011, "Correct the on-board clock by an offset (time tags keep their UTC times)",
            (Field("offset_ms", "i32", "ms", "added to the on-board time", minimum=-86_400_000,
                   maximum=86_400_000),)),
    Command("SAVE_HOUSEKEEPING_LOG", 0x0012, "Write stored HOUSEKEEPING and ADCS packets since a "
            "time into a LOG file (the reliable, compact way to fetch a day of housekeeping)",
            (Field("since", "u32", "s", "UTC seconds since 2000-01-01 (0: all kept)"),
             Field("max_packets", "u16", "", "at most this many packets", minimum=1))),
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
    Event("TIME_ADJUSTED", 26, Severity.INFO,
          "on-board clock moved by {arg0} ms ({arg1}: 0 commanded, 1 a backward jump seen)"),
    Event("UPLINK_REFUSED", 27, Severity.INFO,
          "{arg0} uplink frames refused in the last interval, reasons mask {arg1} "
          "(bit n: COMMAND_RESPONSE code n)"),
)
