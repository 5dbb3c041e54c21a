"""The environmental test campaign before delivery: vibration and thermal vacuum.

A room beside the others (docs/architecture.md): test specifications as data (``specs/``), a
structural model of the spacecraft, the analyses a test lab runs on accelerometer and
thermocouple data (PSD against the spec, Grms, frequency response, modal identification,
pre/post signature comparison, thermal-vacuum cycles and plateaus), the thermal-vacuum test with
the flight software running against the twin in a chamber and the ground watching (EGSE), and the
correlation of the twin's thermal model to the test data.

Walls: the analyses are numpy on arrays and files; the thermal-vacuum run is an integrating room
like ``picodragon.mission`` (it flies the flight software against the twin and archives through
the ground), so envtest may import physics, fsw, ground, mission and config, but never web or
cli; no other room imports envtest except the cli and the web.
"""
