"""IGRF-14: our synthesis against ppigrf, dipole-like behaviour, frames."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import ppigrf

from picodragon.physics.magnetic import field_ecef, field_geocentric, field_teme


def test_against_ppigrf_geodetic_point():
    when = datetime(2013, 11, 19, 12, tzinfo=UTC)
    # Hanoi, 400 km up, on the geocentric sphere for a like-for-like comparison
    r, theta, phi = 6371.2e3 + 400e3, 90 - 21.0, 105.8
    x = r * np.array([np.sin(np.radians(theta)) * np.cos(np.radians(phi)),
                      np.sin(np.radians(theta)) * np.sin(np.radians(phi)),
                      np.cos(np.radians(theta))])
    ours = field_geocentric(x[None, :], [when.timestamp()])
    ref = ppigrf.igrf_gc(r / 1e3, theta, phi, when.replace(tzinfo=None))
    for a, b in zip(ours, ref, strict=True):
        assert abs(a[0] - np.ravel(b)[0]) < 1.0


def test_field_magnitude_in_leo():
    rng = np.random.default_rng(3)
    d = rng.normal(size=(500, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    b = np.linalg.norm(field_ecef(d * 6.78e6, [1.3848e9]), axis=1)
    assert b.min() > 15e-6 and b.max() < 60e-6


def test_teme_rotation_preserves_magnitude():
    r = np.array([[6.78e6, 0, 0], [0, 6.78e6, 0]])
    t = np.array([1.3848e9, 1.3848e9 + 1000])
    a = field_teme(r, t)
    assert a.shape == (2, 3)
    assert np.all(np.linalg.norm(a, axis=1) > 1e-5)


def test_a_point_s_field_does_not_depend_on_its_block():
    """The synthesis takes points in blocks (magnetic.SYNTH_BLOCK): each point's field is the
    one it has alone, to the bit, wherever it falls in a block (poles and phi = pi included)."""
    from picodragon.physics.magnetic import SYNTH_BLOCK

    rng = np.random.default_rng(5)
    n = 2 * SYNTH_BLOCK + 3
    u = rng.normal(size=(n, 3))
    r = u / np.linalg.norm(u, axis=1)[:, None] * rng.uniform(6.4e6, 7.2e6, (n, 1))
    r[0], r[1], r[2] = [0.0, 0.0, 6.8e6], [0.0, 0.0, -6.8e6], [-6.8e6, 0.0, 1.0]
    t = 1.385e9
    together = field_ecef(r, t)
    alone = np.vstack([field_ecef(r[k : k + 1], t) for k in range(n)])
    assert np.array_equal(together, alone)


def test_teme_field_is_the_frames_turns_of_the_earth_fixed_field():
    """field_teme takes the Greenwich angle once for both turns: the same bits as turning the
    positions with ``teme_to_ecef`` and the field back with ``ecef_to_teme`` (one point and many,
    with and without a given UT1 - UTC)."""
    from picodragon.physics.timebase import ecef_to_teme, teme_to_ecef

    rng = np.random.default_rng(7)
    u = rng.normal(size=(40, 3))
    r = u / np.linalg.norm(u, axis=1)[:, None] * 6.8e6
    t = 1.385e9 + 10.0 * np.arange(40)
    for rr, tt, dut1_s in ((r, t, 0.123), (r[:1], [float(t[0])], -0.3), (r, t, None)):
        r_e, _ = teme_to_ecef(rr, None, tt, dut1_s)
        expected = ecef_to_teme(field_ecef(r_e, tt), tt, dut1_s)
        assert np.array_equal(field_teme(rr, tt, dut1_s), expected)
