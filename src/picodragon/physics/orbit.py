"""Orbits: SGP4 over arrays of times, geodetic coordinates, look angles, and the J-SSOD ejection.

Frames: SGP4 works in TEME (true equator, mean equinox); Earth-fixed coordinates follow the
TEME -> PEF rotation, geodetic coordinates and look angles come from the shared vocabulary
(``picodragon.astro``: ``frames``, ``wgs84``, ``lookangles``), re-exported here where the twin
has always imported them.

The deployed element set
------------------------
A CubeSat leaving the ISS has no element set of its own for a day or two; the first published
TLE is fitted to radar tracks. The twin builds the equivalent directly:

1. propagate the carrier (ISS) TLE with SGP4 to ``deployment.ejection_time``: state (r, v);
2. add the J-SSOD delta-v: in the orbital plane, ``ejection_aft_of_nadir_deg`` (45 deg) from
   nadir towards the anti-velocity side, of ``ejection_speed_m_s`` (JAXA J-SSOD page);
3. fit SGP4 mean elements at epoch = ejection time whose SGP4 state at epoch reproduces the
   ejected state: start from the carrier's mean elements, then repeat "mean += osculating(target)
   - osculating(SGP4(mean))" on the non-singular set (n, e cos w, e sin w, i, RAAN, w + M) until
   the position agrees within a metre (about five iterations). Equivalently: the osculating
   element differences produced by the kick are applied to the mean elements.
4. B* from the CubeSat's own ballistic coefficient: B* = rho0 * Cd * A / m / 2 with
   rho0 = 0.15696615 kg/m^2/ER (Vallado et al. 2006), A the mean cross-section of a tumbling
   box (a quarter of its surface) and Cd from the configuration (2.2 unless set).
   ndot and nddot are left at zero (SGP4 ignores them).

The TLE format rounds angles to 1e-4 deg (about 12 m along the orbit); that is the residual.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from sgp4.api import WGS72, Satrec

from picodragon.astro.constants import UNIX_EPOCH_JD
from picodragon.astro.frames import teme_to_ecef
from picodragon.astro.lookangles import LookAngles, Site
from picodragon.astro.lookangles import look_angles_ecef as astro_look_angles
from picodragon.astro.timescales import unix_to_jd
from picodragon.astro.wgs84 import geodetic
from picodragon.config.models import Scenario, Station
from picodragon.elements import ElementSet
from picodragon.physics.constants import DEG, RHO0_BSTAR

__all__ = [
    "LookAngles", "PropagationError", "bstar_for", "carrier_element_set", "carrier_epoch_unix",
    "deployed_element_set", "ejected_state", "ejection_delta_v", "element_set_from_state",
    "geodetic", "look_angles_ecef", "osculating_nonsingular", "propagate_sgp4", "sgp4_ecef",
    "station_ecef",
]  # fmt: skip

MU_WGS72 = 398600.8e9
"""SGP4's gravitational parameter (WGS-72), m^3/s^2: used when fitting SGP4 elements."""


class PropagationError(RuntimeError):
    """SGP4 reported an error (decayed orbit, eccentricity out of range...)."""


def propagate_sgp4(satrec: Satrec, unix_s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TEME position (m) and velocity (m/s) for an array of Unix times, plus SGP4 error codes.

    Vectorised through ``Satrec.sgp4_array`` (the C++ core). Rows with a non-zero error code are
    NaN.
    """
    unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
    jd, fr = unix_to_jd(unix_s)
    err, r, v = satrec.sgp4_array(jd, fr)
    err = np.asarray(err)
    r = np.asarray(r) * 1e3
    v = np.asarray(v) * 1e3
    if np.any(err):
        r[err != 0] = np.nan
        v[err != 0] = np.nan
    return r, v, err


def station_ecef(station: Station) -> np.ndarray:
    """ECEF position (m) of a station from its WGS-84 geodetic coordinates."""
    return Site.of(station).position_m


def look_angles_ecef(station: Station, unix_s, r_ecef, v_ecef) -> LookAngles:
    """Elevation, azimuth, range and range rate from ECEF states (geodetic horizon of WGS-84)."""
    return astro_look_angles(Site.of(station), unix_s, r_ecef, v_ecef)


# --- osculating elements in a non-singular set -------------------------------------------------


def osculating_nonsingular(r, v, mu: float = MU_WGS72) -> np.ndarray:
    """(n rad/s, e cos w, e sin w, i, RAAN, w + M) of one Cartesian state (m, m/s).

    Well defined for circular orbits (w + M is the mean argument of latitude); singular only for
    equatorial ones, which a LEO from the ISS is not.
    """
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    rn = np.linalg.norm(r)
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    inc = math.acos(h[2] / hn)
    raan = math.atan2(h[0], -h[1])
    a = 1.0 / (2.0 / rn - v @ v / mu)
    evec = np.cross(v, h) / mu - r / rn
    node = np.array([math.cos(raan), math.sin(raan), 0.0])
    w_hat = h / hn
    q = np.cross(w_hat, node)
    ex, ey = evec @ node, evec @ q
    u = math.atan2(r @ q, r @ node)  # argument of latitude
    e = math.hypot(ex, ey)
    w = math.atan2(ey, ex)
    nu = u - w
    big_e = 2.0 * math.atan2(math.sqrt(1 - e) * math.sin(nu / 2), math.sqrt(1 + e) * math.cos(nu / 2))
    mean_anom = big_e - e * math.sin(big_e)
    n = math.sqrt(mu / a**3)
    return np.array([n, ex, ey, inc, raan, w + mean_anom])


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


def _satrec_from_mean(elem: np.ndarray, epoch_jd: float, bstar: float, satnum: int) -> Satrec:
    n, ex, ey, inc, raan, lam = elem
    ecc = math.hypot(ex, ey)
    argp = math.atan2(ey, ex) % (2 * math.pi)
    mo = (lam - argp) % (2 * math.pi)
    sat = Satrec()
    sat.sgp4init(
        WGS72, "i", satnum, epoch_jd - 2433281.5, bstar, 0.0, 0.0,
        ecc, argp, inc, mo, n * 60.0, raan % (2 * math.pi),
    )  # fmt: skip
    return sat


def ejection_delta_v(r, v, speed_m_s: float, aft_of_nadir_deg: float) -> np.ndarray:
    """The J-SSOD kick: in the orbital plane, ``aft_of_nadir_deg`` from nadir towards -velocity."""
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    r_hat = r / np.linalg.norm(r)
    h_hat = np.cross(r, v)
    h_hat /= np.linalg.norm(h_hat)
    along = np.cross(h_hat, r_hat)  # in-plane, towards the motion
    a = aft_of_nadir_deg * DEG
    return speed_m_s * (math.cos(a) * (-r_hat) + math.sin(a) * (-along))


def bstar_for(scenario: Scenario) -> float:
    """SGP4 B* (1/Earth radii) of the CubeSat: rho0 * Cd * A_mean / m / 2 (Vallado et al. 2006)."""
    sc = scenario.spacecraft
    ballistic = sc.drag_coefficient * sc.mean_cross_section_m2 / sc.mass_kg
    return RHO0_BSTAR * ballistic / 2.0


def carrier_element_set(scenario: Scenario) -> ElementSet:
    """The carrier's (ISS) element set from the scenario; for a scenario that starts from an
    [orbit], the spacecraft's own element set (it needs no carrier)."""
    name = scenario.spacecraft.name if scenario.orbit is not None else "ISS (ZARYA)"
    return ElementSet.from_lines(*scenario.deployment.carrier_tle, name=name)


def ejected_state(scenario: Scenario) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """(unix_s, r, v, dv) of the CubeSat just after ejection, TEME, SI."""
    dep = scenario.deployment
    t0 = dep.ejection_time.timestamp()
    r, v, err = propagate_sgp4(carrier_element_set(scenario).satrec, [t0])
    if err[0]:
        raise PropagationError(f"SGP4 error {err[0]} propagating the carrier to the ejection time")
    dv = ejection_delta_v(r[0], v[0], dep.ejection_speed_m_s, dep.ejection_aft_of_nadir_deg)
    return t0, r[0], v[0] + dv, dv


def _fit_satrec(t0: float, r_t: np.ndarray, v_t: np.ndarray, first_guess: np.ndarray,
                bstar: float, satnum: int, fitted: list | None = None) -> Satrec:
    """The fit of the module docstring (``fitted``: given, receives the mean elements and the
    epoch's Julian date the returned record was made from)."""
    target = osculating_nonsingular(r_t, v_t)
    jd, fr = unix_to_jd(t0)
    epoch_jd = float(jd) + float(fr)
    guess = first_guess.copy()
    sat = _satrec_from_mean(guess, epoch_jd, bstar, satnum)
    for _ in range(30):
        _, r, v = sat.sgp4_tsince(0.0)
        now = osculating_nonsingular(np.array(r) * 1e3, np.array(v) * 1e3)
        diff = target - now
        diff[4] = _wrap(diff[4])
        diff[5] = _wrap(diff[5])
        guess = guess + diff
        sat = _satrec_from_mean(guess, epoch_jd, bstar, satnum)
        _, r, _ = sat.sgp4_tsince(0.0)
        if np.linalg.norm(np.array(r) * 1e3 - r_t) < 0.01:
            break
    if fitted is not None:
        fitted[:] = [guess, epoch_jd]
    return sat


def element_set_from_state(t0: float, r, v, name: str, satnum: int, bstar: float,
                           first_guess: np.ndarray | None = None) -> ElementSet:
    """A TLE at epoch t0 (Unix s) whose SGP4 state at epoch is (r, v) (TEME, SI), with B* given.

    The fit of the module docstring; without a first guess the osculating elements start it.
    """
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    guess = osculating_nonsingular(r, v) if first_guess is None else first_guess
    return _published(_fit_satrec(t0, r, v, guess, bstar, satnum % 100000), t0, name)


def element_set_fitter(t0: float, r, v, name: str, satnum: int) -> Callable[[float], ElementSet]:
    """``element_set_from_state(t0, r, v, name, satnum, bstar)`` for one state and many B*
    (the catalogue's secant search on B*): the mean elements are fitted at the first call only.

    The fit compares SGP4's state at its epoch with the target, and at ``tsince = 0`` SGP4's
    drag terms (B* times powers of the time) vanish: each iteration, hence the fitted mean
    elements, are those of any B*, and only the record made from them carries the B* asked.
    """
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    fitted: list = []

    def fit(bstar: float) -> ElementSet:
        if not fitted:
            sat = _fit_satrec(t0, r, v, osculating_nonsingular(r, v), bstar, satnum % 100000,
                              fitted)
        else:
            sat = _satrec_from_mean(fitted[0], fitted[1], bstar, satnum % 100000)
        return _published(sat, t0, name)

    return fit


def _published(sat: Satrec, t0: float, name: str) -> ElementSet:
    """A fitted record as the element set a catalogue publishes (epoch ``t0``, Unix s)."""
    sat.classification = "U"
    sat.intldesg = ""
    sat.elnum = 1
    sat.revnum = 0
    # sgp4init leaves the calendar fields empty; export_tle needs them.
    epoch = datetime.fromtimestamp(t0, UTC)
    start_of_year = datetime(epoch.year, 1, 1, tzinfo=UTC)
    sat.epochyr = epoch.year % 100
    sat.epochdays = 1.0 + (epoch - start_of_year).total_seconds() / 86400.0
    return ElementSet.from_satrec(sat, name)


def deployed_element_set(scenario: Scenario) -> ElementSet:
    """The CubeSat's TLE at ejection: carrier TLE + J-SSOD kick, own B* (method in module doc).

    A scenario that starts from an [orbit] publishes that element set as it is.
    """
    if scenario.orbit is not None:
        return carrier_element_set(scenario)
    t0, r_t, v_t, _ = ejected_state(scenario)
    carrier = carrier_element_set(scenario).satrec
    carrier.sgp4_tsince((t0 - carrier_epoch_unix(carrier)) / 60.0)  # sets the mean elements
    first = np.array([
        carrier.nm / 60.0, carrier.em * math.cos(carrier.om), carrier.em * math.sin(carrier.om),
        carrier.im, carrier.Om, carrier.om + carrier.mm,
    ])  # fmt: skip
    sc = scenario.spacecraft
    return element_set_from_state(t0, r_t, v_t, sc.name, sc.norad_id, bstar_for(scenario), first)


def carrier_epoch_unix(satrec: Satrec) -> float:
    """Unix seconds of an SGP4 record's epoch."""
    return ((satrec.jdsatepoch - UNIX_EPOCH_JD) + satrec.jdsatepochF) * 86400.0


def sgp4_ecef(satrec: Satrec, unix_s) -> tuple[np.ndarray, np.ndarray]:
    """ECEF position and velocity (m, m/s) of an SGP4 record over Unix times."""
    r, v, _ = propagate_sgp4(satrec, unix_s)
    return teme_to_ecef(r, v, unix_s)
