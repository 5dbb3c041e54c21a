"""Thermospheric mass density from NRLMSIS 2.1 (pymsis) driven by historical space weather.

pymsis is always called with explicit F10.7, 81-day mean and Ap (``solar_activity``), so it
never reaches for the network. Altitudes are geodetic (km in pymsis' interface); the model's
default switches are used (daily Ap only).
"""

from __future__ import annotations

import numpy as np

from picodragon.physics.solar_activity import load_space_weather


def density(unix_s, lat_deg, lon_deg, alt_m) -> np.ndarray:
    """Total mass density (kg/m^3) at the given times and geodetic positions (arrays, same shape)."""
    import pymsis

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
        version=2.1,
    )
    return np.asarray(out[:, pymsis.Variable.MASS_DENSITY], dtype=float)
