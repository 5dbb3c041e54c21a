"""Appendages (deployed antennas) in the drag area and the inertia (issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest
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
