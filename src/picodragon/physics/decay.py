"""Orbital lifetime: from the J-SSOD ejection to re-entry at 120 km.

``predict_lifetime(scenario)`` runs the numerical propagator (``propagator``: Cowell, J2-J4,
drag in NRLMSIS 2.1 (or NRLMSISE-00: ``atmosphere``) driven by CelesTrak's observed daily F10.7,
81-day mean and Ap, solar radiation pressure) from the ejected state (``orbit.ejected_state``)
until the geodetic altitude falls below 120 km. Drag uses the configured Cd (2.2 unless set;
``cd_model='fixed'``) or Sentman's free-molecular Cd along the path (``cd_model='sentman'``, with
the accommodation of Pilinski et al. 2010 unless ``accommodation`` fixes it: ``gas_surface``), on
the tumbling mean cross-section (a quarter of the surface of the box, from ``spacecraft.size_m``,
plus deployable panels and ``spacecraft.appendages``) over the mass. ``attitude``: the one mode
modelled, 'tumbling' (uniformly random orientations; ``ATTITUDE_MODES``). Nothing is tuned: the inputs returned with the prediction are all there is. With
``compare=True`` the same prediction is run in every atmosphere (``by_atmosphere``: name -> days),
so the spread between density models, the largest uncertainty of the prediction, is in view.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from picodragon.astro.isotime import iso_z
from picodragon.config.models import Scenario
from picodragon.physics.atmosphere import (
    ATMOSPHERES,
    DEFAULT_ATMOSPHERE,
    atmosphere_label,
    check_atmosphere,
)
from picodragon.physics.constants import REENTRY_ALTITUDE
from picodragon.physics.orbit import ejected_state
from picodragon.physics.propagator import SRP_CR, NumericalPropagator
from picodragon.physics.solar_activity import load_space_weather, sw_all_path

MODEL = (
    "Cowell, Dormand-Prince 5(4) adaptive; gravity J2-J4; drag NRLMSIS 2.1 with CelesTrak "
    "SW-All observed F10.7 (previous day), 81-day centred mean and daily Ap; SRP; "
    "tumbling mean cross-section; re-entry at 120 km geodetic"
)
"""The model's description with the default atmosphere (``model_text`` names another)."""


def model_text(atmosphere: str = DEFAULT_ATMOSPHERE) -> str:
    """The one-line description of the prediction with the named atmosphere."""
    return MODEL.replace(atmosphere_label(DEFAULT_ATMOSPHERE), atmosphere_label(atmosphere))


ATTITUDE_MODES = ("tumbling",)
"""Attitude modes a lifetime prediction can assume: 'tumbling' (random orientations; a convex
body's Sentman C_D A is then the sphere's Cd on a quarter of its surface). No other mode is
offered on purpose: a spin about the major axis whose axis points anywhere with equal chance has
the tumble's mean C_D A (the flow then meets the body from every direction alike), so a 'spin'
mode would differ only by an axis direction that nothing published gives; the passive magnetic
attitude is flown by the twin's own attitude loop (``picodragon run --until-reentry``)."""


def propagator_for(scenario: Scenario, **kwargs) -> NumericalPropagator:
    """The numerical propagator started from the ejected state of the scenario's spacecraft."""
    t0, r, v, _ = ejected_state(scenario)
    sc = scenario.spacecraft
    return NumericalPropagator(
        t0, r, v, sc.drag_coefficient, sc.mean_cross_section_m2, sc.mass_kg, **kwargs
    )


FAST = {"rtol": 1e-9, "max_step_s": 60.0, "density_grid_s": 180.0}
"""Settings of the 'fast' prediction: about 3.5 times quicker, re-entry within about 0.1 day of
the full one for the reference mission (135.61 against 135.55 days)."""


def lifetime_fraction(elapsed_s: float, radius_m: float, start_radius_m: float, max_days: float) -> float:
    """How far a lifetime prediction has gone, 0..1: the larger of the span covered (of
    ``max_days``) and the fall in radius from the start to the re-entry altitude (a mean Earth
    radius of 6371 km above the centre: a progress bar's measure, not a geodetic altitude)."""
    reentry_radius = 6_371_000.0 + REENTRY_ALTITUDE
    fall = (start_radius_m - radius_m) / max(start_radius_m - reentry_radius, 1.0)
    return float(min(1.0, max(0.0, elapsed_s / (max_days * 86400.0), fall)))


def predict_lifetime(scenario: Scenario, max_days: float = 3650.0, fidelity: str = "full",
                     density_scale: float = 1.0, atmosphere: str = DEFAULT_ATMOSPHERE,
                     compare: bool = False,
                     progress: Callable[[str, float], None] | None = None, *,
                     cd_model: str = "fixed", accommodation: float | None = None,
                     attitude: str = "tumbling") -> dict:
    """{start, reentry (ISO or None), days, model, inputs} for the scenario's spacecraft.

    fidelity 'full' (default; 120 s density grid, 30 s steps at most, relative tolerance 1e-11)
    or 'fast' (``FAST``: for Monte Carlo campaigns). density_scale multiplies the atmosphere's
    density (for studies of the density model's uncertainty; 1 is the model itself). atmosphere:
    a name of ``atmosphere.ATMOSPHERES`` ('nrlmsis21', the default, or 'nrlmsise00'). compare:
    also predict in every other atmosphere, same settings, and add ``by_atmosphere`` (name ->
    days, or None where the orbit outlives max_days), the chosen one included. progress:
    called as ``progress(atmosphere, fraction)`` as each prediction goes (fraction 0..1 of
    :func:`lifetime_fraction`, 1 at the end), so a face can show a bar and a time estimate.
    cd_model: 'fixed' (the configured Cd) or 'sentman' (``propagator.CD_MODELS``); accommodation:
    None for Pilinski's adsorption model, or a fixed energy accommodation 0..1 (Sentman only);
    attitude: one of ``ATTITUDE_MODES``. The inputs report the Cd and accommodation along the path,
    averaged over time (the time-mean Cd is the constant one that gives the same life).
    """
    if attitude not in ATTITUDE_MODES:
        raise ValueError(f"attitude must be one of {', '.join(ATTITUDE_MODES)}, not {attitude!r}")
    if fidelity not in ("full", "fast"):
        raise ValueError(f"fidelity must be 'full' or 'fast', not {fidelity!r}")
    if not 0.1 <= density_scale <= 10.0:
        raise ValueError(f"density_scale must be between 0.1 and 10, not {density_scale}")
    check_atmosphere(atmosphere)
    prop = propagator_for(scenario, density_scale=density_scale, atmosphere=atmosphere,
                          cd_model=cd_model, accommodation=accommodation,
                          **(FAST if fidelity == "fast" else {}))
    t0 = float(prop.t[0])
    hook = None
    if progress is not None:
        start_radius = float(np.linalg.norm(prop.y[-1, :3]))
        done = [0.0]

        def hook(elapsed_s: float, radius_m: float) -> None:
            done[0] = max(done[0], lifetime_fraction(elapsed_s, radius_m, start_radius, max_days))
            progress(atmosphere, done[0])

    reentry = prop.run_to_reentry(max_days, progress=hook)
    if progress is not None:
        progress(atmosphere, 1.0)
    sc = scenario.spacecraft
    sw = load_space_weather()
    end = reentry if reentry is not None else prop.t_end
    f107, f107a, ap = sw.msis_inputs(prop.t[:: max(1, len(prop.t) // 2000)])
    observed = end < (sw.observed_until + 1) * 86400.0
    model = model_text(atmosphere)
    if cd_model == "sentman":
        model = model.replace("; SRP;", "; Sentman free-molecular Cd (" + (
            "Pilinski 2010 accommodation" if accommodation is None else f"accommodation {accommodation:g}")
            + "); SRP;")
    # time means along the path: the constant Cd that would give the same life (each stretch of
    # orbit lasts in inverse proportion to its Cd, so the life is that of the time-mean Cd)
    cd_log = prop.cd_log
    weight = np.gradient(cd_log[:, 0]) if len(cd_log) > 1 else None
    cd_mean = (float(np.average(cd_log[:, 1], weights=weight)) if weight is not None
               else sc.drag_coefficient)
    alpha_mean = (float(np.average(cd_log[:, 2], weights=weight)) if weight is not None
                  and cd_model == "sentman" else None)
    out = {
        "start": iso_z(t0, "seconds"),
        "reentry": iso_z(reentry, "seconds") if reentry is not None else None,
        "days": round((end - t0) / 86400.0, 3),
        "model": model if fidelity == "full" else model + " (fast settings)",
        "inputs": {
            "mass_kg": sc.mass_kg,
            "drag_coefficient": sc.drag_coefficient,
            "cd_model": cd_model,
            "drag_coefficient_mean": round(cd_mean, 4),
            "accommodation": round(alpha_mean, 4) if alpha_mean is not None else None,
            "accommodation_model": (None if cd_model == "fixed" else
                                    "Pilinski et al. 2010" if accommodation is None else "fixed"),
            "attitude": attitude,
            "drag_area_m2": sc.mean_cross_section_m2,
            "appendage_area_m2": sc.appendage_area_m2,
            "appendages": [a.name for a in sc.appendages],
            "ballistic_coefficient_kg_m2": sc.mass_kg / (cd_mean * sc.mean_cross_section_m2),
            "srp_cr": SRP_CR,
            "density_scale": density_scale,
            "atmosphere": atmosphere,
            "reentry_altitude_km": REENTRY_ALTITUDE / 1e3,
            "ejection_speed_m_s": scenario.deployment.ejection_speed_m_s,
            "ejection_time": iso_z(t0, "seconds"),
            "carrier_tle": list(scenario.deployment.carrier_tle),
            "space_weather": f"{sw_all_path().name} (CelesTrak, updated {sw.updated})",
            "space_weather_observed": bool(observed),
            "f107_mean": round(float(f107.mean()), 1),
            "f107_81day_mean": round(float(f107a.mean()), 1),
            "ap_mean": round(float(ap.mean()), 1),
            "msis_evaluations": prop.msis_points,
            "force_evaluations": prop.evaluations,
        },
    }
    if compare:
        by_atmosphere: dict[str, float | None] = {}
        for name in ATMOSPHERES:
            if name == atmosphere:
                by_atmosphere[name] = out["days"] if reentry is not None else None
                continue
            other = predict_lifetime(scenario, max_days, fidelity, density_scale, name, progress=progress,
                                     cd_model=cd_model, accommodation=accommodation, attitude=attitude)
            by_atmosphere[name] = other["days"] if other["reentry"] is not None else None
        out["by_atmosphere"] = by_atmosphere
    return out
