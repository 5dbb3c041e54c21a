"""Settings of the standing hostile-input suite: every decoder fed from outside, fuzzed on every run.

``make test`` runs each property with ``PICODRAGON_FUZZ_EXAMPLES`` cases (3,000 by default, a
few seconds each); ``make fuzz`` runs the longer campaign whose figures docs/security.md quotes.
Tests here never time anything: a case either keeps the promise of the code under test (a typed
rejection, never an exception out of a server loop) or fails.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("PICODRAGON_FUZZ_EXAMPLES", "3000"))

settings.register_profile(
    "hostile",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("PICODRAGON_FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

hostile = settings.get_profile("hostile")
"""Decorate a property with ``@hostile`` to run it with the suite's case count."""
