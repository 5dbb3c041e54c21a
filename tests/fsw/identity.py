"""The identity the flight software's tests fly: the reference mission's callsigns and CW beacon
text, passed explicitly to the flight software (``tests.fsw.fakes.bench_config``) and used by the
test ground (``tests.fsw.ground``). FswConfig's own defaults are placeholders naming no mission.
"""

SPACECRAFT_CALLSIGN = "XV9PID"
GROUND_CALLSIGN = "VNSC"
BEACON_TEXT = "PICO DRAGON VIETNAM"
