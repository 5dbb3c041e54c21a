"""The system component: the commands that act on the whole software, the reset and the clock.

RESET_SOFTWARE asks for a software reset (cause COMMANDED) on ``reset_out``; the topology
performs it at the end of the step, after the command's completion is queued (the completion
is kept across the reset with the rest of the downlink queue). ADJUST_TIME sets the on-board
clock (a :class:`~picodragon.fsw.hal.SettableClock`; any other clock fails DEVICE_ERROR) by
``offset_ms`` and sends the offset on ``rebase_out``, so that every time measured on the old
clock (rate groups, interval timers, the components' own) moves with it while time tags, given
in UTC, stay put; then it reports TIME_ADJUSTED at the corrected time.
"""

from __future__ import annotations

from picodragon.dictionary.telecommand import Reason
from picodragon.fsw.hal import Clock, SettableClock
from picodragon.fsw.params import ResetCause
from picodragon.fsw.scheduler import Component, Port


class System(Component):
    """Resets and clock corrections commanded from the ground."""

    name = "system"
    component_id = 12
    commands = {"RESET_SOFTWARE": "reset_software", "ADJUST_TIME": "adjust_time"}

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.reset_out: Port[ResetCause] = Port("system.reset_out")
        self.rebase_out: Port[float] = Port("system.rebase_out")
        """the clock's correction in seconds (new reading - old)"""

    def reset_software(self, now: float, arguments: dict[str, float]) -> int:
        """RESET_SOFTWARE: a reset at the end of this step."""
        self.reset_out.send(ResetCause.COMMANDED)
        return 0

    def adjust_time(self, now: float, arguments: dict[str, float]) -> int:
        """ADJUST_TIME: move the clock by ``offset_ms``."""
        if not isinstance(self.clock, SettableClock):
            return int(Reason.DEVICE_ERROR)
        offset = arguments["offset_ms"] / 1000.0
        try:
            self.clock.set_time(now + offset)
        except Exception:
            return int(Reason.DEVICE_ERROR)
        self.rebase_out.send(offset)
        self.emit(now + offset, "TIME_ADJUSTED", int(arguments["offset_ms"]), 0)
        return 0
