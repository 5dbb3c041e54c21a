"""The live pass console's API: for a station's current or next pass, the predicted sky track,
where the spacecraft is in its sky now (azimuth, elevation, range, range rate, Doppler), and the
station's last state as the station loop writes it into the archive
(``Archive.write_station_state``: look angles commanded, rotator, rig, their health, its log).

Everything is predicted from the ground's element set (as ``/api/track`` does): the look angles
are ``picodragon.ground.passes.look_angles`` (SGP4, TEME to the Earth-fixed frame, topocentric
from the station), and the Doppler shift of the downlink is ``-rr / c * f`` (``rr`` the range
rate, positive receding; ``f`` the spacecraft's downlink frequency), as the station tunes it.

A station whose last state says ``link: "bench"`` hears the spacecraft on a bench, not in orbit
(``picodragon envtest tvac`` writes such states while the spacecraft is in the chamber): then
there is no sky, pass or Doppler to show, and the console gives instead the chamber's state and
the functional tests so far as that state carries them. The archive's station state is the only
contract: the web knows nothing of the test campaign's code.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, HTTPException, Query

from picodragon.link.doppler import doppler_shift_hz
from picodragon.web.auth import Session
from picodragon.web.control import iso_z, passes_from
from picodragon.web.routes.common import MC, rounded, viewer

router = APIRouter(tags=["orbit"])

#: seconds between the points of the predicted sky track
SKY_STEP_S = 10.0


@router.get("/api/console")
def api_console(mc: MC, station: Annotated[str | None, Query(max_length=64)] = None,
                session: Session = viewer) -> dict[str, Any]:
    """A station's (default: the first) current or next pass in the next day, its sky track
    every 10 s from AOS to LOS (azimuth deg from north through east, elevation deg), the
    spacecraft's azimuth, elevation, range (km), range rate (m/s) and downlink Doppler (Hz) now,
    and the station's last recorded state (None before it wrote one). 404 for an unknown
    station; ``pass`` is None without an element set or a pass in the next day. ``link`` is
    "radio", or "bench" when the state says so: then no pass, sky track or spacecraft, and
    ``chamber`` and ``functional_tests`` from the state (``bench_view``)."""
    from picodragon.ground.passes import look_angles

    stations = mc.stations()
    if station is None:
        if not stations:
            raise HTTPException(404, "the mission has no station")
        site = stations[0]
    else:
        site = next((s for s in stations if s.name == station), None)
        if site is None:
            raise HTTPException(404, f"no station named {station!r}")
    now, clock = mc.mission_now()
    downlink_hz = float(mc.scenario.spacecraft.radio.downlink_frequency_hz)
    state = mc.queries.station_state(site.name)
    out: dict[str, Any] = {"now": iso_z(now), "clock": clock, "station": site.name,
                           "downlink_hz": downlink_hz, "link": "radio", "pass": None, "sky_track": None,
                           "spacecraft": None, "state": state, "chamber": None, "functional_tests": None}
    if state is not None and state.get("link") == "bench":
        return {**out, **bench_view(state)}
    es = mc.element_set
    if es is None:
        return out
    nxt = next((p for p in passes_from(mc, int(now // 600), 1.0)
                if p["station"] == site.name and p["los_unix_s"] >= now), None)
    if nxt is not None:
        out["pass"] = {k: nxt[k] for k in ("aos", "tca", "los", "max_elevation_deg", "aos_unix_s",
                                           "los_unix_s")}
        times = np.arange(nxt["aos_unix_s"], nxt["los_unix_s"] + SKY_STEP_S / 2, SKY_STEP_S)
        sky = look_angles(es, site, times)
        out["sky_track"] = {"time": [iso_z(t) for t in times.tolist()],
                            "azimuth_deg": [round(a, 2) for a in sky.azimuth_deg.tolist()],
                            "elevation_deg": [round(e, 2) for e in sky.elevation_deg.tolist()]}
    here = look_angles(es, site, np.array([now]))
    rr = float(here.range_rate_m_s[0])
    out["spacecraft"] = {"azimuth_deg": rounded(here.azimuth_deg[0]),
                         "elevation_deg": rounded(here.elevation_deg[0]),
                         "range_km": rounded(float(here.range_m[0]) / 1000.0),
                         "range_rate_m_s": rounded(rr),
                         "doppler_hz": rounded(float(doppler_shift_hz(downlink_hz, rr)))}
    return out


def bench_view(state: dict[str, Any]) -> dict[str, Any]:
    """The console's fields for a station on the bench link: ``link`` "bench", the chamber's
    state (a dict: profile, step of steps, phase, plateau, set point, shroud, platen, C) and the
    functional tests so far (plateau, test, passed, time, detail), each None when the state does
    not hold a well-formed one (the archive is read, not trusted)."""
    chamber = state.get("chamber")
    tests = state.get("functional_tests")
    if isinstance(tests, list):
        tests = [{k: t.get(k) for k in ("plateau", "test", "passed", "time", "detail")}
                 for t in tests if isinstance(t, dict)]
    return {"link": "bench", "chamber": chamber if isinstance(chamber, dict) else None,
            "functional_tests": tests if isinstance(tests, list) else None}
