"""Basilisk peer for bench/mission.py: a 1U CubeSat like Pico Dragon, offline, at a 1 s step.

What the Basilisk sim holds (one process, one task at 1 s, Basilisk's default RK4 integrator):

- ``spacecraft.Spacecraft``: rigid 6-DOF hub, 1.0 kg, inertia of a uniform 0.10 x 0.10 x
  0.1135 m box, tumbling at a few deg/s; circular orbit at 410 km, 51.6 deg.
- Gravity: Earth as central body with a ``SphericalHarmonicsGravityModel`` of degree 2 whose only
  non-zero coefficient, normalised C20 = -J2/sqrt(5) (J2 = 1.08263e-3), is set in code. No
  GGM03S file is read.
- ``planetEphemeris``: the Sun, from Kepler elements of its apparent geocentric orbit (mean
  elements, equatorial frame, late November) set in code. No SPICE kernel is read.
- ``eclipse``: Earth's shadow on the spacecraft (conical umbra and penumbra) from that Sun and an
  Earth state message written once at the origin.
- ``magneticFieldCenteredDipole``: IGRF-like g10, g11, h11 set in code. No WMM file is read.
  The dipole is fixed in the inertial frame (the Earth message is static).
- Power: five ``simpleSolarPanel`` (the +X, -X, +Y, -Y, +Z faces; 0.006036 m^2 at 28 % each,
  the picodragon scenario's own figures), one constant ``simplePowerSink`` (0.5 W) and a
  ``simpleBattery`` (19.2 Wh, 90 % at the start).
- Two recorders sampling the eclipse factor and the battery charge once a minute, so the run
  can be checked for sense (eclipse fraction, charge).

Nothing here downloads or reads a data file: Basilisk's data fetcher (pooch) is only called by
the SPICE, WMM, GGM and atmosphere helpers, none of which is used.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

STEP_S = 1.0
ALTITUDE_M = 410e3
INCLINATION_DEG = 51.6
MASS_KG = 1.0
BOX_M = (0.10, 0.10, 0.1135)
J2 = 1.08263e-3
EARTH_RADIUS_M = 6378136.3
EARTH_MU = 3.986004418e14
AU_M = 1.495978707e11
OBLIQUITY_DEG = 23.439
SUN_LONGITUDE_DEG = 239.0  # apparent ecliptic longitude of the Sun on 2013-11-21
SUN_PERIGEE_DEG = 282.94  # longitude of the Sun's apparent perigee (Earth's perihelion + 180)
# IGRF-2015-like centred dipole, tesla
G10_T, G11_T, H11_T = -29442e-9, -1501e-9, 4797e-9
PANEL_AREA_M2 = 0.006036
PANEL_EFFICIENCY = 0.28
PANEL_NORMALS = ((1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1))
LOAD_W = 0.5
BATTERY_J = 19.2 * 3600.0
BATTERY_SOC0 = 0.9

MODULES = [
    "spacecraft (6-DOF rigid hub, RK4)",
    "gravityEffector + sphericalHarmonicsGravityModel (J2 set in code)",
    "planetEphemeris (Sun, Kepler elements set in code)",
    "eclipse",
    "magneticFieldCenteredDipole",
    f"simpleSolarPanel x{len(PANEL_NORMALS)}",
    "simplePowerSink",
    "simpleBattery",
    "2 recorders at 60 s",
]


def _box_inertia() -> list[list[float]]:
    x, y, z = BOX_M
    k = MASS_KG / 12.0
    return [[k * (y * y + z * z), 0.0, 0.0], [0.0, k * (x * x + z * z), 0.0], [0.0, 0.0, k * (x * x + y * y)]]


def build(days: float) -> dict[str, Any]:
    """The Basilisk simulation, initialised and ready to execute ``days`` of flight."""
    from Basilisk.architecture import messaging
    from Basilisk.simulation import (
        eclipse,
        gravityEffector,
        magneticFieldCenteredDipole,
        planetEphemeris,
        simpleBattery,
        simplePowerSink,
        simpleSolarPanel,
        spacecraft,
        sphericalHarmonicsGravityModel,
    )
    from Basilisk.utilities import SimulationBaseClass, macros, orbitalMotion

    sim = SimulationBaseClass.SimBaseClass()
    task = "dyn"
    sim.CreateNewProcess("process").addTask(sim.CreateNewTask(task, macros.sec2nano(STEP_S)))

    sc = spacecraft.Spacecraft()
    sc.ModelTag = "picodragon-1u"
    sc.hub.mHub = MASS_KG
    sc.hub.r_BcB_B = [[0.0], [0.0], [0.0]]
    sc.hub.IHubPntBc_B = _box_inertia()
    sim.AddModelToTask(task, sc)

    # Earth, central body, J2 only
    harmonics = sphericalHarmonicsGravityModel.SphericalHarmonicsGravityModel()
    harmonics.muBody = EARTH_MU
    harmonics.radEquator = EARTH_RADIUS_M
    harmonics.maxDeg = 2
    harmonics.cBar = [[1.0], [0.0, 0.0], [-J2 / math.sqrt(5.0), 0.0, 0.0]]
    harmonics.sBar = [[0.0], [0.0, 0.0], [0.0, 0.0, 0.0]]
    earth = gravityEffector.GravBodyData()
    earth.planetName = "earth"
    earth.mu = EARTH_MU
    earth.radEquator = EARTH_RADIUS_M
    earth.isCentralBody = True
    earth.gravityModel = harmonics
    sc.gravField.setGravBodies(gravityEffector.GravBodyVector([earth]))

    oe = orbitalMotion.ClassicElements()
    oe.a = EARTH_RADIUS_M + ALTITUDE_M
    oe.e = 0.0001
    oe.i = math.radians(INCLINATION_DEG)
    oe.Omega = math.radians(48.2)
    oe.omega = math.radians(0.0)
    oe.f = math.radians(0.0)
    r_n, v_n = orbitalMotion.elem2rv(EARTH_MU, oe)
    sc.hub.r_CN_NInit = [[c] for c in r_n]
    sc.hub.v_CN_NInit = [[c] for c in v_n]
    sc.hub.sigma_BNInit = [[0.1], [0.2], [-0.3]]
    sc.hub.omega_BN_BInit = [[0.03], [-0.05], [0.04]]  # rad/s, a post-deployment tumble

    # the Sun: its apparent geocentric Kepler orbit in the equatorial frame
    ephem = planetEphemeris.PlanetEphemeris()
    ephem.ModelTag = "sun-ephemeris"
    ephem.setPlanetNames(planetEphemeris.StringVector(["sun"]))
    sun_oe = planetEphemeris.ClassicElements()
    sun_oe.a = AU_M
    sun_oe.e = 0.0167
    sun_oe.i = math.radians(OBLIQUITY_DEG)
    sun_oe.Omega = 0.0
    sun_oe.omega = math.radians(SUN_PERIGEE_DEG)
    sun_oe.f = math.radians((SUN_LONGITUDE_DEG - SUN_PERIGEE_DEG) % 360.0)
    ephem.planetElements = planetEphemeris.classicElementVector([sun_oe])
    ephem.rightAscension = planetEphemeris.DoubleVector([0.0])
    ephem.declination = planetEphemeris.DoubleVector([math.pi / 2])
    ephem.lst0 = planetEphemeris.DoubleVector([0.0])
    ephem.rotRate = planetEphemeris.DoubleVector([0.0])
    sim.AddModelToTask(task, ephem)
    sun_msg = ephem.planetOutMsgs[0]

    # Earth's state, at the origin, written once
    earth_state = messaging.SpicePlanetStateMsgPayload()
    earth_state.PlanetName = "earth"
    earth_state.PositionVector = [0.0, 0.0, 0.0]
    earth_state.VelocityVector = [0.0, 0.0, 0.0]
    earth_state.J20002Pfix = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    earth_msg = messaging.SpicePlanetStateMsg().write(earth_state)

    shadow = eclipse.Eclipse()
    shadow.ModelTag = "eclipse"
    shadow.sunInMsg.subscribeTo(sun_msg)
    shadow.addPlanetToModel(earth_msg)
    shadow.addSpacecraftToModel(sc.scStateOutMsg)
    sim.AddModelToTask(task, shadow)

    field = magneticFieldCenteredDipole.MagneticFieldCenteredDipole()
    field.ModelTag = "dipole"
    field.g10, field.g11, field.h11 = G10_T, G11_T, H11_T
    field.planetRadius = 6371.2e3
    field.planetPosInMsg.subscribeTo(earth_msg)
    field.addSpacecraftToModel(sc.scStateOutMsg)
    sim.AddModelToTask(task, field)

    battery = simpleBattery.SimpleBattery()
    battery.ModelTag = "battery"
    battery.storageCapacity = BATTERY_J
    battery.storedCharge_Init = BATTERY_SOC0 * BATTERY_J
    panels = []
    for k, normal in enumerate(PANEL_NORMALS):
        panel = simpleSolarPanel.SimpleSolarPanel()
        panel.ModelTag = f"panel{k}"
        panel.setPanelParameters([float(c) for c in normal], PANEL_AREA_M2, PANEL_EFFICIENCY)
        panel.sunInMsg.subscribeTo(sun_msg)
        panel.stateInMsg.subscribeTo(sc.scStateOutMsg)
        panel.sunEclipseInMsg.subscribeTo(shadow.eclipseOutMsgs[0])
        sim.AddModelToTask(task, panel)
        battery.addPowerNodeToModel(panel.nodePowerOutMsg)
        panels.append(panel)
    sink = simplePowerSink.SimplePowerSink()
    sink.ModelTag = "load"
    sink.nodePowerOut = -LOAD_W
    sim.AddModelToTask(task, sink)
    battery.addPowerNodeToModel(sink.nodePowerOutMsg)
    sim.AddModelToTask(task, battery)

    every = macros.sec2nano(60.0)
    eclipse_rec = shadow.eclipseOutMsgs[0].recorder(every)
    battery_rec = battery.batPowerOutMsg.recorder(every)
    sim.AddModelToTask(task, eclipse_rec)
    sim.AddModelToTask(task, battery_rec)

    sim.InitializeSimulation()
    sim.ConfigureStopTime(0)
    sim.ExecuteSimulation()  # the modules' first step, at t = 0, writes their messages
    sun_start = list(ephem.planetOutMsgs[0].read().PositionVector)
    sim.ConfigureStopTime(macros.sec2nano(days * 86400.0))
    return {"sim": sim, "sc": sc, "field": field, "panels": panels, "battery": battery,
            "ephem": ephem, "sun_start": sun_start,
            "eclipse_rec": eclipse_rec, "battery_rec": battery_rec}


def run_basilisk(days: float) -> dict[str, Any]:
    """Build and run the 1U sim for ``days``; wall time covers the execution only, not the build."""
    import numpy as np

    t0 = time.perf_counter()
    parts = build(days)
    build_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    parts["sim"].ExecuteSimulation()
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    state = parts["sc"].scStateOutMsg.read()
    r = float(np.linalg.norm(state.r_BN_N))
    sun0 = np.asarray(parts["sun_start"])
    sun1 = np.asarray(parts["ephem"].planetOutMsgs[0].read().PositionVector)
    sun_deg = math.degrees(math.acos(float(np.dot(sun0, sun1) / np.linalg.norm(sun0) / np.linalg.norm(sun1))))
    shadow = np.asarray(parts["eclipse_rec"].shadowFactor)
    charge = np.asarray(parts["battery_rec"].storageLevel)
    return {
        "wall_s": round(wall_s, 3),
        "build_s": round(build_s, 3),
        "sim_days": days,
        "wall_s_per_day": round(wall_s / days, 3),
        "cpu_s": round(cpu_s, 3),
        "cpu_s_per_day": round(cpu_s / days, 3),
        "step_s": STEP_S,
        "modules": MODULES,
        "check": {
            "sun_distance_au": round(float(np.linalg.norm(sun1)) / AU_M, 4),
            "sun_moved_deg_per_day": round(sun_deg / days, 3),
            "final_altitude_km": round((r - EARTH_RADIUS_M) / 1e3, 2),
            "eclipse_fraction": round(float(np.mean(shadow < 0.5)), 3) if shadow.size else None,
            "battery_soc_final": round(float(charge[-1]) / BATTERY_J, 3) if charge.size else None,
            "battery_soc_min": round(float(charge.min()) / BATTERY_J, 3) if charge.size else None,
        },
    }


def main(argv: list[str] | None = None) -> int:
    import json

    args = sys.argv[1:] if argv is None else argv
    days = float(args[0]) if args else 1.0
    print(json.dumps(run_basilisk(days), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
