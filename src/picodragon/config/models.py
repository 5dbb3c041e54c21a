"""Configuration models: spacecraft, ground stations, scenarios.

Every number that describes Pico Dragon or its ground station lives in a scenario TOML file,
validated by these pydantic models. A parameter that was never published is listed in its
section's ``assumed`` list, so a reader can always tell a fact from an engineering assumption
(see ../shared/reference/picodragon-facts.md for the sources of the facts).

Units are SI unless the field name says otherwise (``_deg``, ``_km``, ``_mhz``, ``_db``...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Section(BaseModel):
    """A configuration section that names which of its fields are assumptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assumed: list[str] = Field(
        default_factory=list,
        description="names of fields in this section that are engineering assumptions, not published facts",
    )

    @model_validator(mode="after")
    def _assumed_names_exist(self) -> Section:
        unknown = [name for name in self.assumed if name not in type(self).model_fields]
        if unknown:
            raise ValueError(f"'assumed' names unknown fields: {', '.join(unknown)}")
        return self


class Camera(Section):
    width_px: int = Field(640, gt=0, le=8192)
    height_px: int = Field(480, gt=0, le=8192)
    horizontal_fov_deg: float = Field(60.0, gt=0, lt=180)
    mounting_face: Literal["+X", "-X", "+Y", "-Y", "+Z", "-Z"] = "-Z"
    jpeg_quality: int = Field(75, ge=1, le=95)


class Radio(Section):
    callsign: str = Field(..., pattern=r"^[A-Z0-9]{1,6}$")
    ssid: int = Field(0, ge=0, le=15)
    downlink_frequency_hz: float = Field(..., gt=1e6)
    downlink_power_w: float = Field(..., gt=0, le=100)
    bit_rate: float = Field(1200.0, gt=0)
    modulation: Literal["AFSK1200", "FSK9600"] = "AFSK1200"
    beacon_frequency_hz: float = Field(..., gt=1e6)
    beacon_text: str = "PICO DRAGON VIETNAM"
    uplink_frequency_hz: float = Field(..., gt=1e6)
    antenna_gain_dbi: float = Field(0.0, ge=-30, le=20)
    line_loss_db: float = Field(1.0, ge=0, le=20)
    telemetry_beacon_interval_s: float = Field(30.0, gt=0)
    rf_silence_after_ejection_s: float = Field(1800.0, ge=0)


class Power(Section):
    cell_area_m2: float = Field(..., gt=0, description="active cell area on one body face")
    cell_faces: list[Literal["+X", "-X", "+Y", "-Y", "+Z", "-Z"]]
    cell_efficiency: float = Field(..., gt=0, lt=1)
    battery_capacity_wh: float = Field(..., gt=0)
    battery_initial_soc: float = Field(1.0, ge=0, le=1)
    charge_efficiency: float = Field(0.9, gt=0, le=1)
    base_load_w: float = Field(..., ge=0, description="always-on load: OBC, receiver, sensors")
    transmit_load_w: float = Field(..., ge=0, description="extra DC power while the transmitter keys")
    camera_load_w: float = Field(0.5, ge=0)

    @field_validator("cell_faces")
    @classmethod
    def _distinct_faces(cls, faces: list[str]) -> list[str]:
        if len(set(faces)) != len(faces):
            raise ValueError("each face may carry cells only once")
        return faces


class Spacecraft(Section):
    name: str
    norad_id: int = Field(0, ge=0, le=999_999)
    mass_kg: float = Field(..., gt=0, le=50)
    size_m: tuple[float, float, float] = Field(..., description="x, y, z edge lengths")
    drag_coefficient: float = Field(2.2, gt=0, le=5)
    camera: Camera = Camera()
    radio: Radio
    power: Power

    @field_validator("size_m")
    @classmethod
    def _positive_size(cls, size: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(edge <= 0 or edge > 2 for edge in size):
            raise ValueError("edge lengths must be between 0 and 2 m")
        return size

    @property
    def mean_cross_section_m2(self) -> float:
        """Mean projected area of a randomly tumbling convex body: a quarter of its surface."""
        x, y, z = self.size_m
        return (x * y + y * z + z * x) / 2.0


class Station(Section):
    name: str = Field(..., min_length=1)
    latitude_deg: float = Field(..., ge=-90, le=90)
    longitude_deg: float = Field(..., ge=-180, le=360)
    altitude_m: float = Field(0.0, ge=-500, le=9000)
    min_elevation_deg: float = Field(0.0, ge=-5, le=89)
    antenna_gain_dbi: float = Field(14.0, ge=-10, le=40)
    system_noise_temperature_k: float = Field(500.0, gt=0)
    line_loss_db: float = Field(2.0, ge=0, le=20)
    uplink_power_w: float = Field(50.0, gt=0, le=2000)


class Deployment(Section):
    """Where and how the spacecraft enters orbit: an element set of the carrier plus an ejection."""

    carrier_tle: tuple[str, str]
    ejection_time: datetime
    ejection_speed_m_s: float = Field(1.1, ge=0, le=10)
    ejection_aft_of_nadir_deg: float = Field(45.0, ge=0, le=90)

    @field_validator("ejection_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time in UTC with a Z, e.g. 2013-11-19T12:17:00Z")
        return value.astimezone(UTC)


class Fault(Section):
    """A fault the scenario injects at a moment of the mission (a fault campaign).

    ``device``: ``power`` (the EPS telemetry), ``magnetometer``, ``gyro``, ``camera``,
    ``temperature:<node>`` (obc, battery, structure, +X ... -Z), ``computer`` (the on-board
    computer: kind ``reset``) or ``storage`` (the flash: kind ``bit_flip``).
    ``kind``: for sensors ``stuck``, ``bias_jump`` (with ``value`` the bias), ``dead``,
    ``noisy`` (with ``value`` the extra sigma) or ``clear``.
    """

    at_hours: float = Field(..., ge=0, description="hours after the start of the run")
    device: str = Field(..., pattern=r"^(power|magnetometer|gyro|camera|computer|storage|temperature:[+\-A-Za-z0-9_]+)$")
    kind: Literal["stuck", "bias_jump", "dead", "noisy", "clear", "reset", "bit_flip"]
    value: float | None = None

    @model_validator(mode="after")
    def _kind_fits_device(self) -> Fault:
        if self.device == "computer" and self.kind != "reset":
            raise ValueError("the computer only takes kind 'reset'")
        if self.device == "storage" and self.kind != "bit_flip":
            raise ValueError("the storage only takes kind 'bit_flip'")
        if self.device not in ("computer", "storage") and self.kind in ("reset", "bit_flip"):
            raise ValueError(f"kind '{self.kind}' is for the computer or the storage, not {self.device}")
        return self


class Companion(Section):
    """Another spacecraft deployed with the main one (same bus model, its own name and radio).

    Runs its own twin and flight software; the scenario's stations hear it on its own frequency.
    The operators command only the main spacecraft.
    """

    name: str = Field(..., min_length=1)
    norad_id: int = Field(0, ge=0, le=999_999)
    callsign: str = Field(..., pattern=r"^[A-Z0-9]{1,6}$")
    downlink_frequency_hz: float = Field(..., gt=1e6)
    bit_rate: float = Field(1200.0, gt=0)
    modulation: Literal["AFSK1200", "FSK9600"] = "AFSK1200"
    ejection_delay_s: float = Field(0.0, ge=0, le=86400, description="after the main spacecraft's ejection")
    ejection_speed_m_s: float | None = Field(None, ge=0, le=10)

    def as_scenario(self, main: Scenario) -> Scenario:
        """The main scenario with this spacecraft in the main one's place."""
        from datetime import timedelta

        radio = main.spacecraft.radio.model_copy(update={
            "callsign": self.callsign, "downlink_frequency_hz": self.downlink_frequency_hz,
            "bit_rate": self.bit_rate, "modulation": self.modulation})
        spacecraft = main.spacecraft.model_copy(update={"name": self.name, "norad_id": self.norad_id,
                                                        "radio": radio})
        deployment = main.deployment.model_copy(update={
            "ejection_time": main.deployment.ejection_time + timedelta(seconds=self.ejection_delay_s),
            "ejection_speed_m_s": self.ejection_speed_m_s or main.deployment.ejection_speed_m_s})
        return main.model_copy(update={"name": f"{main.name}:{self.name}", "spacecraft": spacecraft,
                                       "deployment": deployment, "companions": [], "faults": []})


class Scenario(Section):
    name: str = Field(..., min_length=1)
    description: str = ""
    duration_days: float = Field(2.0, gt=0, le=3650)
    seed: int = 0
    spacecraft: Spacecraft
    deployment: Deployment
    stations: list[Station] = Field(..., min_length=1)
    faults: list[Fault] = Field(default_factory=list)
    companions: list[Companion] = Field(default_factory=list)
    dictionary: str | None = Field(
        None, description="the mission's dictionary file (TOML, YAML or XTCE), relative to the "
        "file that names it; the core dictionary when absent")

    @field_validator("stations")
    @classmethod
    def _unique_station_names(cls, stations: list[Station]) -> list[Station]:
        names = [s.name for s in stations]
        if len(set(names)) != len(names):
            raise ValueError("station names must be unique")
        return stations

    @property
    def start(self) -> datetime:
        return self.deployment.ejection_time
