"""Housekeeping: the validated sensor values and the software's counters, packed by the dictionary.

The sensors are sampled in the control rate group (so fault protection acts on fresh values);
the HOUSEKEEPING packet is packed every ``housekeeping_interval_s`` and stored in the on-board
history (store and forward): a DUMP_HOUSEKEEPING command sends what was recorded out of view,
with its original time stamps. The telemetry beacon sends a fresh packet of the same kind.

The component owns the sensors' validation (CLEAR_SENSOR_FLAGS) and its history (the
DUMP_HOUSEKEEPING and SAVE_HOUSEKEEPING_LOG commands); the fields other components own (the
mode, the frame and command counters, the antenna's state) it asks of ``status_in``.
"""

from __future__ import annotations

import itertools
from typing import Any

from picodragon.dictionary.definitions import Dictionary
from picodragon.dictionary.loader import core
from picodragon.dictionary.packets import EPOCH_2000_UNIX, pack_telemetry
from picodragon.fsw.events import Sequencer
from picodragon.fsw.filestore import FileStore, save_log
from picodragon.fsw.hal import Storage
from picodragon.fsw.history import PacketHistory, Playback
from picodragon.fsw.params import PersistentParams
from picodragon.fsw.scheduler import Component, Port, PullPort
from picodragon.fsw.sensors import SensorMonitor


class Housekeeping(Component):
    """Samples, packs and keeps housekeeping."""

    name = "housekeeping"
    component_id = 3
    commands = {"DUMP_HOUSEKEEPING": "dump", "SAVE_HOUSEKEEPING_LOG": "save_log",
                "CLEAR_SENSOR_FLAGS": "clear_sensor_flags"}
    rate_groups = {"control": "sample", "housekeeping": "record"}

    def __init__(self, sensors: SensorMonitor, storage: Storage, sequencer: Sequencer,
                 capacity: int, boot_time: float, *, dictionary: Dictionary | None = None,
                 params: PersistentParams | None = None, files: FileStore | None = None) -> None:
        super().__init__()
        dictionary = dictionary or core()
        self._hk = dictionary.packet("HOUSEKEEPING")
        self._adcs = dictionary.packet("ADCS")
        self.sensors = sensors
        self.history = PacketHistory(storage, "hk", capacity)
        self._sequencer = sequencer
        self.boot_time = boot_time
        self.params = params if params is not None else PersistentParams()
        self.files = files
        self.status_in: PullPort[dict[str, float]] = PullPort("housekeeping.status_in")
        """the HOUSEKEEPING fields the other components own (their ``telemetry()``)"""
        self.playback_out: Port[Playback] = Port("housekeeping.playback_out")
        """stored packets to play back on the downlink (DUMP_HOUSEKEEPING)"""
        self.packets_stored = 0

    def values(self, now: float) -> dict[str, float]:
        """The current HOUSEKEEPING values in engineering units (NaN: no valid value)."""
        s = self.sensors
        soc = s.value("battery_soc")
        values = {
            "uptime_s": max(0.0, now - self.boot_time),
            "battery_voltage_v": s.value("battery_voltage_v"),
            "battery_current_a": s.value("battery_current_a"),
            "battery_soc_pct": soc * 100.0,
            "solar_power_w": s.value("solar_power_w"),
            "bus_power_w": s.value("bus_power_w"),
            "obc_temperature_c": s.temperature("obc"),
            "battery_temperature_c": s.temperature("batt"),
            "sensor_flags": s.flags,
            "charge_inhibited": 2.0 if s.charge_inhibited is None else float(s.charge_inhibited),
            "charge_phase": 4.0 if s.charge_phase is None else float(s.charge_phase),
        }
        values.update(self.telemetry())
        for part in self.status_in.ask():
            values.update(part)
        return values

    def telemetry(self) -> dict[str, float]:
        values: dict[str, float] = {"boot_count": self.params.boot_count,
                                    "reset_cause": self.params.reset_cause}
        if self.files is not None:
            values["files_stored"] = self.files.count()
            values["store_free_kb"] = self.files.free_bytes() / 1000.0
        return values

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.boot_time += offset_s
        self.sensors.rebase(offset_s)

    def packet(self, now: float) -> bytes:
        """A freshly packed HOUSEKEEPING packet."""
        return pack_telemetry(self._hk, self.values(now), now, self._sequencer.next(self._hk.apid))

    # --- commands: each returns 0 or a telecommand Reason code ----------------------------------

    def dump(self, now: float, arguments: dict[str, float]) -> int:
        """DUMP_HOUSEKEEPING: play back the stored packets since ``since`` (0: all)."""
        since = EPOCH_2000_UNIX + arguments["since"] if arguments["since"] else 0.0
        self.playback_out.send(Playback(self.history.packets(since), int(arguments["max_packets"])))
        return 0

    def save_log(self, now: float, arguments: dict[str, float]) -> int:
        """SAVE_HOUSEKEEPING_LOG: the stored packets since ``since`` into a LOG file."""
        since = EPOCH_2000_UNIX + arguments["since"] if arguments["since"] else 0.0
        packets = itertools.islice(self.history.packets(since), int(arguments["max_packets"]))
        return save_log(self.files, now, packets)

    def clear_sensor_flags(self, now: float, arguments: dict[str, float]) -> int:
        """CLEAR_SENSOR_FLAGS: every sensor judged afresh."""
        self.sensors.clear()
        return 0

    def sample(self, now: float) -> None:
        """Control rate: read and validate the sensors due now."""
        self.sensors.sample(now)

    def record(self, now: float) -> None:
        """Housekeeping rate: pack a packet into the store-and-forward history."""
        self.history.append(self.packet(now))
        self.packets_stored += 1
        mag = self.sensors.vectors.get("magnetometer_t")
        rate = self.sensors.vectors.get("gyro_rad_s")
        if mag is not None or rate is not None:
            nan3 = (float("nan"),) * 3
            mx, my, mz = mag or nan3
            rx, ry, rz = rate or nan3
            self.history.append(pack_telemetry(self._adcs, {
                "mag_x_t": mx, "mag_y_t": my, "mag_z_t": mz,
                "rate_x_rad_s": rx, "rate_y_rad_s": ry, "rate_z_rad_s": rz,
            }, now, self._sequencer.next(self._adcs.apid)))

    def state(self) -> dict[str, Any]:
        return super().state() | {"stored": len(self.history), "sensors": self.sensors.state()}
