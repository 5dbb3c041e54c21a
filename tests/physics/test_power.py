"""Power helpers: the scalar open-circuit voltage the twin asks every step."""

from __future__ import annotations

import numpy as np

from picodragon.physics import power as pw


def test_scalar_ocv_is_numpys_interp_to_the_bit():
    """``battery_ocv_at`` (Python floats) gives what ``battery_ocv`` (np.interp) gives, at the
    table's nodes, next to them, between them and beyond both ends."""
    rng = np.random.default_rng(4)
    nodes = pw.SOC_TABLE
    socs = np.concatenate([rng.uniform(-0.2, 1.2, 5000), nodes, np.nextafter(nodes, 2.0),
                           np.nextafter(nodes, -2.0), [-0.0, 0.0, 1.0]])
    for soc in socs:
        assert pw.battery_ocv_at(soc) == float(pw.battery_ocv(soc))
    assert np.isnan(pw.battery_ocv_at(float("nan")))
