"""The boot and deployment sequence: RF silence, antenna release, first transmission.

On the first boot (the ejection from the deployer) the software records the time in the
persistent parameters. Nothing radiates and the antenna stays stowed until ``rf_silence_s``
(30 minutes, the ISS deployer rule) after that time: a reset during the silence does not
restart it, and a reset after it does not repeat it. Then the burn wire is heated for
``antenna_burn_s``; if the deployment switch still reads closed (antenna stowed) the burn is
retried every ``antenna_retry_s`` up to ``antenna_max_attempts`` times, each attempt counted in
the persistent parameters so a reset does not grant extra burns. The transmitter is enabled
once the switch opens, or after the last attempt (a stowed antenna still radiates a little, and
the ground must learn of the failure).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from picodragon.fsw.hal import AntennaDeployer
from picodragon.fsw.params import FswConfig, PersistentParams
from picodragon.fsw.scheduler import Component, Port, Scheduler


class Deployment(Component):
    """Runs the sequence from ejection to the first beacon."""

    name = "deployment"
    component_id = 6

    def __init__(self, scheduler: Scheduler, antenna: AntennaDeployer | None,
                 params: PersistentParams, save_params: Callable[[], None],
                 config: FswConfig) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.antenna = antenna
        self.params = params
        self.save_params = save_params
        self.config = config
        self.ready_out: Port[float] = Port("deployment.ready_out")
        self.ready = False
        self.silence_end = 0.0

    def boot(self, now: float) -> None:
        if self.params.first_boot_unix is None:
            self.params.first_boot_unix = now
            self.save_params()
        self.silence_end = self.params.first_boot_unix + self.config.rf_silence_s
        if now < self.silence_end:
            self.scheduler.at("deployment.silence", self.silence_end, self._silence_over, self)
        elif self.params.antenna_deployed or self.params.antenna_attempts >= self.config.antenna_max_attempts:
            self._ready(now)
        else:  # a reset interrupted the deployment: carry on where it stopped
            self._burn(now)

    def telemetry(self) -> dict[str, float]:
        return {"antenna_deployed": int(self.params.antenna_deployed)}

    def rebase(self, offset_s: float) -> None:
        """The ejection happened when it happened: its time on the corrected clock moves."""
        super().rebase(offset_s)
        self.silence_end += offset_s
        if self.params.first_boot_unix is not None:
            self.params.first_boot_unix += offset_s
            self.save_params()

    def _silence_over(self, now: float) -> None:
        self.emit(now, "RF_SILENCE_OVER", int(now - self.params.first_boot_unix))
        self._burn(now)

    def _burn(self, now: float) -> None:
        if self.antenna is None:  # nothing to release (a fixed antenna)
            self.params.antenna_deployed = True
            self.save_params()
            self._ready(now)
            return
        self.params.antenna_attempts += 1
        self.save_params()
        self.emit(now, "ANTENNA_BURN", self.params.antenna_attempts)
        self.scheduler.at("deployment.check", now + self.config.antenna_burn_s, self._check, self)
        with contextlib.suppress(Exception):  # a failed burn is a spent attempt: the check follows
            self.antenna.burn(self.config.antenna_burn_s)

    def _check(self, now: float) -> None:
        assert self.antenna is not None
        try:
            stowed = self.antenna.switch_closed()
        except Exception:  # a switch that does not answer proves nothing: burn again
            stowed = True
        if not stowed:
            self.params.antenna_deployed = True
            self.save_params()
            self.emit(now, "ANTENNA_DEPLOYED", self.params.antenna_attempts)
            self._ready(now)
        elif self.params.antenna_attempts < self.config.antenna_max_attempts:
            self.scheduler.at("deployment.burn", now + self.config.antenna_retry_s, self._burn, self)
        else:
            self.emit(now, "ANTENNA_FAILED", self.params.antenna_attempts)
            self._ready(now)

    def _ready(self, now: float) -> None:
        self.ready = True
        self.ready_out.send(now)

    def state(self) -> dict[str, Any]:
        return super().state() | {
            "ready": self.ready, "silence_end": self.silence_end,
            "antenna_deployed": self.params.antenna_deployed,
            "antenna_attempts": self.params.antenna_attempts,
        }
