"""The twin: orbit and decay, Sun and eclipse, field, attitude, power, thermal, sensors, camera.

Physics imports only ``picodragon.config`` and ``picodragon.elements``; its device models fit
the HAL protocols of ``picodragon.fsw.hal`` structurally. Modules, one concept each:

- ``orbit``: SGP4 over arrays, geodetic and look angles, the deployed element set (J-SSOD);
- ``propagator``: Cowell J2-J4 + NRLMSIS drag + SRP, adaptive Dormand-Prince, compiled;
- ``decay``: ``predict_lifetime(scenario)`` for ``picodragon lifetime``;
- ``solar_activity``, ``atmosphere``: CelesTrak space weather, NRLMSIS 2.1 or NRLMSISE-00 density;
- ``sun``: Sun position, conical shadow with penumbra, albedo and Earth infrared;
- ``magnetic``: IGRF-14; ``attitude``: rigid body with passive magnetic control;
- ``power``, ``thermal``: array, battery, loads; lumped thermal nodes;
- ``devices``, ``sensors``, ``camera``: what the flight software sees;
- ``twin``: ``Twin`` and ``simulate`` (long-span histories); ``validation``, ``gallery``.

Assumptions and sources: docs/models.md; validation: docs/validation.md.
"""

from picodragon.physics.decay import predict_lifetime
from picodragon.physics.orbit import LookAngles, deployed_element_set
from picodragon.physics.twin import HISTORY_FIELDS, Twin, simulate

__all__ = ["HISTORY_FIELDS", "LookAngles", "Twin", "deployed_element_set", "predict_lifetime", "simulate"]
