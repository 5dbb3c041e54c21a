"""Pass planning across a station network: who takes which pass, and what each pass is for.

Input: predicted passes (``find_passes_many``), the element sets and radios of the satellites
(for the link budget), station and satellite priorities, and the operator's requests
(:class:`Request`: a telemetry dump, a file download, a command), each with a priority, a data
volume and optionally a deadline.

1. **Stations.** A station follows one satellite at a time. Its passes are taken greedily by
   (satellite priority, station priority, maximum elevation); a pass that overlaps an accepted
   one at the same station, including ``setup_s`` to slew and retune, is dropped with the
   conflict recorded.
2. **Contacts.** The passes of one satellite that overlap in time (several stations hear the
   same downlink) form one contact. Its downlink capacity is the union over its stations of the
   time with a positive link margin (``picodragon.link.budget.downlink_budget`` along the
   predicted track, 10 s steps) times the bit rate, times ``efficiency`` (AX.25 and CCSDS
   overhead, the transmitter's duty cycle, frames lost). The station with the best elevation
   (then priority) is *prime*: it alone uplinks, so a command never goes up twice.
3. **Requests**, by priority then deadline then order of arrival, fill the earliest contacts
   of their satellite that end before the deadline: volume requests (dumps, files) may spread
   over several contacts; a command takes the first contact with uplink time left
   (``uplink_s_per_command`` each). What does not fit is reported unassigned.

The :class:`Plan` is plain data (``to_json``/``from_json``): the mission runner and a real
station execute the same plan; :meth:`Plan.for_station` gives one station its contacts and, for
the prime ones, the commands to release at AOS.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np

from picodragon.astro.isotime import iso_z, parse_unix
from picodragon.config import Radio, Station
from picodragon.dictionary import Dictionary
from picodragon.dictionary.loader import core
from picodragon.elements import ElementSet
from picodragon.ground.passes import Pass, look_angles
from picodragon.link.budget import downlink_budget

STEP_S = 10.0
#: octets around a packet's data on the air: CCSDS headers (12) and AX.25 header (16)
FRAME_OVERHEAD_BYTES = 12 + 16
#: the packet a telemetry dump sends (DUMP_HOUSEKEEPING), whose size sets how many fit
DUMP_PACKET = "HOUSEKEEPING"


@dataclass(frozen=True)
class Request:
    """What the operator wants from a satellite, and how much it matters."""

    kind: str  # "telemetry_dump" | "file" | "command"
    satellite: str
    priority: int = 0
    volume_bytes: int = 0
    command: str = ""
    arguments: dict[str, float] = field(default_factory=dict)
    deadline_unix_s: float | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("telemetry_dump", "file", "command"):
            raise ValueError(
                f"request kind must be telemetry_dump, file or command, not {self.kind!r}"
            )
        if self.kind == "command" and not self.command:
            raise ValueError("a command request names its command")
        if self.volume_bytes < 0:
            raise ValueError("volume_bytes must not be negative")


@dataclass
class Allocation:
    """Part (or all) of a request's volume carried by one contact."""

    request: Request
    volume_bytes: int


@dataclass
class Contact:
    """One satellite's contact: overlapping passes of several stations, and what it carries."""

    satellite: str
    passes: list[Pass]
    prime_station: str
    start_unix_s: float
    end_unix_s: float
    usable_s: float
    capacity_bytes: int
    uplink_s: float
    allocations: list[Allocation] = field(default_factory=list)

    @property
    def used_bytes(self) -> int:
        """Downlink volume allocated in this contact."""
        return sum(a.volume_bytes for a in self.allocations if a.request.kind != "command")

    @property
    def commands(self) -> list[Request]:
        """The command requests this contact uplinks."""
        return [a.request for a in self.allocations if a.request.kind == "command"]

    def actions(self, dictionary: Dictionary | None = None) -> list[tuple[str, dict[str, float]]]:
        """The telecommands that carry out this contact's allocations, for the prime station
        to queue at the start of the contact: a dump becomes DUMP_HOUSEKEEPING for as many
        packets as its volume allows (HOUSEKEEPING's size in ``dictionary``, the mission's;
        the core dictionary by default), a file DOWNLINK_FILE (or REQUEST_CHUNKS when the
        request carries a chunk mask), a command itself."""
        out: list[tuple[str, dict[str, float]]] = []
        for a in self.allocations:
            r = a.request
            if r.kind == "command":
                out.append((r.command, dict(r.arguments)))
            elif r.kind == "telemetry_dump":
                dump = (core() if dictionary is None else dictionary).packet(DUMP_PACKET)
                per_packet = dump.size + FRAME_OVERHEAD_BYTES
                out.append(
                    (
                        "DUMP_HOUSEKEEPING",
                        {
                            "since": float(r.arguments.get("since", 0)),
                            "max_packets": float(max(1, min(65535, a.volume_bytes // per_packet))),
                        },
                    )
                )
            elif r.kind == "file" and "file_id" in r.arguments:
                if "first_chunk" in r.arguments:
                    out.append(("REQUEST_CHUNKS", dict(r.arguments)))
                else:
                    out.append(("DOWNLINK_FILE", {"file_id": float(r.arguments["file_id"])}))
        return out

    def to_json(self) -> dict:
        return {
            "satellite": self.satellite,
            "prime_station": self.prime_station,
            "stations": [p.station for p in self.passes],
            "start": iso_z(self.start_unix_s, "milliseconds"),
            "end": iso_z(self.end_unix_s, "milliseconds"),
            "usable_s": round(self.usable_s, 1),
            "capacity_bytes": self.capacity_bytes,
            "used_bytes": self.used_bytes,
            "passes": [p.to_json() for p in self.passes],
            "allocations": [
                {"request": asdict(a.request), "volume_bytes": a.volume_bytes}
                for a in self.allocations
            ],
        }


@dataclass
class Plan:
    """The network's plan: contacts in time order, what did not fit, the conflicts resolved."""

    contacts: list[Contact]
    unassigned: list[Request]
    conflicts: list[str]

    def for_station(self, station: str) -> list[Contact]:
        """The contacts this station takes part in, in time order."""
        return [c for c in self.contacts if any(p.station == station for p in c.passes)]

    def to_json(self) -> dict:
        return {
            "contacts": [c.to_json() for c in self.contacts],
            "unassigned": [asdict(r) for r in self.unassigned],
            "conflicts": self.conflicts,
        }

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        contacts = []
        for c in data["contacts"]:
            passes = [_pass_from_json(p) for p in c["passes"]]
            contact = Contact(
                c["satellite"],
                passes,
                c["prime_station"],
                parse_unix(c["start"]),
                parse_unix(c["end"]),
                c["usable_s"],
                c["capacity_bytes"],
                0.0,
                [Allocation(Request(**a["request"]), a["volume_bytes"]) for a in c["allocations"]],
            )
            contacts.append(contact)
        return cls(contacts, [Request(**r) for r in data["unassigned"]], list(data["conflicts"]))


def _pass_from_json(d: dict) -> Pass:
    return Pass(
        d["station"],
        datetime.fromtimestamp(parse_unix(d["aos"]), UTC),
        datetime.fromtimestamp(parse_unix(d["tca"]), UTC),
        datetime.fromtimestamp(parse_unix(d["los"]), UTC),
        d["max_elevation_deg"],
        d["aos_azimuth_deg"],
        d["los_azimuth_deg"],
        d.get("satellite", ""),
    )


def usable_intervals(
    p: Pass, element_set: ElementSet, radio: Radio, station: Station, min_margin_db: float = 0.0
) -> list[tuple[float, float]]:
    """Spans of the pass with a downlink margin of at least ``min_margin_db``."""
    t = np.arange(p.aos.timestamp(), p.los.timestamp() + STEP_S, STEP_S)
    t[-1] = min(t[-1], p.los.timestamp())
    look = look_angles(element_set, station, t)
    margin = np.asarray(downlink_budget(radio, station, look.range_m, look.elevation_deg).margin_db)
    good = margin >= min_margin_db
    spans, start = [], None
    for i, ok in enumerate(good):
        if ok and start is None:
            start = t[i]
        if not ok and start is not None:
            spans.append((start, t[i]))
            start = None
    if start is not None:
        spans.append((start, t[-1]))
    return spans


def _union_length(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, -np.inf
    for a, b in sorted(spans):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def plan_passes(
    passes: list[Pass],
    element_sets: dict[str, ElementSet],
    radios: dict[str, Radio],
    stations: dict[str, Station],
    requests: list[Request] = (),
    station_priority: dict[str, int] | None = None,
    satellite_priority: dict[str, int] | None = None,
    setup_s: float = 120.0,
    efficiency: float = 0.5,
    uplink_s_per_command: float = 5.0,
    min_margin_db: float = 0.0,
) -> Plan:
    """Assign passes to stations, group them into contacts, and fill contacts with requests."""
    station_priority = station_priority or {}
    satellite_priority = satellite_priority or {}
    conflicts: list[str] = []

    # 1. one satellite at a time per station
    ranked = sorted(
        passes,
        key=lambda p: (
            -satellite_priority.get(p.satellite, 0),
            -station_priority.get(p.station, 0),
            -p.max_elevation_deg,
            p.aos,
        ),
    )
    busy: dict[str, list[tuple[float, float, Pass]]] = defaultdict(list)
    accepted: list[Pass] = []
    for p in ranked:
        a, b = p.aos.timestamp() - setup_s, p.los.timestamp() + setup_s
        clash = next((q for x, y, q in busy[p.station] if x < b and a < y), None)
        if clash is not None:
            conflicts.append(
                f"{p.station}: {p.satellite} at {iso_z(p.aos.timestamp(), 'milliseconds')} dropped for "
                f"{clash.satellite} at {iso_z(clash.aos.timestamp(), 'milliseconds')}"
            )
            continue
        busy[p.station].append((a, b, p))
        accepted.append(p)

    # 2. contacts: overlapping passes of one satellite
    contacts: list[Contact] = []
    by_sat: dict[str, list[Pass]] = defaultdict(list)
    for p in accepted:
        by_sat[p.satellite].append(p)
    for sat, sat_passes in by_sat.items():
        sat_passes.sort(key=lambda p: p.aos)
        groups: list[list[Pass]] = []
        for p in sat_passes:
            if groups and p.aos.timestamp() <= max(q.los.timestamp() for q in groups[-1]):
                groups[-1].append(p)
            else:
                groups.append([p])
        radio = radios[sat]
        for group in groups:
            spans = []
            for p in group:
                spans += usable_intervals(
                    p, element_sets[sat], radio, stations[p.station], min_margin_db
                )
            usable = _union_length(spans)
            prime = max(
                group, key=lambda p: (p.max_elevation_deg, station_priority.get(p.station, 0))
            )
            contacts.append(
                Contact(
                    sat,
                    group,
                    prime.station,
                    min(p.aos.timestamp() for p in group),
                    max(p.los.timestamp() for p in group),
                    usable,
                    int(usable * radio.bit_rate / 8 * efficiency),
                    prime.duration_s,
                )
            )
    contacts.sort(key=lambda c: c.start_unix_s)

    # 3. requests by priority, then deadline, then order of arrival
    unassigned: list[Request] = []
    order = sorted(
        range(len(requests)),
        key=lambda i: (
            -requests[i].priority,
            requests[i].deadline_unix_s if requests[i].deadline_unix_s is not None else np.inf,
            i,
        ),
    )
    for i in order:
        r = requests[i]
        candidates = [
            c
            for c in contacts
            if c.satellite == r.satellite
            and (r.deadline_unix_s is None or c.end_unix_s <= r.deadline_unix_s)
        ]
        if r.kind == "command":
            for c in candidates:
                if len(c.commands) * uplink_s_per_command + uplink_s_per_command <= c.uplink_s:
                    c.allocations.append(Allocation(r, 0))
                    break
            else:
                unassigned.append(r)
            continue
        if r.volume_bytes == 0:
            if candidates:
                candidates[0].allocations.append(Allocation(r, 0))
            else:
                unassigned.append(r)
            continue
        left = r.volume_bytes
        planned: list[tuple[Contact, int]] = []
        for c in candidates:
            room = c.capacity_bytes - c.used_bytes - sum(v for cc, v in planned if cc is c)
            if room <= 0:
                continue
            take = min(room, left)
            planned.append((c, take))
            left -= take
            if left <= 0:
                break
        if left > 0:
            unassigned.append(r)
            continue
        for c, take in planned:
            c.allocations.append(Allocation(r, take))
    return Plan(contacts, unassigned, conflicts)
