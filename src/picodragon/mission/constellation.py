"""A constellation of one design: many spacecraft, each with its own flight software, one network.

Every member is the mission's spacecraft on its own orbit, flown by the same runner as
``picodragon run`` (twin, flight software, link, ground) as one dask task with its own archive,
over a shared list of stations; the summary adds them up: passes and frames per station,
frames and alarms per spacecraft.

The orbits: the mission's element set at deployment, its node and mean anomaly spread as a
Walker delta pattern (Walker, "Circular orbit patterns providing continuous whole Earth
coverage", RAE Technical Report 70211, 1970): ``planes`` planes equally spaced in node, the
members of a plane equally spaced in anomaly, each plane shifted by ``360 / count`` degrees
(phasing factor 1). The number of planes, the integer nearest the square root of half the
count, is this module's choice of a balanced pattern, not a mission requirement.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from picodragon.astro.isotime import iso_z
from picodragon.config import Scenario, Station
from picodragon.config.mission import Mission, as_mission
from picodragon.dictionary.definitions import Dictionary
from picodragon.elements import ElementSet, tle_checksum


def walker_planes(count: int) -> int:
    """The number of orbital planes for ``count`` members (see the module docstring)."""
    return max(1, round(math.sqrt(count / 2)))


def _with_field(line: str, start: int, end: int, value: str) -> str:
    """A TLE line with columns [start, end) replaced by ``value`` and the checksum recomputed."""
    body = line[:start] + value.rjust(end - start) + line[end:68]
    return body + str(tle_checksum(body))


def member_element_sets(reference: ElementSet, count: int) -> list[ElementSet]:
    """``count`` element sets: ``reference`` with node and mean anomaly spread (Walker delta)."""
    planes = walker_planes(count)
    per_plane = math.ceil(count / planes)
    line2 = reference.line2
    raan0, anomaly0 = float(line2[17:25]), float(line2[43:51])
    out = []
    for i in range(count):
        plane, slot = divmod(i, per_plane)
        raan = (raan0 + 360.0 * plane / planes) % 360.0
        anomaly = (anomaly0 + 360.0 * slot / per_plane + 360.0 * plane / count) % 360.0
        l2 = _with_field(line2, 17, 25, f"{raan:8.4f}")
        l2 = _with_field(l2, 43, 51, f"{anomaly:8.4f}")
        out.append(ElementSet.from_lines(reference.line1, l2, f"{reference.name}-{i + 1:02d}"))
    return out


def member_scenarios(scenario: Scenario, count: int, stations: Sequence[Station] | None = None) -> list[Scenario]:
    """The members' scenarios: the mission's, each from its own orbit (the reference spacecraft
    at its deployment, spread by :func:`member_element_sets`), over ``stations`` (the mission's
    when None). A member starts at the element set's epoch, its ejection already behind it."""
    from picodragon.physics.orbit import deployed_element_set

    reference = deployed_element_set(scenario)
    reference = ElementSet.from_lines(reference.line1, reference.line2, scenario.spacecraft.name)
    base = scenario.model_dump(mode="json")
    base["deployment"] = None
    if stations is not None:
        base["stations"] = [s.model_dump(mode="json") for s in stations]
    out = []
    for i, es in enumerate(member_element_sets(reference, count)):
        data = dict(base, name=f"{scenario.name} {i + 1}/{count}", seed=scenario.seed + i,
                    orbit={"tle": [es.line1, es.line2], "start": es.epoch})
        out.append(Scenario.model_validate(data))
    return out


def run_member(scenario_json: str, index: int, days: float, dictionary: Dictionary | None) -> dict[str, Any]:
    """One member's mission run (self-contained, for any dask worker), in its own archive; what
    the summary needs of it."""
    from picodragon.ground.archive import open_archive
    from picodragon.mission.runner import RunOptions, run_mission

    scenario = Scenario.model_validate_json(scenario_json)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="picodragon-constellation-") as tmp:
        db = os.path.join(tmp, "run.sqlite")
        result = run_mission(scenario, RunOptions(days=days, db=db, report=None, progress=False),
                             dictionary=dictionary)
        archive = open_archive(db, dictionary=result.dictionary)
        alarms = archive.select("alarms")
        archive.close()
    s = result.summary
    per_station: dict[str, dict[str, int]] = {}
    for p in s["passes"]:
        row = per_station.setdefault(p["station"], {"passes": 0, "frames_received": 0})
        row["passes"] += 1
        row["frames_received"] += int(p["frames_received"])
    return {
        "member": index,
        "scenario": scenario.name,
        "passes": len(s["passes"]),
        "frames_sent": s["frames_sent"],
        "frames_received": s["frames_received"],
        "telemetry_points": s["telemetry_points"],
        "alarms": len(alarms),
        "alarm_points": dict(Counter(str(a["point"]) for a in alarms)),
        "battery_soc_min": s["battery_soc_min"],
        "per_station": per_station,
        "wall_seconds": round(time.perf_counter() - started, 3),
    }


def combine(results: list[dict[str, Any]], stations: Sequence[str]) -> dict[str, Any]:
    """The constellation's report: totals, passes and frames per station, per spacecraft."""
    results = sorted(results, key=lambda r: r["member"])
    per_station = {name: {"passes": 0, "frames_received": 0} for name in stations}
    for r in results:
        for name, row in r["per_station"].items():
            slot = per_station.setdefault(name, {"passes": 0, "frames_received": 0})
            slot["passes"] += row["passes"]
            slot["frames_received"] += row["frames_received"]
    return {
        "spacecraft": len(results),
        "stations": len(per_station),
        "passes": sum(r["passes"] for r in results),
        "frames_sent": sum(r["frames_sent"] for r in results),
        "frames_received": sum(r["frames_received"] for r in results),
        "alarms": sum(r["alarms"] for r in results),
        "alarm_points": dict(sum((Counter(r.get("alarm_points", {})) for r in results), Counter())),
        "per_station": per_station,
        "per_spacecraft": [
            {k: r.get(k) for k in ("scenario", "passes", "frames_sent", "frames_received", "alarms",
                                   "alarm_points", "battery_soc_min", "wall_seconds")}
            for r in results
        ],
    }


def run_constellation(
    mission: Mission | Scenario,
    count: int,
    days: float,
    stations: Sequence[Station] | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Fly ``count`` members for ``days`` each, one dask task a member (a LocalCluster of
    ``workers`` processes on 127.0.0.1, or the scheduler at ``scheduler``); their combined
    report with ``wall_seconds``, ``scheduler`` and ``start``."""
    from dask.distributed import as_completed

    from picodragon.mission.montecarlo import dask_client

    loaded = as_mission(mission)
    members = member_scenarios(loaded.scenario, count, stations)
    station_names = [s.name for s in members[0].stations]
    started = time.perf_counter()
    results = []
    with dask_client(scheduler, workers) as (client, where):
        futures = [client.submit(run_member, sc.model_dump_json(), i, days, loaded.dictionary, pure=False)
                   for i, sc in enumerate(members)]
        for done, future in enumerate(as_completed(futures), 1):
            results.append(future.result())
            future.release()
            if progress is not None:
                progress(done, len(futures))
    out = combine(results, station_names)
    out.update({
        "scheduler": where,
        "days": days,
        "start": iso_z(members[0].orbit.start) if members[0].orbit and members[0].orbit.start else None,
        "wall_seconds": round(time.perf_counter() - started, 3),
    })
    return out
