"""Configuration models: spacecraft, ground stations, scenarios.

Every number that describes a mission's spacecraft or its ground stations lives in the
mission's TOML files (``mission.toml`` and its variants), validated by these pydantic models. A
parameter that was never published is listed in its section's ``assumed`` list, so a reader can
always tell a fact from an engineering assumption (the reference mission's file names the
sources of its facts). docs/missions.md is the reference of every field, made from the
descriptions here.

Units are SI unless the field name says otherwise (``_deg``, ``_km``, ``_mhz``, ``_db``...).

It is over 500 lines because it is the whole schema of a mission file in one place: the
reference table of docs/missions.md is generated from it, and a reader checks one file.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Literal

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


Face = Literal["+X", "-X", "+Y", "-Y", "+Z", "-Z"]


class Camera(Section):
    """The imager: a pinhole of the given field of view rendered pixel by pixel (``physics.camera``).

    The render is exact at any size up to 4096 x 4096 and 16 megapixels (the limit keeps a
    capture's float image under 200 MB); the vertical field follows from the aspect ratio and
    must stay below 170 deg.
    """

    width_px: int = Field(640, gt=0, le=4096)
    height_px: int = Field(480, gt=0, le=4096)
    horizontal_fov_deg: float = Field(60.0, gt=0, lt=180)
    mounting_face: Face = "-Z"
    jpeg_quality: int = Field(75, ge=1, le=95)

    @model_validator(mode="after")
    def _renderable(self) -> Camera:
        import math

        if self.width_px * self.height_px > 16_000_000:
            raise ValueError(f"{self.width_px} x {self.height_px} is more than the 16 megapixels the "
                             "renderer takes")
        vfov = 2 * math.degrees(math.atan(self.height_px / self.width_px
                                          * math.tan(math.radians(self.horizontal_fov_deg) / 2)))
        if vfov >= 170.0:
            raise ValueError(f"the vertical field of view would be {vfov:.0f} deg (at most 170)")
        return self


class Panel(Section):
    """A solar panel: cells of ``area_m2`` and ``efficiency`` facing along ``face``'s outward normal.

    ``body``: mounted on that face of the structure (its area counts against the face's);
    ``deployable``: a wing hinged to the body and opened so its cells face the same way (it adds
    to the array, the drag area and nothing to the body's thermal nodes).
    """

    face: Face
    area_m2: float = Field(..., gt=0, le=2.0)
    efficiency: float | None = Field(None, gt=0, lt=1, description="the power section's cell_efficiency when absent")
    kind: Literal["body", "deployable"] = "body"


class Target(Section):
    """An imaging target the operators aim for: a ground circle (or a latitude/longitude box) and
    the lowest Sun elevation over it at which an image is worth taking.

    ``box_deg`` = [lat_min, lat_max, lon_min, lon_max], when given, replaces the circle (a
    country's mainland is closer to a box; longitudes in -180..180).
    """

    name: str = Field(..., min_length=1)
    latitude_deg: float = Field(..., ge=-90, le=90)
    longitude_deg: float = Field(..., ge=-180, le=360)
    radius_km: float = Field(..., gt=0, le=5000)
    min_sun_elevation_deg: float = Field(20.0, ge=-90, le=90)
    box_deg: tuple[float, float, float, float] | None = None

    @field_validator("box_deg")
    @classmethod
    def _ordered_box(cls, box: tuple[float, float, float, float] | None):
        if box is not None:
            lat0, lat1, lon0, lon1 = box
            if not (-90 <= lat0 < lat1 <= 90 and -180 <= lon0 < lon1 <= 180):
                raise ValueError("box_deg is [lat_min, lat_max, lon_min, lon_max], each min below its max")
        return box


class Adcs(Section):
    """Passive magnetic attitude control (``physics.attitude``); defaults are typical 1U practice."""

    magnet_am2: float = Field(0.3, ge=0, le=10, description="bar magnet along the camera boresight, A m^2")
    rods_x: int = Field(2, ge=0, le=8, description="hysteresis rods along X")
    rods_y: int = Field(2, ge=0, le=8, description="hysteresis rods along Y")
    rod_diameter_m: float = Field(1.0e-3, gt=0, le=0.02)
    rod_length_m: float = Field(0.095, gt=0, le=1.0)
    rod_bs_t: float = Field(0.025, gt=0, le=2)
    rod_br_t: float = Field(0.004, gt=0, le=2)
    rod_hc_a_m: float = Field(12.0, gt=0, le=1000)
    com_offset_m: tuple[float, float, float] = (0.0, 0.0, 0.005)
    tipoff_sigma_deg_s: float = Field(3.0, ge=0, le=90)

    @model_validator(mode="after")
    def _br_below_bs(self) -> Adcs:
        if self.rod_br_t >= self.rod_bs_t:
            raise ValueError("rod_br_t must be below rod_bs_t")
        return self


class Thermal(Section):
    """Lumped thermal nodes (``physics.thermal``); defaults are typical 1U values."""

    face_absorptivity: float = Field(0.85, gt=0, le=1)
    face_emissivity: float = Field(0.85, gt=0, le=1)
    face_mass_kg: float = Field(0.040, gt=0)
    face_specific_heat: float = Field(1100.0, gt=0)
    battery_mass_kg: float = Field(0.095, gt=0)
    battery_specific_heat: float = Field(900.0, gt=0)
    obc_mass_kg: float = Field(0.050, gt=0)
    obc_specific_heat: float = Field(1100.0, gt=0)
    structure_specific_heat: float = Field(900.0, gt=0)
    g_face_structure_w_k: float = Field(0.5, gt=0)
    g_battery_structure_w_k: float = Field(0.2, gt=0)
    g_obc_structure_w_k: float = Field(0.3, gt=0)
    initial_temperature_c: float = Field(20.0, ge=-100, le=100)
    heater_w: float = Field(0.5, ge=0, le=20, description="battery heater on its switch")


MODULATION_BIT_RATE: dict[str, float] = {"AFSK1200": 1200.0, "FSK9600": 9600.0, "FSK4800": 4800.0}
"""The bit rate (bit/s) each radio mode flies: the simulator has a modem (``picodragon.link``)
for exactly these combinations."""

MODEM_MODE: dict[str, str] = {"AFSK1200": "afsk1200", "FSK9600": "g3ruh9600", "FSK4800": "g3ruh4800"}
"""The modem (``picodragon modem --mode``) that demodulates each radio mode."""


def _fits_modulation(values: Any, what: str) -> Any:
    """Fill an absent ``bit_rate`` from ``modulation``; refuse a bit rate the mode cannot fly."""
    if not isinstance(values, dict):
        return values
    modulation = values.get("modulation", "AFSK1200")
    if modulation not in MODULATION_BIT_RATE:
        return values  # the Literal field says what is allowed
    rate = values.get("bit_rate")
    if rate is None:
        return {**values, "bit_rate": MODULATION_BIT_RATE[modulation]}
    try:
        fits = float(rate) == MODULATION_BIT_RATE[modulation]
    except (TypeError, ValueError):
        return values  # the float field says what is wrong
    if not fits:
        raise ValueError(
            f"{what} bit_rate {float(rate):g} does not fit modulation {modulation} "
            f"({MODULATION_BIT_RATE[modulation]:g} bit/s; the modes are "
            + ", ".join(f"{m} {r:g}" for m, r in MODULATION_BIT_RATE.items()) + ")")
    return values


class Radio(Section):
    """The spacecraft's radio: the AX.25 downlink and uplink, the CW beacon, and who commands it.

    ``modulation`` names the radio's mode; the twin's air time, the flight software's downlink
    pacing, the link budget (bit rate and required Eb/N0), the channel and the report all
    follow it. ``bit_rate`` may be left out (it follows the mode); given, it must be the mode's.
    """

    callsign: str = Field(..., pattern=r"^[A-Z0-9]{1,6}$", description="the spacecraft's AX.25 callsign")
    ground_callsign: str = Field(
        "GROUND", pattern=r"^[A-Z0-9]{1,6}$",
        description="the ground station's callsign: the only uplink source the flight software "
        "accepts, and the source of every command the ground sends")
    ssid: int = Field(0, ge=0, le=15)
    downlink_frequency_hz: float = Field(..., gt=1e6)
    downlink_power_w: float = Field(..., gt=0, le=100)
    bit_rate: float = Field(1200.0, gt=0, description="bit/s of the AX.25 link; the modulation's "
                            "when absent, and it must be the modulation's")
    modulation: Literal["AFSK1200", "FSK9600", "FSK4800"] = Field(
        "AFSK1200", description="the radio's mode: AFSK1200 (Bell 202 over FM), FSK9600 or FSK4800 "
        "(G3RUH); the air time, the downlink pacing, the link budget and the channel follow it")
    beacon_frequency_hz: float = Field(..., gt=1e6)
    beacon_text: str | None = Field(
        None, max_length=64, pattern=r"^[A-Z0-9 /.,?=-]*$",
        description="what the CW beacon keys in Morse; the spacecraft's name in capitals when absent")
    uplink_frequency_hz: float = Field(..., gt=1e6)
    antenna_gain_dbi: float = Field(0.0, ge=-30, le=20)
    line_loss_db: float = Field(1.0, ge=0, le=20)
    telemetry_beacon_interval_s: float = Field(30.0, gt=0)
    rf_silence_after_ejection_s: float = Field(1800.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _mode(cls, values: Any) -> Any:
        return _fits_modulation(values, "radio")

    @property
    def modem_mode(self) -> str:
        """The modem that demodulates this radio's downlink (``afsk1200``, ``g3ruh9600``...)."""
        return MODEM_MODE[self.modulation]


class Power(Section):
    """The array (``panels``, or the short form: ``cell_area_m2`` of cells on each of
    ``cell_faces``), the battery, its charger and the loads."""

    cell_area_m2: float | None = Field(None, gt=0, description="short form: active cell area on one body face")
    cell_faces: list[Face] = Field(default_factory=list)
    cell_efficiency: float = Field(..., gt=0, lt=1, description="of every panel that names none")
    panels: list[Panel] = Field(default_factory=list)
    charge_voltage_v: float | None = Field(None, gt=0, le=50, description="CV set point of the pack; "
                                           "4.18 V a cell when absent")
    charge_min_temperature_c: float = Field(0.0, ge=-40, le=40, description="no charging below this battery temperature")
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

    @model_validator(mode="after")
    def _one_form(self) -> Power:
        if self.panels and (self.cell_faces or self.cell_area_m2 is not None):
            raise ValueError("give either panels or cell_area_m2 with cell_faces, not both")
        if not self.panels and (self.cell_area_m2 is None or not self.cell_faces):
            raise ValueError("give panels, or cell_area_m2 with cell_faces")
        return self

    def solar_panels(self) -> list[Panel]:
        """Every panel, the short form expanded, each with its efficiency."""
        panels = self.panels or [Panel(face=f, area_m2=self.cell_area_m2) for f in self.cell_faces]
        return [p if p.efficiency is not None else p.model_copy(update={"efficiency": self.cell_efficiency})
                for p in panels]

    def panel_area_efficiency_sum(self) -> float:
        """Sum of area x efficiency over all panels, m^2."""
        return sum(p.area_m2 * p.efficiency for p in self.solar_panels())


class Appendage(Section):
    """A deployed appendage outside the box: an antenna (a tape or a rod), one arm or two.

    Each arm is rooted at the centre of ``face`` and extends ``length_m`` along ``direction``
    (a two-arm dipole also along its opposite). It adds to the drag and radiation-pressure area
    (tumbling mean projection: a quarter of its surface, i.e. L w / 2 for a thin tape, pi d L / 4
    for a rod) and to the inertia (a thin rod of its mass per arm); its mass is part of the
    spacecraft's ``mass_kg``. Shadowing by the body is neglected.
    """

    name: str = Field(..., min_length=1)
    kind: Literal["tape", "rod"] = Field("tape", description="tape: a flat strip (a measuring-tape "
                                         "antenna); rod: a round wire or whip")
    arms: Literal[1, 2] = Field(1, description="1: a monopole; 2: a dipole, arms in opposite directions")
    length_m: float = Field(..., gt=0, le=5, description="length of one arm")
    width_m: float = Field(..., gt=0, le=0.1, description="tape width, or rod diameter")
    mass_kg: float = Field(0.0, ge=0, le=5, description="all arms together")
    face: Face = Field(..., description="the body face the arms are rooted on (at its centre)")
    direction: Face = Field(..., description="the direction the (first) arm extends along")

    @model_validator(mode="after")
    def _points_out(self) -> Appendage:
        if self.direction[1] == self.face[1] and self.direction != self.face:
            raise ValueError(f"appendage {self.name!r} would point into the body ({self.face} face, "
                             f"direction {self.direction})")
        if self.arms == 2 and self.direction[1] == self.face[1]:
            raise ValueError(f"appendage {self.name!r}: a dipole's arms lie along the face, not "
                             "across it")
        return self

    @property
    def mean_projected_area_m2(self) -> float:
        """Tumbling mean projected area of all arms: a quarter of their surface (convex bodies)."""
        if self.kind == "tape":
            surface = 2.0 * self.length_m * self.width_m
        else:
            surface = math.pi * self.width_m * self.length_m + math.pi * self.width_m**2 / 2.0
        return self.arms * surface / 4.0


class Spacecraft(Section):
    name: str
    norad_id: int = Field(0, ge=0, le=999_999)
    mass_kg: float = Field(..., gt=0, le=50)
    size_m: tuple[float, float, float] = Field(..., description="x, y, z edge lengths")
    drag_coefficient: float = Field(2.2, gt=0, le=5)
    drag_model: Literal["sentman", "fixed"] = Field(
        "sentman", description="drag coefficient the twin flies and lifetime predicts: sentman "
        "(free-molecular per face from the air's composition and temperature, Pilinski "
        "accommodation) or fixed (drag_coefficient)")
    camera: Camera = Camera()
    radio: Radio
    power: Power | None = Field(None, description="required unless the mission is receive_only")
    adcs: Adcs = Adcs()
    thermal: Thermal = Thermal()
    appendages: list[Appendage] = Field(
        default_factory=list, description="deployed antennas and booms ([[spacecraft.appendages]])")

    @field_validator("size_m")
    @classmethod
    def _positive_size(cls, size: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(edge <= 0 or edge > 2 for edge in size):
            raise ValueError("edge lengths must be between 0 and 2 m")
        return size

    @model_validator(mode="after")
    def _panels_fit(self) -> Spacecraft:
        x, y, z = self.size_m
        face_area = {"X": y * z, "Y": x * z, "Z": x * y}
        on_face: dict[str, float] = {}
        for panel in self.power.solar_panels() if self.power is not None else ():
            if panel.kind == "body":
                on_face[panel.face] = on_face.get(panel.face, 0.0) + panel.area_m2
        over = [f"{face} ({area * 1e4:.0f} cm^2 > {face_area[face[1]] * 1e4:.0f} cm^2)"
                for face, area in on_face.items() if area > face_area[face[1]] * (1 + 1e-9)]
        if over:
            raise ValueError("body-mounted cells larger than their face: " + ", ".join(over))
        if sum(a.mass_kg for a in self.appendages) >= self.mass_kg:
            raise ValueError("the appendages' mass must be less than the spacecraft's mass_kg")
        return self

    @property
    def mean_cross_section_m2(self) -> float:
        """Mean projected area of a randomly tumbling body: a quarter of the box's surface plus
        half the area of each deployable panel (a thin plate's mean projection) plus the
        appendages' (``appendage_area_m2``)."""
        x, y, z = self.size_m
        panels = self.power.panels if self.power is not None else []
        wings = sum(p.area_m2 for p in panels if p.kind == "deployable")
        return (x * y + y * z + z * x) / 2.0 + wings / 2.0 + self.appendage_area_m2

    @property
    def appendage_area_m2(self) -> float:
        """The appendages' tumbling mean projected area, m^2."""
        return sum(a.mean_projected_area_m2 for a in self.appendages)


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


def read_element_lines(text: str, norad_id: int = 0, origin: str = "") -> tuple[str, str]:
    """The two lines of the one element set in a TLE text (2- or 3-line format); with several,
    the one of catalogue number norad_id. ValueError with a one-line reason."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    pairs = [(a, b) for a, b in zip(lines, lines[1:], strict=False) if a.startswith("1 ") and b.startswith("2 ")]
    where = f"{origin}: " if origin else ""
    if not pairs:
        raise ValueError(f"{where}no two-line element set (lines starting '1 ' and '2 ')")
    if len(pairs) > 1:
        mine = [p for p in pairs if p[0][2:7].strip().lstrip("0") == str(norad_id).lstrip("0")]
        if len(mine) != 1:
            raise ValueError(f"{where}{len(pairs)} element sets and {len(mine)} with the spacecraft's "
                             f"norad_id {norad_id}: give a file with one")
        pairs = mine
    return pairs[0]


def read_omm_lines(path: str) -> tuple[str, str]:
    """An OMM file (CCSDS XML or CelesTrak CSV) as TLE lines, through python-sgp4's own OMM
    reader and exporter (the element set the rest of the system reads is a TLE)."""
    from sgp4 import exporter, omm
    from sgp4.api import Satrec

    with open(path, encoding="utf-8") as f:
        records = list(omm.parse_xml(f) if path.lower().endswith(".xml") else omm.parse_csv(f))
    if len(records) != 1:
        raise ValueError(f"{path}: {len(records)} OMM records, give a file with one")
    sat = Satrec()
    omm.initialize(sat, records[0])
    return exporter.export_tle(sat)


class Orbit(Section):
    """The spacecraft already in orbit, from an element set: inline TLE lines, a TLE file or an
    OMM file (paths relative to the mission file). The run starts at ``start`` (the element
    set's epoch when absent) from that orbit; without ``deployment_phase`` there is no RF
    silence after the start (the [deployment] form's ejection rules do not apply)."""

    tle: tuple[str, str] | None = None
    tle_file: str | None = None
    omm_file: str | None = None
    start: datetime | None = None
    deployment_phase: bool = False

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time in UTC with a Z, e.g. 2026-03-01T00:00:00Z")
        return None if value is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _one_source(self) -> Orbit:
        given = [k for k in ("tle", "tle_file", "omm_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give one of tle, tle_file or omm_file"
                             + (f" (not {' and '.join(given)})" if given else ""))
        return self

    def element_lines(self, norad_id: int = 0) -> tuple[str, str]:
        """The element set's two lines; ValueError with a one-line reason."""
        if self.tle is not None:
            return self.tle
        path = self.tle_file or self.omm_file
        try:
            if self.omm_file is not None:
                return read_omm_lines(path)
            with open(path, encoding="utf-8") as f:
                return read_element_lines(f.read(), norad_id, path)
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (KeyError, ValueError, IndexError) as exc:
            if isinstance(exc, ValueError) and str(exc).startswith(path):
                raise
            raise ValueError(f"{path}: not a usable element set ({exc})") from None


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
    modulation: Literal["AFSK1200", "FSK9600", "FSK4800"] = "AFSK1200"
    ejection_delay_s: float = Field(0.0, ge=0, le=86400, description="after the main spacecraft's ejection")
    ejection_speed_m_s: float | None = Field(None, ge=0, le=10)

    @model_validator(mode="before")
    @classmethod
    def _mode(cls, values: Any) -> Any:
        return _fits_modulation(values, "companion")

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


class FlightSoftwareSection(Section):
    """Which parts of the reference flight software fly, and the mission's own components."""

    components: list[str] | None = Field(
        None, description="the reference components that fly (picodragon.fsw.topology."
        "REFERENCE_COMPONENTS); all of them when absent")
    extra_components: list[str] = Field(
        default_factory=list,
        description="the mission's own components, each 'FILE.py:ClassName' (relative to the file "
        "that names it) or 'package.module:ClassName'")

    @field_validator("extra_components")
    @classmethod
    def _references(cls, refs: list[str]) -> list[str]:
        bad = [r for r in refs if r.count(":") != 1 or not all(r.split(":"))]
        if bad:
            raise ValueError(f"give each component as 'FILE.py:ClassName' or 'module:ClassName', not {bad[0]!r}")
        return refs


class Receive(Section):
    """How the ground hears and decodes a satellite's downlink (receive-only missions above all).

    ``mode`` is the modem (``picodragon modem demod --mode``); ``kaitai`` names the
    satnogs-decoders struct that decodes its whole frames (``quetzal1``), and ``packet`` the
    dictionary packet its fields are archived as (made once by
    ``picodragon.ground.kaitai.packet_from_sample``).
    """

    mode: Literal["afsk1200", "g3ruh9600", "g3ruh4800"] = "afsk1200"
    kaitai: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,63}$",
                               description="satnogs-decoders struct name")
    packet: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9_]*$",
                               description="the dictionary packet the struct's fields fill")

    @model_validator(mode="after")
    def _both_or_neither(self) -> Receive:
        if (self.kaitai is None) != (self.packet is None):
            raise ValueError("give kaitai and packet together")
        return self


class Uncertainty(Section):
    """The ranges of the mission's own uncertain inputs that ``picodragon lifetime --uncertainty``
    draws from (uniform between the two values, each from a quoted source). An input left out
    is held at its nominal value, and the report says so; the inputs that are not the mission's
    (drag coefficient, density-model bias, atmosphere model) take ranges from the literature
    (``picodragon.mission.lifetime_uncertainty``)."""

    mass_kg: tuple[float, float] | None = Field(
        None, description="the lowest and highest quoted mass, kg; absent: held at spacecraft.mass_kg")
    ejection_speed_m_s: tuple[float, float] | None = Field(
        None, description="the deployer's quoted range of ejection speeds, m/s; absent: held at "
        "deployment.ejection_speed_m_s")
    appendage_length_factor: tuple[float, float] | None = Field(
        None, description="range of a factor on every appendage's length_m (for sizes never "
        "published); absent: held at 1")
    appendage_width_factor: tuple[float, float] | None = Field(
        None, description="range of a factor on every appendage's width_m; absent: held at 1")

    @field_validator("mass_kg", "ejection_speed_m_s", "appendage_length_factor", "appendage_width_factor")
    @classmethod
    def _ordered(cls, pair: tuple[float, float] | None) -> tuple[float, float] | None:
        if pair is not None and not 0 <= pair[0] <= pair[1] <= 50:
            raise ValueError("give [low, high] with 0 <= low <= high <= 50")
        return pair


class Scenario(Section):
    name: str = Field(..., min_length=1, description="the scenario's name, shown in reports and "
                      "accepted by --scenario for a packaged mission")
    default: bool = Field(False, description="a packaged mission's mission.toml only: the mission "
                          "every verb uses when none is given")
    flight_software: FlightSoftwareSection = Field(
        default_factory=FlightSoftwareSection, description="the flight software's components")
    description: str = ""
    duration_days: float = Field(2.0, gt=0, le=3650)
    seed: int = 0
    spacecraft: Spacecraft
    deployment: Deployment | None = Field(None, description="carrier TLE and ejection (or give [orbit])")
    orbit: Orbit | None = Field(None, description="an element set to start from (or give [deployment])")
    stations: list[Station] = Field(..., min_length=1)
    faults: list[Fault] = Field(default_factory=list)
    companions: list[Companion] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list, description="where the operators image")
    dictionary: str | None = Field(
        None, description="the mission's dictionary file (TOML, YAML or XTCE), relative to the "
        "file that names it; the core dictionary when absent")

    receive_only: bool = Field(
        False, description="a satellite the team hears but does not fly or command: no twin, no "
        "flight software, no uplink ([spacecraft.power] may be left out; `run` refuses it)")
    receive: Receive | None = Field(None, description="how its downlink is received and decoded")
    uncertainty: Uncertainty = Field(
        default_factory=Uncertainty, description="ranges of the mission's uncertain inputs for "
        "`picodragon lifetime --uncertainty`")

    @model_validator(mode="after")
    def _power_unless_receive_only(self) -> Scenario:
        if self.spacecraft.power is None and not self.receive_only:
            raise ValueError("spacecraft.power: give [spacecraft.power] (or receive_only = true "
                             "for a satellite the team only listens to)")
        return self

    @model_validator(mode="after")
    def _orbit_source(self) -> Scenario:
        """Exactly one of [deployment] and [orbit]; an [orbit] becomes the deployment the twin
        starts from: its element set as the 'carrier', no ejection, at its start."""
        if self.orbit is None:
            if self.deployment is None:
                raise ValueError("give [deployment] (carrier TLE and ejection) or [orbit] (an element set)")
            return self
        lines = self.orbit.element_lines(self.spacecraft.norad_id)
        if self.deployment is not None and tuple(self.deployment.carrier_tle) != tuple(lines):
            raise ValueError("give [deployment] or [orbit], not both")
        from picodragon.elements import ElementSet, ElementSetError

        try:
            epoch = ElementSet.from_lines(*lines).epoch
        except ElementSetError as exc:
            raise ValueError(f"orbit: {exc}") from None
        start = self.orbit.start or epoch
        object.__setattr__(self, "deployment", Deployment(
            carrier_tle=lines, ejection_time=start, ejection_speed_m_s=0.0))
        if not self.orbit.deployment_phase:
            radio = self.spacecraft.radio.model_copy(update={"rf_silence_after_ejection_s": 0.0})
            object.__setattr__(self, "spacecraft", self.spacecraft.model_copy(update={"radio": radio}))
        return self

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
