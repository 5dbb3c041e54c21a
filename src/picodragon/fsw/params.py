"""Flight software parameters: the fixed configuration and the persistent parameters.

:class:`FswConfig` is what the flight software is built with (on a real on-board computer, the
constants compiled into the image or loaded from a configuration partition). It is a plain
dataclass so the flight software never depends on ``picodragon.config``; the mission runner
translates a scenario into one. Values a mission does not publish are typical 1U practice and
named as assumptions in docs/fsw.md.

The callsigns and the beacon text default to placeholders that name no mission: ``N0CALL`` (the
usual stand-in of amateur packet software) for the spacecraft and ``N0GRND`` for the ground.
Both are valid AX.25 addresses (up to six uppercase letters and digits) and neither can be a
real station's: a one-letter prefix with a four-letter suffix is not a format the ITU prefix
``N`` (United States) issues (suffixes have at most three letters). A mission always passes its
own (``picodragon.mission.engine.fsw_config``).

:class:`PersistentParams` are the few values that must survive a reset: the boot counter, the
cause of the last reset, the time of the first boot (the ejection, which fixes the end of the
RF silence), the antenna state, the authentication counter window. They are a
:class:`~picodragon.fsw.records.RotatingRecord`: each generation written twice, with a CRC,
to the next of ``PARAM_SLOTS`` slots (they are rewritten at every accepted command, and one
flash block would wear out), so a bit flip or a reset in the middle of a write leaves an intact
copy to boot from; with no copy readable the software boots on defaults and says so
(PARAMS_DEFAULTED).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import IntEnum

from picodragon.fsw.hal import Storage
from picodragon.fsw.records import RotatingRecord

PARAM_SLOTS = 8


@dataclass(frozen=True)
class FswConfig:
    """Everything fixed about one flight software build. Times in seconds, voltages in volts."""

    callsign: str = "N0CALL"
    """the spacecraft's AX.25 callsign (a placeholder by default: a mission passes its own)"""
    ssid: int = 0
    ground_callsign: str = "N0GRND"
    """the only source callsign accepted on the uplink (the mission's ground station)"""
    beacon_destination: str = "CQ"
    telemetry_beacon_interval_s: float = 30.0
    cw_beacon_interval_s: float = 120.0
    beacon_text: str = "N0CALL"
    """what the CW beacon keys (a placeholder: the station's identification, its callsign)"""
    cw_wpm: float = 20.0
    rf_silence_s: float = 1800.0
    housekeeping_interval_s: float = 60.0
    control_period_s: float = 10.0
    """rate group of mode management, fault protection, watchdog and timers"""
    auth_key: bytes | None = None
    """telecommand HMAC key; None accepts no command at all (commanding disabled)"""
    downlink_bit_rate: float = 1200.0
    downlink_duty: float = 0.8
    """fraction of the air time the downlink may fill (leaves gaps for the half-duplex uplink)"""
    contact_timeout_s: float = 120.0
    """a file transfer runs only this long after the last valid telecommand (ground in view)"""
    antenna_burn_s: float = 5.0
    antenna_retry_s: float = 60.0
    antenna_max_attempts: int = 5
    # power and thermal thresholds (2-cell Li-ion and commercial parts: assumptions)
    low_power_enter_v: float = 6.9
    low_power_exit_v: float = 7.4
    low_power_enter_soc: float = 0.25
    low_power_exit_soc: float = 0.45
    battery_heater_on_c: float = 2.0
    battery_heater_off_c: float = 6.0
    safe_temperature_high_c: float = 70.0
    safe_temperature_low_c: float = -30.0
    low_power_beacon_factor: float = 4.0
    """the telemetry beacon interval is multiplied by this in LOW_POWER and SAFE"""
    detumble_rate_rad_s: float = 0.05
    detumble_timeout_s: float = 6 * 3600.0
    boot_loop_resets: int = 4
    """this many boots within ``boot_loop_window_s`` (commanded resets not counted) mean SAFE"""
    boot_loop_window_s: float = 3600.0
    watchdog_stall_periods: float = 3.0
    """a component is stalled when its work is this many periods late"""
    hk_history_capacity: int = 2880
    """HOUSEKEEPING and ADCS packets kept for store and forward (one day of both at one a minute)"""
    event_history_capacity: int = 256
    filestore_capacity_bytes: int = 2_000_000
    file_chunk_size: int = 200
    time_tag_capacity: int = 32
    replay_window: int = 64
    refusal_report_interval_s: float = 60.0
    """uplink refusals anyone can cause (junk, forgeries, replays, frames for others) are counted
    and stored as one UPLINK_REFUSED summary event per this interval, never one per frame"""
    refusal_answers_per_interval: int = 8
    """of those, at most this many per interval are answered at once on the real-time downlink
    (a COMMAND_RESPONSE REJECTED and a COMMAND_REJECTED event, neither stored)"""
    sensor_periods_s: tuple[tuple[str, float], ...] = (
        ("power", 10.0), ("attitude", 10.0), ("temperature", 30.0))
    """how often each sensor group is read: power, attitude (magnetometer, gyro), temperature"""

    def __post_init__(self) -> None:
        if self.auth_key is not None and (not isinstance(self.auth_key, bytes) or len(self.auth_key) < 16):
            raise ValueError("auth_key must be bytes, at least 16 of them (or None to refuse all commands)")
        if not 1 <= len(self.callsign) <= 6 or not self.callsign.isalnum() or not self.callsign.isupper():
            raise ValueError(f"callsign must be 1 to 6 uppercase letters and digits, got {self.callsign!r}")
        if not 0 <= self.ssid <= 15:
            raise ValueError(f"ssid must be 0..15, got {self.ssid}")
        for name in ("telemetry_beacon_interval_s", "housekeeping_interval_s", "control_period_s",
                     "downlink_bit_rate", "cw_beacon_interval_s", "refusal_report_interval_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.refusal_answers_per_interval < 0:
            raise ValueError("refusal_answers_per_interval must be 0 or more")


class ResetCause(IntEnum):
    """Why the software last started; the software records it before any reset it causes."""

    POWER_ON = 0
    """no cause recorded: first power-up, brown-out or a reset the software did not see coming"""
    WATCHDOG = 1
    COMMANDED = 2
    EXCEPTION = 3


@dataclass
class PersistentParams:
    """Values that survive a reset (see the module docstring for how they are stored)."""

    boot_count: int = 0
    reset_cause: int = int(ResetCause.POWER_ON)
    pending_reset_cause: int | None = None
    """written just before a software-initiated reset, read and cleared at the next boot"""
    first_boot_unix: float | None = None
    antenna_deployed: bool = False
    antenna_attempts: int = 0
    recent_boots: list[float] = field(default_factory=list)
    """times of the last few boots not commanded by the ground, to detect a boot loop"""
    auth_counter_high: int = 0
    """highest telecommand counter accepted (the replay window's top)"""
    auth_bitmap: int = 0
    """the replay window's bitmap of accepted counters below the top"""
    beacon_interval_s: float | None = None
    """commanded telemetry beacon interval, None: the configured one"""
    safe_latched: bool = False
    """SAFE entered by fault protection stays until the ground commands another mode"""
    images_captured: int = 0
    commands_executed: int = 0
    """telecommands completed since launch (time-tagged ones when they ran)"""
    generation: int = 0

    @classmethod
    def load(cls, storage: Storage) -> PersistentParams:
        """The newest intact copy, or defaults when none reads back intact."""
        record = RotatingRecord(storage, "params", slots=PARAM_SLOTS, copies=2)
        body = record.load()
        params = _decode(body) if body is not None else None
        if params is None:
            return cls()
        params.generation = record.generation
        return params

    def save(self, storage: Storage) -> None:
        """Write the next generation, twice, to the next slot (see the module docstring)."""
        record = RotatingRecord(storage, "params", slots=PARAM_SLOTS, copies=2)
        record.generation = self.generation
        # the fields as they are (asdict's deep copy is most of the cost of a save; the
        # commanding saves its replay window with every command), taken in sorted order: the
        # bytes sort_keys=True gives, through json's shared encoder (sort_keys builds a new
        # encoder at every call: 14 against 8 us a save)
        values = {name: getattr(self, name) for name in _SORTED_PARAM_FIELDS}
        record.save(json.dumps(values).encode())
        self.generation = record.generation


_SORTED_PARAM_FIELDS = tuple(sorted(f.name for f in fields(PersistentParams)))


def _decode(body: bytes) -> PersistentParams | None:
    try:
        data = json.loads(body)
        known = {f.name for f in fields(PersistentParams)}
        return PersistentParams(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError):
        return None


class MemoryStorage:
    """Storage kept in RAM, used when the HAL offers none (everything is lost at a reset)."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def read(self, key: str) -> bytes | None:
        return self._blobs.get(key)

    def write(self, key: str, data: bytes) -> None:
        self._blobs[key] = bytes(data)

    def delete(self, key: str) -> None:
        self._blobs.pop(key, None)

    def keys(self) -> list[str]:
        return list(self._blobs)
