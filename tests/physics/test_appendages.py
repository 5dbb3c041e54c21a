"""Appendages (deployed antennas) in the drag area and the inertia (issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from picodragon.config.models import Appendage
from picodragon.physics.attitude import appendage_inertia, box_inertia, inertia
from picodragon.physics.gas_surface import plate_cd, sphere_directions


def _with(scenario, *appendages):
    return scenario.spacecraft.model_copy(update={"appendages": list(appendages)})


def tape(**kw):
    data = {"name": "t", "kind": "tape", "length_m": 0.171, "width_m": 0.005, "mass_kg": 0.003,
            "face": "+Z", "direction": "+X"} | kw
    return Appendage(**data)


def test_the_reference_mission_declares_its_antenna_as_an_assumption(scenario):
    (antenna,) = scenario.spacecraft.appendages
    assert antenna.kind == "tape" and {"length_m", "width_m", "mass_kg"} <= set(antenna.assumed)


def test_tape_mean_projection_is_a_quarter_of_both_sides_by_quadrature():
    """A thin plate tumbling: the mean of |n . u| A over random directions is A / 2."""
    t = tape()
    u = sphere_directions(20000)
    mean = np.mean(np.abs(u[:, 2])) * t.length_m * t.width_m
    assert t.mean_projected_area_m2 == pytest.approx(mean, rel=1e-3)
    # Sentman on both sides of the tape, tumbling, is the sphere's Cd on that mean projection
    both = np.mean(plate_cd(u[:, 2], 7.5, 0.07) + plate_cd(-u[:, 2], 7.5, 0.07)) * t.length_m * t.width_m
    from picodragon.physics.gas_surface import tumbling_cd
    assert both == pytest.approx(float(tumbling_cd(7.5, 0.07)) * t.mean_projected_area_m2, rel=1e-3)


def test_rod_and_dipole_areas():
    rod = tape(kind="rod", width_m=0.002, length_m=0.5)
    assert rod.mean_projected_area_m2 == pytest.approx((math.pi * 0.002 * 0.5 + math.pi * 0.002**2 / 2) / 4)
    dipole = tape(arms=2)
    assert dipole.mean_projected_area_m2 == pytest.approx(2 * tape().mean_projected_area_m2)


def test_the_audit_area_fractions(scenario):
    """The audit: a UHF tape adds about 3 % of the area, VHF and UHF dipoles 20-25 %."""
    bare = _with(scenario)
    uhf = _with(scenario, tape())
    assert 0.02 < uhf.mean_cross_section_m2 / bare.mean_cross_section_m2 - 1 < 0.035
    dipoles = _with(scenario, tape(arms=2, length_m=0.17, direction="+X"),
                    tape(arms=2, length_m=0.50, width_m=0.006, direction="+Y", name="v"))
    assert 0.15 < dipoles.mean_cross_section_m2 / bare.mean_cross_section_m2 - 1 < 0.30


def test_appendage_inertia_is_a_rod_from_its_face(scenario):
    sc = _with(scenario, tape(mass_kg=0.01, length_m=0.2))
    ia = appendage_inertia(sc)
    cz = scenario.spacecraft.size_m[2] / 2
    # centre at (0.1, 0, cz): about X only the offset cz; about Y offset and the rod's own length
    assert ia[0] == pytest.approx(0.01 * cz**2)
    assert ia[1] == pytest.approx(0.01 * (0.1**2 + cz**2) + 0.01 * 0.2**2 / 12)
    assert ia[2] == pytest.approx(0.01 * 0.1**2 + 0.01 * 0.2**2 / 12)
    total = inertia(sc)
    box = box_inertia(sc.model_copy(update={"mass_kg": sc.mass_kg - 0.01}))
    assert np.allclose(total, box + ia)
    # the long tape raises the moments about Y and Z more than the 10 g it takes from the box
    assert total[1] > box_inertia(sc)[1] and total[2] > box_inertia(sc)[2]


def test_no_appendage_leaves_the_box(scenario):
    bare = _with(scenario)
    assert np.allclose(inertia(bare), box_inertia(bare))


def test_bad_appendages_are_refused():
    with pytest.raises(ValidationError, match="into the body"):
        tape(face="+Z", direction="-Z")
    with pytest.raises(ValidationError, match="along the face"):
        tape(arms=2, face="+Z", direction="+Z")
    with pytest.raises(ValidationError):
        tape(length_m=0.0)


def test_the_twin_adds_the_antenna_to_the_attitude_s_projected_area(scenario):
    from picodragon.physics.twin import Twin

    twin = Twin(scenario, seed=0)
    sc = scenario.spacecraft
    assert twin._drag_area(0.0, 1.0) == pytest.approx(sc.mean_cross_section_m2)
    twin._area_recent = 0.012  # what the attitude loop projected over its last 6 h (box only)
    assert twin._drag_area(0.0, 1.0) == pytest.approx(0.012 + sc.appendage_area_m2)
    assert sc.appendage_area_m2 == pytest.approx(0.171 * 0.005 / 2)


def _torque(scenario, sc, flow_body):
    """Body-frame torque (N m) of the attitude's derivative with only drag acting: identity
    attitude, the air moving along flow_body at 7.6 km/s, rho 1e-11 kg/m^3, no field, gravity off."""
    from picodragon.physics.attitude import (
        _deriv,
        appendage_plates,
    )

    inert = np.ones(3)  # unit moments: dw = torque for a body at rest
    r = np.array([7.0e6, 0.0, 0.0])
    # v - omega x r is the air's velocity relative to the body reversed: choose v so it is -flow
    from picodragon.physics.constants import OMEGA_EARTH

    vrel = -7600.0 * np.asarray(flow_body, float)
    v = vrel - np.array([OMEGA_EARTH * r[1], -OMEGA_EARTH * r[0], 0.0])
    env = np.concatenate([np.zeros(3), r, v, [1e-11]])
    x, y, z = sc.size_m
    areas = np.array([y * z, y * z, x * z, x * z, x * y, x * y])
    dq, dw = np.empty(4), np.empty(3)
    _deriv(np.array([1.0, 0, 0, 0]), np.zeros(3), env, inert, np.zeros(3), np.zeros((0, 3)),
           np.zeros(0, dtype=np.bool_), 0.0, 0.025, 0.004, 12.0, areas, 2.2, np.zeros(3), False,
           dq, dw, appendage_plates(sc))
    return dw


def test_the_antenna_s_drag_turns_the_body_about_its_root(scenario):
    """Air from +Z (moving along -Z) on a tape lying along +X on the +Z face: the tape presents
    L w, its drag -Z at (L/2, 0, z/2) gives a torque about +Y of (L/2) x F."""
    bare = _with(scenario)
    sc = _with(scenario, tape())
    flow = np.array([0.0, 0.0, -1.0])
    assert np.allclose(_torque(scenario, bare, flow), 0.0)  # centre of mass at the centre
    torque = _torque(scenario, sc, flow)
    force = 0.5 * 1e-11 * 2.2 * 0.171 * 0.005 * 7600.0**2
    assert torque[1] == pytest.approx(0.171 / 2 * force, rel=1e-6)
    assert abs(torque[0]) < 1e-20 and abs(torque[2]) < 1e-20
    # edge-on to the flow (air along X, the tape's own length): a tape presents no area
    assert np.allclose(_torque(scenario, sc, np.array([-1.0, 0.0, 0.0])), 0.0, atol=1e-20)


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                    st.text(max_size=4), st.sampled_from(["+X", "-X", "+Y", "-Y", "+Z", "-Z", "tape", "rod"]))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={k: _VALUES for k in (
    "name", "kind", "arms", "length_m", "width_m", "mass_kg", "face", "direction", "extra")}))
def test_an_appendage_from_any_file_is_valid_or_one_validation_error(data):
    """What a mission file's [[spacecraft.appendages]] holds is outside input: it validates into a
    finite positive area, or pydantic refuses it (never another exception)."""
    try:
        app = Appendage.model_validate(data)
    except ValidationError:
        return
    assert math.isfinite(app.mean_projected_area_m2) and app.mean_projected_area_m2 > 0
    assert app.direction[1] != app.face[1] or app.direction == app.face
