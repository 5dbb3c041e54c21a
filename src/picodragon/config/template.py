"""``picodragon new``: a ready mission folder from a template, which runs at once.

A team starts its own satellite here: a 1U or 3U bus (typical values of each, every one named
an assumption in the file), its callsigns, its ground station, its radio's bit rate, and its
orbit (a TLE file it gives, or a deployment from an ISS-like orbit). The folder holds

- ``mission.toml``: the scenario, every field commented (docs/missions.md is the reference);
- ``dictionary.toml``: the core dictionary extended by one example packet, command and event of
  the mission's own, with alarm limits for the core housekeeping;
- ``experiment.py``: the flight software component that handles the example command and sends
  the example packet (``[flight_software] extra_components``), the place for the team's own code;
- ``orbit.tle`` when a TLE file was given; ``README.md``: what to do next.

Everything is checked before anything is written: the mission is rendered into a scratch folder
beside the target and loaded there as ``picodragon run`` would load it; only a mission that
loads is moved into place. Errors are ConfigError, one line.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from picodragon.config.loader import ConfigError

SIZES = ("1U", "3U")
BIT_RATES = (1200, 9600)
CALLSIGN = re.compile(r"^[A-Z0-9]{1,6}$")

DEFAULT_GROUND_CALLSIGN = "N0CALL"
"""The placeholder callsign of amateur radio software: replace it with the station's licence."""

DEFAULT_STATION = ("Delft", 51.9990, 4.3733, 0.0)
"""A ground station when none is given: a university campus in the Netherlands (example only)."""

ISS_LIKE_TLE = (
    "1 25544U 98067A   26305.50000000  .00016717  00000-0  29656-3 0  9994",
    "2 25544  51.6400 120.0000 0004500  90.0000 270.0000 15.50000000 12349",
)
"""An illustrative element set of an ISS-like orbit (51.64 deg, about 420 km, epoch 2026-11-01
12:00 UTC), checksummed but not a published one: replace it with the carrier's real TLE for the
week of the deployment. Its checksums are recomputed by :func:`tle_checksum` in the tests."""

DEPLOYMENT_TIME = "2026-11-02T10:00:00Z"
"""When the template's spacecraft leaves its deployer (a day after the element set's epoch)."""


def tle_checksum(line: str) -> int:
    """The modulo-10 checksum of a TLE line's first 68 characters (digits, and 1 for each '-')."""
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


@dataclass(frozen=True)
class Bus:
    """What differs between the template's two sizes (typical values, named assumptions)."""

    size_m: tuple[float, float, float]
    mass_kg: float
    panels: tuple[tuple[str, float], ...]
    battery_capacity_wh: float
    base_load_w: float
    transmit_load_w: float
    downlink_power_w: float
    camera_px: tuple[int, int]
    camera_fov_deg: float


BUSES = {
    "1U": Bus((0.10, 0.10, 0.1135), 1.0,
              (("+X", 0.006036), ("-X", 0.006036), ("+Y", 0.006036), ("-Y", 0.006036), ("+Z", 0.006036)),
              19.2, 0.5, 2.5, 0.8, (640, 480), 60.0),
    "3U": Bus((0.10, 0.10, 0.3405), 4.0,
              (("+X", 0.0241), ("-X", 0.0241), ("+Y", 0.0241), ("-Y", 0.0241), ("+Z", 0.006036)),
              38.5, 1.5, 4.0, 1.0, (1024, 768), 30.0),
}


def parse_station_text(text: str) -> tuple[str, float, float, float]:
    """``NAME,LAT,LON[,ALT_M]`` to its four values; ConfigError naming what is wrong."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (3, 4) or not parts[0]:
        raise ConfigError(f"--station: give NAME,LAT,LON[,ALT_M] (got '{text}')")
    try:
        numbers = [float(p) for p in parts[1:]]
    except ValueError:
        raise ConfigError(f"--station: LAT, LON and ALT_M must be numbers (got '{text}')") from None
    lat, lon = numbers[0], numbers[1]
    alt = numbers[2] if len(numbers) == 3 else 0.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 360 and -500 <= alt <= 9000):
        raise ConfigError(f"--station: latitude in [-90, 90], longitude in [-180, 360], altitude in "
                          f"[-500, 9000] m (got '{text}')")
    if any(c in parts[0] for c in '"\\\n'):
        raise ConfigError("--station: the name may not hold quotes, backslashes or line breaks")
    return parts[0], lat, lon, alt


def default_callsign(name: str) -> str:
    """A spacecraft callsign from the mission's name: its first six letters and digits."""
    letters = "".join(c for c in name.upper() if c.isascii() and c.isalnum())[:6]
    return letters or "NOSAT"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _orbit_toml(tle_lines: tuple[str, str] | None, norad_id: int) -> str:
    if tle_lines is not None:
        return f"""# Where the spacecraft flies: from its own element set (orbit.tle, {norad_id and f"NORAD {norad_id}" or "as given"}).
# tle_file / omm_file are relative to this file; `tle = [line1, line2]` puts the lines inline.
# The run starts at the element set's epoch unless `start` says otherwise (ISO 8601 UTC, Z).
[orbit]
tle_file = "orbit.tle"
# start = 2026-11-02T00:00:00Z
deployment_phase = false      # true: keep the RF silence and antenna deployment after the start
"""
    line1, line2 = ISS_LIKE_TLE
    return f"""# Where the spacecraft flies: ejected from a carrier (here an ISS-like orbit). carrier_tle is the
# carrier's element set of that week; the ejection adds a small kick in the orbital plane.
# To start from the spacecraft's own element set instead, replace this section with
# [orbit] tle_file = "orbit.tle" (`picodragon new --tle FILE` writes it that way).
[deployment]
carrier_tle = [
  "{line1}",   # illustrative, not published:
  "{line2}",   # replace with the carrier's real TLE
]
ejection_time = {DEPLOYMENT_TIME}   # ISO 8601 UTC with a Z
ejection_speed_m_s = 1.1                # deployer spring, m/s
ejection_aft_of_nadir_deg = 45.0        # direction of the kick, in plane, from nadir towards -velocity
assumed = ["carrier_tle", "ejection_time", "ejection_speed_m_s"]
"""


def render_mission(name: str, size: str = "1U", callsign: str | None = None,
                   ground_callsign: str = DEFAULT_GROUND_CALLSIGN,
                   station: tuple[str, float, float, float] = DEFAULT_STATION,
                   bit_rate: int = 1200, tle_lines: tuple[str, str] | None = None,
                   norad_id: int = 0) -> dict[str, str]:
    """The files of a new mission folder, name -> text (``orbit.tle`` not among them)."""
    if size not in SIZES:
        raise ConfigError(f"--size must be one of {', '.join(SIZES)} (got '{size}')")
    if bit_rate not in BIT_RATES:
        raise ConfigError(f"--bit-rate must be one of {', '.join(map(str, BIT_RATES))} (got {bit_rate})")
    callsign = (callsign or default_callsign(name)).upper()
    for option, value in (("--callsign", callsign), ("--ground-callsign", ground_callsign)):
        if not CALLSIGN.match(value):
            raise ConfigError(f"{option}: 1 to 6 letters and digits, no SSID (got '{value}')")
    bus = BUSES[size]
    modulation = "AFSK1200" if bit_rate == 1200 else "FSK9600"
    st_name, lat, lon, alt = station
    panels = "\n".join(f'  {{ face = "{face}", area_m2 = {area} }},' for face, area in bus.panels)
    width, height = bus.camera_px
    size_text = ", ".join(f"{edge:g}" for edge in bus.size_m)
    mission = f"""# {name}: a {size} CubeSat mission, written by `picodragon new`.
# Every field is described in docs/missions.md. Units are SI unless the name says otherwise
# (_deg, _km, _hz, _db ...). Each section's `assumed` list names the fields that are engineering
# assumptions rather than facts of your hardware: replace them as you learn the real values.
# Check it with `picodragon check --mission {name}/`, run it with `picodragon run --mission {name}/`.

name = {_toml_string(name)}                 # the scenario's name, in reports
description = {_toml_string(f"{name}: a {size} CubeSat, station {st_name}")}
duration_days = 2.0           # what `run` simulates without --days
seed = 1                      # random seed: the same seed gives the same run
dictionary = "dictionary.toml"   # packets, commands and events (TOML, YAML or XTCE .xml)

[spacecraft]
name = {_toml_string(name.upper())}
norad_id = {norad_id}                  # catalogue number (0: not yet catalogued)
mass_kg = {bus.mass_kg}
size_m = [{size_text}]     # x, y, z edge lengths, m
drag_coefficient = 2.2        # free-molecular flow over a box
assumed = ["mass_kg", "drag_coefficient"]

[spacecraft.camera]
width_px = {width}
height_px = {height}
horizontal_fov_deg = {bus.camera_fov_deg}
mounting_face = "-Z"          # the face the lens looks out of
jpeg_quality = 75
assumed = ["width_px", "height_px", "horizontal_fov_deg", "mounting_face"]

[spacecraft.radio]
callsign = "{callsign}"              # the spacecraft's AX.25 callsign
ssid = 0
ground_callsign = "{ground_callsign}"       # your station's callsign: the only uplink source accepted
downlink_frequency_hz = 436.500e6      # placeholder: coordinate yours with the IARU
downlink_power_w = {bus.downlink_power_w}
bit_rate = {float(bit_rate)}
modulation = "{modulation}"
beacon_frequency_hz = 436.500e6
# beacon_text = "..."                  # CW beacon text; the spacecraft's name when absent
uplink_frequency_hz = 145.850e6
antenna_gain_dbi = 0.0                 # a deployable dipole, roughly isotropic
line_loss_db = 1.0
telemetry_beacon_interval_s = 30.0
rf_silence_after_ejection_s = 1800.0   # deployer rule: no RF for 30 minutes after ejection
assumed = ["downlink_frequency_hz", "beacon_frequency_hz", "uplink_frequency_hz", "antenna_gain_dbi",
           "line_loss_db"]

[spacecraft.power]
panels = [                    # body-mounted cells per face (kind = "deployable" for wings)
{panels}
]
cell_efficiency = 0.28        # triple-junction GaAs, beginning of life
battery_capacity_wh = {bus.battery_capacity_wh}
battery_initial_soc = 0.9
charge_efficiency = 0.9
base_load_w = {bus.base_load_w}              # on-board computer, receiver, sensors
transmit_load_w = {bus.transmit_load_w}          # extra while the transmitter keys
camera_load_w = 0.5
assumed = ["panels", "cell_efficiency", "battery_capacity_wh", "battery_initial_soc",
           "charge_efficiency", "base_load_w", "transmit_load_w", "camera_load_w"]

# [spacecraft.adcs] and [spacecraft.thermal] take typical 1U values when absent (docs/missions.md).

[flight_software]
# components = [...]          # the reference components that fly; all of them when absent
extra_components = ["experiment.py:Experiment"]   # your own, FILE.py:ClassName beside this file

{_orbit_toml(tle_lines, norad_id)}
[[stations]]
name = {_toml_string(st_name)}
latitude_deg = {lat}
longitude_deg = {lon}
altitude_m = {alt}
min_elevation_deg = 5.0       # the horizon mask
antenna_gain_dbi = 14.0       # UHF cross-Yagi
system_noise_temperature_k = 500.0
line_loss_db = 2.0
uplink_power_w = 50.0
assumed = ["min_elevation_deg", "antenna_gain_dbi", "system_noise_temperature_k", "line_loss_db",
           "uplink_power_w"]

# Where the operators image (a circle, or box_deg = [lat_min, lat_max, lon_min, lon_max]).
[[targets]]
name = {_toml_string(st_name)}
latitude_deg = {lat}
longitude_deg = {lon}
radius_km = 800.0
min_sun_elevation_deg = 20.0
"""
    dictionary = f"""# {name}'s dictionary: the core dictionary of the reference flight software (housekeeping,
# events, command responses, files, time tags) and this mission's own items. APIDs, opcodes and
# event ids are the wire identity of each item: never reuse or renumber one that has flown.
# docs/missions.md describes every key; `picodragon check --mission FOLDER/` lists what it holds.

name = {_toml_string(name)}
extends = "core"

[[packets]]
name = "EXPERIMENT"
apid = 0x100
description = "The experiment's status, sent by experiment.py at the housekeeping rate"
fields = [
  {{ name = "samples", type = "u32", unit = "count", description = "samples taken since boot" }},
  {{ name = "period_s", type = "u16", unit = "s", description = "seconds between samples" }},
  {{ name = "battery_voltage_v", type = "u16", unit = "V", scale = 0.001, description = "bus voltage at the sample", limits = {{ warning_low = 6.6, critical_low = 6.2 }} }},
]

[[commands]]
name = "SET_EXPERIMENT_PERIOD"
opcode = 0x0100
description = "How often the experiment samples"
arguments = [
  {{ name = "period_s", type = "u16", unit = "s", min = 10, max = 3600, description = "seconds between samples" }},
]

[[events]]
name = "EXPERIMENT_PERIOD_SET"
id = 100
severity = "INFO"
message = "experiment period now {{arg0}} s"

# The alarm limits of your hardware on the core's housekeeping (a 2-cell Li-ion pack here).
[limits.HOUSEKEEPING]
battery_voltage_v = {{ warning_low = 6.6, warning_high = 8.4, critical_low = 6.2, critical_high = 8.6 }}
battery_soc_pct = {{ warning_low = 30.0, critical_low = 15.0 }}
"""
    experiment = f'''"""{name}'s own flight software component: the example experiment.

It handles SET_EXPERIMENT_PERIOD and sends an EXPERIMENT packet every ``period_s`` seconds
(checked at the housekeeping rate), both declared in dictionary.toml. mission.toml names it in
``[flight_software] extra_components``; docs/fsw.md ("Your own component") tells what a
component may use. Replace the sample with your payload's readings.
"""

from picodragon.dictionary.packets import pack_telemetry
from picodragon.fsw.scheduler import Component, Port


class Experiment(Component):
    """Counts samples and reports them with the bus voltage."""

    name = "experiment"
    component_id = 40
    commands = {{"SET_EXPERIMENT_PERIOD": "set_period"}}
    rate_groups = {{"housekeeping": "tick"}}

    def __init__(self, context) -> None:
        super().__init__()
        self.hal = context.hal
        self.packet = context.dictionary.packet("EXPERIMENT")
        self.sequencer = context.sequencer
        self.packets_out: Port[bytes] = Port("experiment.packets_out")
        self.period_s = 60
        self.samples = 0
        self.last_sample = None

    def set_period(self, now: float, arguments: dict[str, float]) -> int:
        """SET_EXPERIMENT_PERIOD: a new sampling period, reported as an event."""
        self.period_s = int(arguments["period_s"])
        self.emit(now, "EXPERIMENT_PERIOD_SET", self.period_s)
        return 0

    def tick(self, now: float) -> None:
        """Housekeeping rate: sample when the period has passed."""
        if self.last_sample is not None and now - self.last_sample < self.period_s:
            return
        self.last_sample = now
        self.samples += 1
        voltage = self.hal.power.read().battery_voltage_v
        values = {{"samples": self.samples, "period_s": self.period_s, "battery_voltage_v": voltage}}
        self.packets_out.send(pack_telemetry(self.packet, values, now, self.sequencer.next(self.packet.apid)))

    def state(self) -> dict[str, object]:
        return super().state() | {{"samples": self.samples, "period_s": self.period_s}}
'''
    readme = f"""# {name}

A {size} CubeSat mission for picodragon, written by `picodragon new`.

| file | what it holds |
|---|---|
| `mission.toml` | spacecraft, radio, power, orbit, ground station, targets (every field commented) |
| `dictionary.toml` | the core dictionary plus this mission's packet, command and event |
| `experiment.py` | the flight software component that sends EXPERIMENT and handles SET_EXPERIMENT_PERIOD |
{"| `orbit.tle` | the element set the orbit starts from |" if tle_lines else ""}

Next steps:

    picodragon check --mission {name}/            # what the mission defines, or what is wrong
    picodragon run --mission {name}/ --days 1     # fly it: archive, report
    picodragon serve --db picodragon.sqlite --mission {name}/   # its mission control
    picodragon xtce --mission {name}/ --out {name}.xml          # its dictionary for Yamcs or COSMOS

Replace each value listed in an `assumed` list with your hardware's as you learn it.
docs/missions.md, in the picodragon sources, is the reference of every field.
"""
    return {"mission.toml": mission, "dictionary.toml": dictionary, "experiment.py": experiment,
            "README.md": readme}


def read_tle(path: Path) -> tuple[tuple[str, str], str, int]:
    """The one element set of a TLE file: (lines, the file's text, its catalogue number)."""
    from picodragon.elements import ElementSetError, read_tle_file

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--tle: cannot read {path}: {exc}") from None
    try:
        sets = read_tle_file(text)
    except ElementSetError as exc:
        raise ConfigError(f"--tle: {path}: {exc}") from None
    if len(sets) != 1:
        raise ConfigError(f"--tle: {path} holds {len(sets)} element sets: give a file with one")
    es = sets[0]
    return (es.line1, es.line2), f"{es.name or 'SATELLITE'}\n{es.line1}\n{es.line2}\n", int(es.satrec.satnum)


def write_mission(folder: str | Path, *, size: str = "1U", callsign: str | None = None,
                  ground_callsign: str = DEFAULT_GROUND_CALLSIGN, station: str | None = None,
                  bit_rate: int = 1200, tle: str | Path | None = None, force: bool = False) -> list[Path]:
    """Write a ready mission folder (its name is the mission's) and return the files written.

    An existing non-empty folder is refused unless ``force`` (then the template's files are
    replaced and any others left alone). The mission is loaded from a scratch copy first:
    nothing is written unless it loads.
    """
    from picodragon.config.mission import load_mission

    target = Path(folder)
    name = target.resolve().name if str(folder).strip() not in ("", ".") else ""
    if not name or not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", name):
        raise ConfigError(f"mission name '{folder}': 1 to 64 letters, digits, '.', '_' or '-', starting "
                          "with a letter or digit")
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ConfigError(f"{target} exists and is not empty (give --force to write the template's files into it)")
    if not target.parent.is_dir():
        raise ConfigError(f"cannot create {target}: folder {target.parent} does not exist")
    station_values = parse_station_text(station) if station is not None else DEFAULT_STATION
    tle_lines, tle_text, norad_id = (None, "", 0)
    if tle is not None:
        tle_lines, tle_text, norad_id = read_tle(Path(tle))
    files = render_mission(name, size, callsign, ground_callsign, station_values, bit_rate,
                           tle_lines, norad_id)
    if tle_lines is not None:
        files["orbit.tle"] = tle_text
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
    try:
        scratch_mission = scratch / name
        scratch_mission.mkdir()
        for file, text in files.items():
            (scratch_mission / file).write_text(text, encoding="utf-8")
        try:
            load_mission(scratch_mission)
        except ConfigError as exc:  # a template that does not load is our bug, or a bad option
            raise ConfigError(f"the new mission does not load: {exc}") from None
        target.mkdir(exist_ok=True)
        written = []
        for file in files:
            (scratch_mission / file).replace(target / file)
            written.append(target / file)
        return written
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
