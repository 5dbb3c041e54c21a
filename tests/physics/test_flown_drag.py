"""Sentman's C_D A from the twin's own attitude (flown_drag) and the twin's choice of drag model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.physics import flown_drag as fd
from picodragon.physics.decay import propagator_for
from picodragon.physics.gas_surface import (
    box_cd_area,
    plate_cd,
    sphere_directions,
    tumbling_cd,
)
from picodragon.physics.twin import Twin


def _spacecraft(scenario, **update):
    return scenario.spacecraft.model_copy(update=update)


def _with(scenario, **update):
    return scenario.model_copy(update={"spacecraft": _spacecraft(scenario, **update)})


def _table_of(flows, spacecraft):
    drag = fd.FlownDrag(spacecraft)
    drag.set_table(fd.shape_table(np.asarray(flows, dtype=float), drag.areas))
    return drag


def test_flow_in_the_body_frame():
    # on the pole the air does not co-rotate sideways: the air meets the body moving +X head-on
    r = np.array([[0.0, 0.0, 6.8e6]])
    v = np.array([[7600.0, 0.0, 0.0]])
    assert fd.flow_body(np.array([[1.0, 0, 0, 0]]), r, v) == pytest.approx(np.array([[-1.0, 0, 0]]))
    # body turned 90 deg about Z: body +X is inertial +Y, body +Y inertial -X
    q = np.array([[math.cos(math.pi / 4), 0, 0, math.sin(math.pi / 4)]])
    assert fd.flow_body(q, r, v) == pytest.approx(np.array([[0.0, 1.0, 0.0]]), abs=1e-12)
    # over the equator the co-rotating air (omega r = 496 m/s) comes from the west
    r_eq = np.array([[6.8e6, 0.0, 0.0]])
    v_eq = np.array([[0.0, 7600.0, 0.0]])
    u = fd.flow_body(np.array([[1.0, 0, 0, 0]]), r_eq, v_eq)[0]
    assert u[1] == pytest.approx(-(7600.0 - 7.2921159e-5 * 6.8e6) / np.hypot(0, 7600.0 - 7.2921159e-5 * 6.8e6))
    assert np.linalg.norm(u) == pytest.approx(1.0)


def test_the_compiled_window_pass_gives_numpy_s_weights_to_the_bit():
    """FlownDrag._flush's kernel against cos_weights(flow_body(...)) on the interpolated states:
    random caches, times (before, inside and past the nodes), attitudes and step lengths."""
    rng = np.random.default_rng(7)
    n_nodes = len(fd.C_NODES)
    for _ in range(40):
        m = int(rng.integers(3, 400))
        c_r = rng.normal(size=(m, 3)) * 7e6
        c_v = rng.normal(size=(m, 3)) * 7.6e3
        c_t0, c_dt = 1.39e9 + rng.uniform(0, 1e7), 10.0
        n = int(rng.integers(1, 600))
        t_mid = np.sort(c_t0 + rng.uniform(-5.0, m * 10.0 + 5.0, n))
        q = rng.normal(size=(n, 4))
        q /= np.linalg.norm(q, axis=1)[:, None]
        wts = rng.choice([10.0, 0.5, 2.3, 9.5, 0.25], n)
        f = np.clip((t_mid - c_t0) / c_dt, 0.0, m - 1.000001)
        i = f.astype(int)
        w = (f - i)[:, None]
        r = c_r[i] * (1.0 - w) + c_r[i + 1] * w
        v = c_v[i] * (1.0 - w) + c_v[i + 1] * w
        lo, hi = np.zeros(3 * n_nodes), np.zeros(3 * n_nodes)
        fd._flow_weights(t_mid, q, wts, c_t0, c_dt, c_r, c_v, lo, hi)
        assert np.array_equal((lo + hi).reshape(3, n_nodes), fd.cos_weights(fd.flow_body(q, r, v), wts))


def test_samples_a_row_at_a_time_weigh_as_one_batch(scenario):
    """The window's rows (``FlownDrag.rows``/``add_rows``, as the twin's step writes them; they
    grow past PENDING_ROWS) give the table one ``add`` of the same samples gives, to the bit,
    across a change of cache."""
    sc = _spacecraft(scenario, appendages=[])
    rng = np.random.default_rng(9)
    n = fd.PENDING_ROWS + 700
    dt = fd.WINDOW_S / (n - 0.5)  # the window fills at the last sample
    t = 100.0 + dt * (np.arange(n) + 0.5)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1)[:, None]
    caches = [(t[0] - 10.0, 10.0, rng.normal(size=(m, 3)) * 7e6, rng.normal(size=(m, 3)) * 7.6e3)
              for m in (2000, 2000)]
    one, rows = fd.FlownDrag(sc), fd.FlownDrag(sc)
    half = n // 2
    for (c_t0, c_dt, c_r, c_v), part in zip(caches, (slice(0, half), slice(half, n)), strict=True):
        one.add(t[part], q[part], dt, c_t0, c_dt, c_r, c_v)
        for k in range(part.start, part.stop):
            t_row, q_row = rows.rows(1)
            t_row[:], q_row[:] = t[k], q[k]
            rows.add_rows(1, dt, c_t0, c_dt, c_r, c_v)
    assert one.table is not None and rows.table is not None
    for a, b in zip(one.table, rows.table, strict=True):
        assert a.tobytes() == b.tobytes()


def test_face_on_flow_gives_each_face_its_own_incidence(scenario):
    sc = _spacecraft(scenario, appendages=[])
    assert np.all(fd.axis_areas(sc) == pytest.approx(
        [sc.size_m[1] * sc.size_m[2], sc.size_m[0] * sc.size_m[2], sc.size_m[0] * sc.size_m[1]]))
    drag = _table_of([[1.0, 0.0, 0.0]], sc)  # the air moves along +X: face -X face-on
    s = np.array([[1.5, 4.0, 8.0]])
    ratio = np.array([[0.2, 0.3, 0.25]])
    x, y, z = sc.size_m
    expected = (y * z * (plate_cd(1.0, s, ratio) + plate_cd(-1.0, s, ratio))
                + 2.0 * (x * z + x * y) * plate_cd(0.0, s, ratio))  # four side faces grazing
    assert drag.cda(s, ratio) == pytest.approx(expected, rel=2e-5)
    assert drag.cda(s, ratio)[0] == pytest.approx(
        [box_cd_area([[1.0, 0, 0]], sc.size_m, si, ri)[0] for si, ri in zip(s[0], ratio[0], strict=True)],
        rel=2e-5)


def test_a_window_of_steps_at_a_known_attitude_gives_gas_surface_s_box(scenario):
    sc = _spacecraft(scenario, appendages=[])
    drag = fd.FlownDrag(sc)
    # over the pole, flying +X with the body axes on the inertial ones, then turned 90 deg about Z
    c_r = np.tile([0.0, 0.0, 6.8e6], (3, 1))
    c_v = np.tile([7600.0, 0.0, 0.0], (3, 1))
    half = np.array([math.cos(math.pi / 4), 0, 0, math.sin(math.pi / 4)])
    for k in range(2 * 36):
        q = np.tile([1.0, 0, 0, 0] if k % 2 == 0 else half, (30, 1))
        t0 = 300.0 * k
        drag.add(t0 + 10.0 * (np.arange(30) + 0.5), q, 10.0, t0 - 10.0, 3600.0, c_r, c_v)
    assert drag.table is not None and drag.window_span_s == pytest.approx(fd.WINDOW_S)
    s, ratio = np.array([2.5, 9.0]), np.array([0.3, 0.2])
    # half the time the air meets face +X head-on, half the time face -Y
    expected = 0.5 * (box_cd_area([[-1.0, 0, 0]], sc.size_m, s[:, None], ratio[:, None])[:, 0]
                      + box_cd_area([[0.0, 1.0, 0]], sc.size_m, s[:, None], ratio[:, None])[:, 0])
    assert drag.cda(s, ratio) == pytest.approx(expected, rel=2e-5)


def test_the_table_matches_the_direct_sum_over_any_attitude(scenario):
    sc = _spacecraft(scenario, appendages=[])
    rng = np.random.default_rng(3)
    flows = rng.normal(size=(300, 3))
    flows /= np.linalg.norm(flows, axis=1)[:, None]
    drag = _table_of(flows, sc)
    for s in (0.5, 1.3, 2.7, 6.0, 11.0, 30.0):
        for ratio in (0.05, 0.2, 0.7):
            direct = box_cd_area(flows, sc.size_m, s, ratio).mean()
            assert drag.cda(np.array([s]), np.array([ratio]))[0] == pytest.approx(direct, rel=2e-5)


def test_appendages_keep_their_tumbling_share(scenario):
    sc = scenario.spacecraft
    assert sc.appendage_area_m2 > 0
    with_ = _table_of([[0.0, 1.0, 0.0]], sc)
    bare = _table_of([[0.0, 1.0, 0.0]], _spacecraft(scenario, appendages=[]))
    s, ratio = np.array([7.0]), np.array([0.25])
    assert with_.cda(s, ratio) - bare.cda(s, ratio) == pytest.approx(sc.appendage_area_m2 * tumbling_cd(s, ratio))


def test_a_tumbling_window_approaches_the_tumbling_average(scenario):
    sc = _spacecraft(scenario, appendages=[])
    x, y, z = sc.size_m
    quarter = (x * y + y * z + z * x) / 2.0
    # a deterministic tumble: the flow from every direction alike
    lattice = _table_of(sphere_directions(3000), sc)
    s, ratio = np.array([2.0, 7.0, 12.0]), np.array([0.3, 0.2, 0.25])
    assert lattice.cda(s, ratio) == pytest.approx(quarter * tumbling_cd(s, ratio), rel=2e-3)
    # random attitudes fed step by step as the twin does, in steps shorter than 10 s
    rng = np.random.default_rng(11)
    drag = fd.FlownDrag(sc)
    c_r = np.tile([0.0, 0.0, 6.8e6], (3, 1))
    c_v = np.tile([7600.0, 0.0, 0.0], (3, 1))
    t = 0.0
    while drag.table is None:
        q = rng.normal(size=(60, 4))
        q /= np.linalg.norm(q, axis=1)[:, None]
        drag.add(t + 5.0 * (np.arange(60) + 0.5), q, 5.0, t - 10.0, 3600.0, c_r, c_v)
        t += 300.0
        assert t <= fd.WINDOW_S
    assert drag.window_span_s == pytest.approx(fd.WINDOW_S)
    assert drag.cda(s, ratio) == pytest.approx(quarter * tumbling_cd(s, ratio), rel=0.02)
    # a body that keeps one face to the flow is far from the tumble
    face_on = _table_of(np.tile([0.0, 0.0, -1.0], (10, 1)), sc)
    assert abs(face_on.cda(s, ratio)[1] / (quarter * tumbling_cd(s, ratio)[1]) - 1.0) > 0.05


def test_the_twin_flies_sentman_from_its_attitude(scenario):
    assert scenario.spacecraft.drag_model == "sentman"
    twin = Twin(scenario, seed=2)
    assert twin.orbit.cd_model == "sentman" and twin._flown is not None
    assert twin.orbit.body_cda == twin._flown.cda
    for hour in range(1, 14):  # as the mission steps it: the orbit a chunk ahead of the attitude
        twin.advance_to(twin.start_unix + hour * 3600.0)
    assert twin._flown.table is not None
    # the chunks after the first full window carry the attitude's C_D A over the twin's area
    area = twin.orbit._area  # the chunk's (Twin._drag_area, from an earlier window)
    assert area != scenario.spacecraft.mean_cross_section_m2
    s, ratio = np.array([[1.4, 7.5, 10.2]]), np.array([[0.2, 0.25, 0.3]])
    assert np.array_equal(twin.orbit._species_cd(s, ratio), twin._flown.cda(s, ratio) / area)
    assert not np.allclose(twin._flown.cda(s, ratio) / area, tumbling_cd(s, ratio), rtol=1e-3)
    log = twin.orbit.cd_log
    assert np.all(np.isfinite(log[:, 1])) and np.all((log[:, 1] > 1.5) & (log[:, 1] < 3.5))


def test_without_attitude_the_twin_flies_the_tumbling_sentman_of_lifetime(scenario):
    twin = Twin(scenario, seed=2, attitude=False)
    assert twin.orbit.cd_model == "sentman" and twin._flown is None
    twin.advance_to(twin.start_unix + 8 * 3600.0)
    alone = propagator_for(scenario, cd_model="sentman")
    r, v = alone.states([twin.start_unix + 8 * 3600.0])
    r_twin, v_twin = twin.state_teme([twin.start_unix + 8 * 3600.0])
    assert np.array_equal(r, r_twin) and np.array_equal(v, v_twin)


def test_a_fixed_cd_scenario_flies_the_fixed_cd(scenario):
    fixed = _with(scenario, drag_model="fixed")
    twin = Twin(fixed, seed=2)
    assert twin.orbit.cd_model == "fixed" and twin._flown is None and twin.orbit.body_cda is None
    twin.advance_to(twin.start_unix + 7 * 3600.0)
    log = twin.orbit.cd_log
    assert np.all(log[:, 1] == fixed.spacecraft.drag_coefficient) and np.all(np.isnan(log[:, 2]))
