"""``lifetime --elements FILE``: re-entry from a series of element sets, as operators predict it.

The face of ``physics.reentry_fit``: reads the file (TLE, 2- or 3-line, or OMM as XML, JSON or
CSV, through ``ground.elementsets.read_element_sets``), fits the density factor over the arcs
between the sets and prints the prediction from the latest set and the history as sets arrived.
Bad files are ElementSetErrors: one line, exit 2 (``common.verb``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from picodragon.cli.common import input_file, write_json


def lifetime_from_elements(path: Path, scenario, atmosphere: str, json_path: str | None) -> None:
    """Fit, predict, print (unless ``--json -``) and write the JSON of the verb."""
    from picodragon.ground.elementsets import read_element_sets
    from picodragon.physics.atmosphere import atmosphere_label
    from picodragon.physics.reentry_fit import check_series, fit_reentry

    input_file(path, "--elements")
    sets = read_element_sets(path.read_text(encoding="utf-8", errors="replace"))
    check_series(sets)  # the file's faults before any flight
    fit = fit_reentry(sets, scenario, atmosphere=atmosphere)
    last = fit.latest
    sc = scenario.spacecraft
    out = last.to_json()
    result = {
        "start": out["epoch"], "reentry": out["reentry"], "days": out["days_left"],
        "interval": out["interval"], "window": out["window"],
        "model": (f"density factor fitted to the element sets' mean semi-major-axis decay, on "
                  f"{atmosphere_label(atmosphere)} (fast settings), from the latest set"),
        "inputs": {"element_sets": len(sets), "satellite": sets[-1].name, "atmosphere": atmosphere,
                   "drag_coefficient": sc.drag_coefficient, "drag_area_m2": sc.mean_cross_section_m2,
                   "mass_kg": sc.mass_kg, "max_days": fit.max_days},
        "fit": fit.to_json(),
    }
    if json_path != "-":
        sigma = "" if last.factor_sigma is None else f" +- {last.factor_sigma:.3f}"
        typer.echo(f"{len(sets)} element sets of {sets[-1].name}, {len(fit.arcs)} arcs: density factor "
                   f"{last.factor:.3f}{sigma} on {atmosphere_label(atmosphere)}")
        for p in fit.to_json()["history"]:
            span = "" if p["interval"] is None else f"  p5 {p['interval'][0]}, p95 {p['interval'][1]}"
            window = "" if p["window"] is None else f"  (+-20 %: {p['window'][0]} .. {p['window'][1]})"
            typer.echo(f"from {p['epoch']}: re-entry {p['reentry'] or 'beyond max days'}{span}{window}")
    write_json(json_path, result)
