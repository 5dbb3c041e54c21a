"""The flight software: what would run on a CubeSat's on-board computer.

It sees only the HAL protocols (:mod:`picodragon.fsw.hal`) and bytes from its radio; it imports
the dictionary and the link's wire formats, never the physics, the ground or the mission.
The mission runner builds a :class:`FlightSoftware` over a :class:`~picodragon.fsw.hal.Hal`
and a :class:`FswConfig`, calls ``boot()`` then ``step()`` at the times ``step()`` returns.
"""

from picodragon.fsw.params import FswConfig, PersistentParams, ResetCause
from picodragon.fsw.topology import FlightSoftware

__all__ = ["FlightSoftware", "FswConfig", "PersistentParams", "ResetCause"]
