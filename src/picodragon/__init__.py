"""picodragon: the twin, flight software, radio link and ground segment of a 1U Earth-imaging
CubeSat, with a packaged reference mission (missions/picodragon/) that every other mission copies
from its own files."""

__version__ = "0.1.0"
