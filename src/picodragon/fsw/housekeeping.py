"""Housekeeping: the validated sensor values and the software's counters, packed by the dictionary.

The sensors are sampled in the control rate group (so fault protection acts on fresh values);
the HOUSEKEEPING packet is packed every ``housekeeping_interval_s`` and stored in the on-board
history (store and forward): a DUMP_HOUSEKEEPING command sends what was recorded out of view,
with its original time stamps. The telemetry beacon sends a fresh packet of the same kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from picodragon.dictionary.packets import pack_telemetry
from picodragon.dictionary.spacecraft import ADCS, HOUSEKEEPING
from picodragon.fsw.events import Sequencer
from picodragon.fsw.hal import Storage
from picodragon.fsw.history import PacketHistory
from picodragon.fsw.scheduler import Component
from picodragon.fsw.sensors import SensorMonitor


class Housekeeping(Component):
    """Samples, packs and keeps housekeeping."""

    name = "housekeeping"

    def __init__(self, sensors: SensorMonitor, storage: Storage, sequencer: Sequencer,
                 capacity: int, boot_time: float) -> None:
        super().__init__()
        self.sensors = sensors
        self.history = PacketHistory(storage, "hk", capacity)
        self._sequencer = sequencer
        self.boot_time = boot_time
        self.status: Callable[[], dict[str, float]] = dict
        """the other components' counters and states (wired by the topology)"""
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
        }
        values.update(self.status())
        return values

    def rebase(self, offset_s: float) -> None:
        super().rebase(offset_s)
        self.boot_time += offset_s
        self.sensors.next_due = {k: t + offset_s for k, t in self.sensors.next_due.items()}

    def packet(self, now: float) -> bytes:
        """A freshly packed HOUSEKEEPING packet."""
        return pack_telemetry(HOUSEKEEPING, self.values(now), now,
                              self._sequencer.next(HOUSEKEEPING.apid))

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
            self.history.append(pack_telemetry(ADCS, {
                "mag_x_t": mx, "mag_y_t": my, "mag_z_t": mz,
                "rate_x_rad_s": rx, "rate_y_rad_s": ry, "rate_z_rad_s": rz,
            }, now, self._sequencer.next(ADCS.apid)))

    def state(self) -> dict[str, Any]:
        return super().state() | {"stored": len(self.history), "sensors": self.sensors.state()}
