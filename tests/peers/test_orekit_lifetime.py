"""Orekit as a peer for the orbital lifetime (issue 15): same ejected state, same forces.

bench/peers/orekit_lifetime.py sets Orekit 13 up offline (orekit-jpype, a JVM, a data folder
built from installed packages) and runs the prediction picodragon makes. Here: the two read
the same space weather and the same NRLMSISE-00 densities, and their lifetimes agree within
1 %. The lifetime case is the shorter of the two the bench runs (density x 1.362, about 94
days): a few seconds for picodragon, a few minutes for Orekit. Skipped without orekit-jpype
or a Java runtime; failing then under PICODRAGON_REQUIRE_PEERS=1.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require_service

pytestmark = pytest.mark.peers

PEER = Path(__file__).parents[2] / "bench" / "peers" / "orekit_lifetime.py"
SCALE = 1.362
"""The density factor of the lifetime case (the bench runs it beside k = 1)."""


@pytest.fixture(scope="module")
def orekit():
    """The peer module with the JVM started and the data folder loaded."""
    spec = importlib.util.spec_from_file_location("orekit_lifetime_peer", PEER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.start()
    except module.OrekitUnavailable as exc:
        require_service(str(exc))
    return module


@pytest.fixture(scope="module")
def scenario():
    from picodragon.config import load_scenario

    return load_scenario()


def test_data_folder_is_built_offline_and_read(orekit, tmp_path):
    folder = orekit.build_data(tmp_path / "orekit-data")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["SpaceWeather-All-v1.2.txt", "finals2000A.all", "picodragon-j2j4.gfc", "tai-utc.dat"]
    assert orekit.build_data(folder) == folder  # idempotent
    from org.orekit.time import AbsoluteDate, TimeScalesFactory

    utc = TimeScalesFactory.getUTC()
    tai = TimeScalesFactory.getTAI()
    # TAI - UTC from the leap-second table we wrote: 35 s in late 2013, 37 s since 2017
    for iso, offset in (("2013-11-19T12:00:00", 35.0), ("2020-01-01T00:00:00", 37.0)):
        date = AbsoluteDate(iso, utc)
        assert tai.offsetFromTAI(date).toDouble() - utc.offsetFromTAI(date).toDouble() == pytest.approx(offset)


def test_same_space_weather_and_density(orekit, scenario):
    from java.io import File
    from org.hipparchus.geometry.euclidean.threed import Vector3D
    from org.orekit.bodies import AnalyticalSolarPositionProvider, OneAxisEllipsoid
    from org.orekit.data import DataSource
    from org.orekit.frames import FramesFactory
    from org.orekit.models.earth.atmosphere import NRLMSISE00
    from org.orekit.models.earth.atmosphere.data import CssiSpaceWeatherData
    from org.orekit.utils import IERSConventions

    from picodragon.physics.atmosphere import density
    from picodragon.physics.constants import F_EARTH, R_EARTH
    from picodragon.physics.decay import propagator_for
    from picodragon.physics.orbit import geodetic
    from picodragon.physics.solar_activity import load_space_weather
    from picodragon.physics.timebase import teme_to_ecef

    weather = CssiSpaceWeatherData(DataSource(File(str(orekit.data_folder() / orekit.SPACE_WEATHER))))
    prop = propagator_for(scenario, atmosphere="nrlmsise00")
    t = prop.t[0] + np.linspace(0.0, 2 * 86400.0, 25)
    f107, f107a, ap = load_space_weather().msis_inputs(t)
    for k, tk in enumerate(t):
        date = orekit._date(float(tk))
        assert weather.getDailyFlux(date) == pytest.approx(f107[k])
        assert weather.getAverageFlux(date) == pytest.approx(f107a[k])
        assert weather.getAp(date)[0] == pytest.approx(ap[k])
    # NRLMSISE-00 along the path, Orekit's (mean local solar time) against pymsis's
    r, _ = prop.states(t)
    itrf = FramesFactory.getITRF(IERSConventions.IERS_2010, True)
    teme = FramesFactory.getTEME()
    atmosphere = NRLMSISE00(weather, AnalyticalSolarPositionProvider(), OneAxisEllipsoid(R_EARTH, F_EARTH, itrf))
    atmosphere = atmosphere.withLocalSolarTimeMode(NRLMSISE00.LocalSolarTimeMode.MEAN)
    theirs = np.array([atmosphere.getDensity(orekit._date(float(tk)), Vector3D(*map(float, rk)), teme)
                       for tk, rk in zip(t, r, strict=True)])
    lat, lon, alt = geodetic(teme_to_ecef(r, None, t)[0])
    ours = density(t, lat, lon, alt, model="nrlmsise00")
    assert np.all(np.abs(theirs / ours - 1.0) < 1e-3)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_lifetime_agrees_with_orekit_within_one_percent(orekit, scenario):
    from picodragon.physics.decay import predict_lifetime

    ours = predict_lifetime(scenario, atmosphere="nrlmsise00", density_scale=SCALE, cd_model="fixed")
    theirs = orekit.orekit_lifetime(scenario, density_scale=SCALE, max_days=400.0)
    assert ours["reentry"] is not None and theirs["days"] is not None
    # the same inputs went in
    assert theirs["mass_kg"] == ours["inputs"]["mass_kg"]
    assert theirs["drag_coefficient"] == ours["inputs"]["drag_coefficient"]
    assert theirs["drag_area_m2"] == ours["inputs"]["drag_area_m2"]
    assert theirs["start"] == ours["start"]
    assert abs(ours["days"] - theirs["days"]) < 0.01 * theirs["days"]
