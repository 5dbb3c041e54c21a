"""Components, typed ports and the scheduler (rate groups and timers).

The flight software is a handful of small components wired together in one place
(:mod:`picodragon.fsw.topology`). A component talks to others only through ports the topology
connects, never by reaching into another component, so each can be tested alone: an output
:class:`Port` pushes messages to every handler connected to it, a :class:`PullPort` asks every
provider connected to it for a value (F Prime's synchronous "get" ports). A component declares
its own interface on its class (F Prime's component model, without the code generator):

- ``commands``: the dictionary commands it handles, by name, and the method that handles each
  (``handler(now, arguments) -> 0 or a Reason code``); the topology registers them with the
  dispatcher;
- ``rate_groups``: the method it runs each period of a rate group;
- ``events_out``: the events it reports (:meth:`Component.emit`, by dictionary name);
- ``telemetry()``: the HOUSEKEEPING fields it owns (its counters and states).

:meth:`Component.state` returns a plain dict of its state, for tests and for a ground-side
debug dump. docs/fsw.md ("Components") is the full protocol.

The scheduler is event driven, as the mission runner is: it holds rate groups (a period and
the components' handlers run in order each period) and one-shot timers, runs everything due
at a given time and says when it next has work. A handler that raises is caught, counted
against its component and reported; the watchdog (in :mod:`picodragon.fsw.modes`) resets the
software when a component's work stops completing.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Handler = Callable[[float, dict[str, float]], int]
"""A command handler: ``(now, arguments in engineering units) -> 0 or a Reason code``."""


class Port(Generic[T]):
    """An output port: messages of one type, delivered synchronously to every connected handler."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Callable[[T], None]] = []

    def connect(self, handler: Callable[[T], None]) -> None:
        self._handlers.append(handler)

    def send(self, message: T) -> None:
        for handler in self._handlers:
            handler(message)

    @property
    def connected(self) -> bool:
        return bool(self._handlers)


class PullPort(Generic[R]):
    """An input asked on demand: every connected provider's answer, in connection order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: list[Callable[..., R]] = []

    def connect(self, provider: Callable[..., R]) -> None:
        self._providers.append(provider)

    def ask(self, *args: Any) -> list[R]:
        return [provider(*args) for provider in self._providers]

    @property
    def connected(self) -> bool:
        return bool(self._providers)


@dataclass(frozen=True)
class EventReport:
    """One event a component reports: the dictionary event's name and its two arguments.

    ``persist`` False: real-time only, never stored (reports an outsider can cause at will).
    """

    at: float
    name: str
    arg0: int = 0
    arg1: int = 0
    persist: bool = True


@dataclass(frozen=True)
class Failure:
    """A component's scheduled work raised (or the component is stalled) at ``at``."""

    component: Component
    error: BaseException
    at: float


class Component:
    """Base of every flight software component: a name, a heartbeat, an event port, its
    declared commands and rate-group work, and an inspectable state."""

    name: str = "component"
    component_id: ClassVar[int] = 0
    """the number events name it by (COMPONENT_FAILURE, WATCHDOG_RESET); 0: not numbered"""
    commands: ClassVar[Mapping[str, str]] = {}
    """dictionary command name -> the name of the method handling it (a :data:`Handler`)"""
    rate_groups: ClassVar[Mapping[str, str]] = {}
    """rate group name -> the name of the method (``method(now)``) run each period"""

    def __init__(self) -> None:
        self.last_heartbeat: float | None = None
        self.failures = 0
        self.stalled = False
        """fault hook: a stalled component's scheduled work never completes (a hung task)"""
        self.events_out: Port[EventReport] = Port(f"{self.name}.events_out")

    def emit(self, now: float, name: str, arg0: int = 0, arg1: int = 0, *,
             persist: bool = True) -> None:
        """Report the dictionary event ``name`` with its two arguments on ``events_out``."""
        self.events_out.send(EventReport(now, name, int(arg0), int(arg1), persist))

    def command_handlers(self) -> dict[str, Handler]:
        """The handlers of the commands this component declares, by command name."""
        return {command: getattr(self, method) for command, method in self.commands.items()}

    def boot(self, now: float) -> None:
        """Called once at every boot, after every component is built and wired."""

    def telemetry(self) -> dict[str, float]:
        """The HOUSEKEEPING fields this component owns, by field name (none by default)."""
        return {}

    def heartbeat(self, now: float) -> None:
        self.last_heartbeat = now

    def rebase(self, offset_s: float) -> None:
        """The on-board clock was corrected by ``offset_s``: move the times this component
        measured on the old clock (subclasses add theirs)."""
        if self.last_heartbeat is not None:
            self.last_heartbeat += offset_s

    def state(self) -> dict[str, Any]:
        """Public state as plain values; subclasses add theirs to this dict."""
        return {"last_heartbeat": self.last_heartbeat, "failures": self.failures}


class Stalled(RuntimeError):
    """Raised by a stalled component's handler: its work did not complete."""


@dataclass
class RateGroup:
    """Handlers run in order every ``period_s``; each belongs to a component."""

    name: str
    period_s: float
    members: list[tuple[Component, Callable[[float], None]]] = field(default_factory=list)
    next_at: float = 0.0
    runs: int = 0


@dataclass(order=True)
class _Timer:
    at: float
    order: int
    name: str = field(compare=False)
    action: Callable[[float], None] = field(compare=False)
    owner: Component | None = field(compare=False)
    absolute: bool = field(default=False, compare=False)
    cancelled: bool = field(default=False, compare=False)


class Scheduler:
    """Rate groups and one-shot timers over an external clock (seconds)."""

    def __init__(self, report_failure: Callable[[Component, BaseException], None] | None = None):
        self.groups: list[RateGroup] = []
        self._timers: list[_Timer] = []
        self._by_name: dict[str, _Timer] = {}
        self._order = itertools.count()
        self.failures_out: Port[Failure] = Port("scheduler.failures_out")
        """every failure of a component's scheduled work"""
        if report_failure is not None:
            self.failures_out.connect(lambda f: report_failure(f.component, f.error))

    def add_group(self, name: str, period_s: float, start: float) -> RateGroup:
        group = RateGroup(name, period_s, next_at=start)
        self.groups.append(group)
        return group

    def group(self, name: str) -> RateGroup:
        return next(g for g in self.groups if g.name == name)

    def every(self, group: str, component: Component, handler: Callable[[float], None]) -> None:
        """Run ``handler(now)`` each period of rate group ``group``, after its earlier members."""
        self.group(group).members.append((component, handler))

    def at(self, name: str, when: float, action: Callable[[float], None],
           owner: Component | None = None, absolute: bool = False) -> None:
        """Run ``action(now)`` once at ``when``; a timer of the same name is replaced.

        ``absolute``: ``when`` is a UTC time given from outside (a time tag) that stays put when
        the clock is corrected; other timers are intervals measured on the clock and move with
        it (:meth:`rebase`).
        """
        self.cancel(name)
        timer = _Timer(when, next(self._order), name, action, owner, absolute)
        self._by_name[name] = timer
        heapq.heappush(self._timers, timer)

    def rebase(self, offset_s: float) -> None:
        """The clock was corrected by ``offset_s``: rate groups and interval timers move with
        it (so a clock set back an hour does not stop the control loop for an hour)."""
        for group in self.groups:
            group.next_at += offset_s
        for timer in self._timers:
            if not timer.absolute:
                timer.at += offset_s
        heapq.heapify(self._timers)

    def cancel(self, name: str) -> None:
        timer = self._by_name.pop(name, None)
        if timer is not None:
            timer.cancelled = True

    def pending(self, name: str) -> float | None:
        """When timer ``name`` fires, or None when none is set."""
        timer = self._by_name.get(name)
        return None if timer is None else timer.at

    def next_due(self) -> float:
        """The earliest of the rate groups' next runs and the first live timer (infinity when
        there is none): ``min`` over them in that order, without building the list."""
        timers = self._timers
        while timers and timers[0].cancelled:
            heapq.heappop(timers)
        best: float | None = None
        for group in self.groups:
            at = group.next_at
            if best is None or at < best:
                best = at
        if timers:
            at = timers[0].at
            if best is None or at < best:
                best = at
        return float("inf") if best is None else best

    def run_due(self, now: float) -> None:
        """Run every timer and rate group due at ``now`` (timers first, in time order)."""
        while True:
            while self._timers and self._timers[0].cancelled:
                heapq.heappop(self._timers)
            if not self._timers or self._timers[0].at > now:
                break
            timer = heapq.heappop(self._timers)
            if self._by_name.get(timer.name) is timer:
                del self._by_name[timer.name]
            self._call(timer.owner, timer.action, now)
        for group in self.groups:
            if group.next_at > now:
                continue
            for component, handler in group.members:
                self._call(component, handler, now)
            group.runs += 1
            group.next_at += group.period_s
            if group.next_at <= now:  # the clock jumped: skip the missed periods
                group.next_at = now + group.period_s

    def _call(self, component: Component | None, handler: Callable[[float], None], now: float) -> None:
        try:
            if component is not None and component.stalled:
                raise Stalled(component.name)
            handler(now)
        except Exception as exc:  # a failing handler must not take the others down
            if component is not None:
                component.failures += 1
                self.failures_out.send(Failure(component, exc, now))
            return
        if component is not None:
            component.heartbeat(now)

    def state(self) -> dict[str, Any]:
        return {
            "groups": {g.name: {"period_s": g.period_s, "next_at": g.next_at, "runs": g.runs}
                       for g in self.groups},
            "timers": {t.name: t.at for t in sorted(self._by_name.values())},
        }
