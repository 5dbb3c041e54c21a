"""picodragon: the twin, flight software, radio link and ground segment of a 1U Earth-imaging
CubeSat, built around Pico Dragon (VNSC, Vietnam, 2013)."""

__version__ = "0.1.0"
