"""``lifetime --elements FILE``: re-entry from a series of element sets, as operators predict it.

The face of ``physics.reentry_fit``: reads the file (TLE, 2- or 3-line, or OMM as XML, JSON or
CSV, through ``ground.elementsets.read_element_sets``), fits the density factor over the arcs
between the sets and prints the prediction from the latest set and the history as sets arrived
(within 80 columns; the JSON keeps full ISO times). Bad files are ElementSetErrors: one line,
exit 2 (``common.verb``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from picodragon.cli.common import input_file, write_json


def _short(iso: str | None, date: bool = True) -> str:
    """'2013-11-29T05:09:29Z' -> '2013-11-29 05:09' (or '11-29 05:09'); '-' for None."""
    if iso is None:
        return "-"
    text = iso[:16].replace("T", " ")
    return text if date else text[5:]


def history_lines(history: list[dict]) -> list[str]:
    """The history as a table: each set as the latest, its re-entry, days left, p5 and p95."""
    lines = [f"{'from the set of':<17} {'re-entry':<17} {'days':>6}  {'p5':<11}  p95"]
    for p in history:
        p5, p95 = p["interval"] or (None, None)
        left = "-" if p["days_left"] is None else f"{p['days_left']:.2f}"
        lines.append(f"{_short(p['epoch']):<17} {_short(p['reentry']):<17} {left:>6}  "
                     f"{_short(p5, False):<11}  {_short(p95, False)}")
    return lines


def lifetime_from_elements(path: Path, scenario, atmosphere: str, json_path: str | None,
                           cd_model: str = "fixed") -> None:
    """Fit, predict, print (unless ``--json -``) and write the JSON of the verb."""
    from picodragon.ground.elementsets import read_element_sets
    from picodragon.physics.atmosphere import atmosphere_label
    from picodragon.physics.reentry_fit import WINDOW_FRACTION, check_series, fit_reentry

    input_file(path, "--elements")
    sets = read_element_sets(path.read_text(encoding="utf-8", errors="replace"))
    check_series(sets)  # the file's faults before any flight
    from picodragon.cli.flight import lifetime_progress

    with lifetime_progress(json_path != "-") as update:
        fit = fit_reentry(sets, scenario, atmosphere=atmosphere, cd_model=cd_model,
                          progress=None if update is None else lambda f: update("from element sets", f))
    last = fit.latest
    sc = scenario.spacecraft
    out = last.to_json()
    data = fit.to_json()
    result = {
        "start": out["epoch"], "reentry": out["reentry"], "days": out["days_left"],
        "interval": out["interval"], "window": out["window"],
        "model": (f"density factor fitted to the element sets' mean semi-major-axis decay, on "
                  f"{atmosphere_label(atmosphere)} (fast settings), from the latest set"),
        "inputs": {"element_sets": len(sets), "satellite": sets[-1].name, "atmosphere": atmosphere,
                   "cd_model": cd_model, "drag_coefficient": sc.drag_coefficient,
                   "drag_area_m2": sc.mean_cross_section_m2, "mass_kg": sc.mass_kg,
                   "max_days": fit.max_days},
        "fit": data,
    }
    if json_path != "-":
        sigma = "" if last.factor_sigma is None else f" +- {last.factor_sigma:.3f}"
        typer.echo(f"density factor {last.factor:.3f}{sigma} on {atmosphere_label(atmosphere)} "
                   f"(Cd {cd_model}), {len(fit.arcs)} arcs of {len(sets)} sets")
        for line in history_lines(data["history"]):
            typer.echo(line)
        if out["window"] is not None:
            typer.echo(f"+-{100 * WINDOW_FRACTION:.0f} % of the time left (IADC record): "
                       f"{_short(out['window'][0])} to {_short(out['window'][1])}")
    write_json(json_path, result)
