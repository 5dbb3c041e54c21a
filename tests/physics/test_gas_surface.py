"""Sentman free-molecular drag coefficients (physics/gas_surface.py, issue 15).

What is checked, and against what:
- the hyperthermal limits of Sentman (1961, LMSC-448514) for a flat plate and a sphere, cold wall
  and full accommodation: C_D -> 2 for both (all incident momentum absorbed, re-emitted at no
  speed); at normal incidence and zero accommodation of energy (diffuse re-emission at half the
  stream's energy) the plate gives 2 + sqrt(pi / 2) = 3.2533;
- the sphere's closed form against the flat plate integrated over its surface (two independent
  routes: Sentman's sphere is derived for the sphere, not assembled from plates), and the tumbling
  box by quadrature over random orientations against the same closed form, at low and orbital
  speed ratios;
- the audit of issue 15 (an independent Sentman calculation for a tumbling cube at 400 km):
  C_D = 2.13, 2.32 and 2.42 at energy accommodation 1, 0.9 and 0.8;
- Pilinski, Argrow & Palo 2010's Langmuir fit: alpha near 1 low down (dense atomic oxygen),
  lower high up, and exactly K P / (1 + K P) with K = 7.50e-17 m^3/K.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from picodragon.physics import gas_surface as gs
from picodragon.physics.atmosphere import composition, msis

O_MASS = gs.SPECIES_AMU["O"] * gs.AMU
UNIX_2013_12 = 1386000000.0


def test_flat_plate_hyperthermal_limits():
    """Face-on, S -> infinity: C_D = 2 + sqrt(pi) v_re / V (Sentman 1961); 2 for a cold wall."""
    s = 1e4
    assert gs.plate_cd(1.0, s, 0.0) == pytest.approx(2.0, abs=1e-6)
    ratio = math.sqrt(0.5)  # alpha = 0: v_re / V = sqrt(1/2)
    assert gs.reemission_ratio(7600.0, 0.0, O_MASS) == pytest.approx(ratio)
    assert gs.plate_cd(1.0, s, ratio) == pytest.approx(2.0 + math.sqrt(math.pi / 2), abs=1e-6)
    # grazing and leeward sides carry nothing in the hyperthermal limit
    assert gs.plate_cd(0.0, s, 0.5) == pytest.approx(0.0, abs=1e-3)
    assert gs.plate_cd(-0.5, s, 0.5) == pytest.approx(0.0, abs=1e-12)
    # at incidence theta (gamma = cos theta) the cold-wall plate gives 2 gamma, on its own area
    assert gs.plate_cd(math.cos(math.radians(60)), s, 0.0) == pytest.approx(1.0, abs=1e-6)


def test_sphere_hyperthermal_limit():
    """Sphere, S -> infinity: C_D = 2 + (2 sqrt(pi) / 3) v_re / V (Sentman 1961)."""
    assert gs.sphere_cd(1e4, 0.0) == pytest.approx(2.0, abs=1e-6)
    assert gs.sphere_cd(1e4, 0.1) == pytest.approx(2.0 + 2 * math.sqrt(math.pi) / 3 * 0.1, abs=1e-6)


@pytest.mark.parametrize("s, ratio", [(0.5, 1.0), (1.0, 0.5), (3.0, 0.3), (7.5, 0.07), (20.0, 0.2)])
def test_sphere_closed_form_equals_the_plate_over_its_surface(s, ratio):
    """A sphere's surface elements see flow cosines uniform in [-1, 1]: C_D = 4 x the mean plate."""
    gamma = np.linspace(-1.0, 1.0, 40001)
    plate_mean = np.trapezoid(gs.plate_cd(gamma, s, ratio), gamma) / 2.0
    assert 4.0 * plate_mean == pytest.approx(float(gs.sphere_cd(s, ratio)), rel=1e-7)


@pytest.mark.parametrize("size", [(0.1, 0.1, 0.1135), (0.1, 0.1, 0.34), (0.3, 0.05, 0.01)])
@pytest.mark.parametrize("s, ratio", [(1.0, 0.5), (7.5, 0.07)])
def test_tumbling_box_by_quadrature_is_the_sphere_on_a_quarter_of_the_surface(size, s, ratio):
    x, y, z = size
    quarter = (x * y + y * z + z * x) / 2.0
    directions = gs.sphere_directions(6000)
    mean = gs.box_cd_area(directions, size, s, ratio).mean()
    assert mean / quarter == pytest.approx(float(gs.tumbling_cd(s, ratio)), rel=2e-4)


def test_box_face_on_is_one_plate_front_and_back():
    size = (0.1, 0.1, 0.1135)
    flow = np.array([[0.0, 0.0, -1.0]])  # air moving along -Z: it hits the +Z face
    cda = gs.box_cd_area(flow, size, 7.5, 0.07)[0]
    side = 0.1 * 0.1135
    expected = 0.01 * (gs.plate_cd(1.0, 7.5, 0.07) + gs.plate_cd(-1.0, 7.5, 0.07)) \
        + 4 * side * gs.plate_cd(0.0, 7.5, 0.07)
    assert cda == pytest.approx(expected)
    # the four sides, parallel to the flow, feel only the thermal molecules' shear 1 / (S sqrt(pi))
    assert gs.plate_cd(0.0, 7.5, 0.07) == pytest.approx(1.0 / (7.5 * math.sqrt(math.pi)))


@pytest.fixture(scope="module")
def air_400km():
    out = msis(np.array([UNIX_2013_12]), np.array([0.0]), np.array([0.0]), np.array([400e3]))
    return composition(out)


@pytest.mark.parametrize("alpha, audit", [(1.0, 2.13), (0.9, 2.32), (0.8, 2.42)])
def test_tumbling_cube_at_400_km_matches_the_audit(air_400km, alpha, audit):
    nd, temperature = air_400km
    cd, used = gs.mixture_cd(np.array([7660.0]), temperature, nd, alpha)
    assert used[0] == alpha
    assert cd[0] == pytest.approx(audit, abs=0.02)


def test_lighter_species_raise_the_mixture_cd(air_400km):
    """Helium's lower speed ratio and higher re-emission speed give it a larger C_D than O's."""
    nd, temperature = air_400km
    only_o = np.zeros_like(nd)
    only_o[:, list(gs.SPECIES_AMU).index("O")] = 1e14
    only_he = np.zeros_like(nd)
    only_he[:, list(gs.SPECIES_AMU).index("He")] = 1e14
    cd_o, _ = gs.mixture_cd(np.array([7660.0]), temperature, only_o, 1.0)
    cd_he, _ = gs.mixture_cd(np.array([7660.0]), temperature, only_he, 1.0)
    assert cd_he[0] > cd_o[0] + 0.05


def test_pilinski_accommodation():
    k = gs.PILINSKI_K
    assert k == 7.50e-17
    p = 1e15 * 1000.0
    assert gs.pilinski_accommodation(1e15, 1000.0) == pytest.approx(k * p / (1 + k * p))
    low = gs.pilinski_accommodation(4e15, 900.0)    # about 200 km
    high = gs.pilinski_accommodation(2e13, 1000.0)  # about 550 km
    assert low > 0.99 and high < 0.7
    # a partly clean surface between its two limits
    mid = gs.pilinski_accommodation(1e14, 1000.0, alpha_ads=1.0, alpha_clean=0.5)
    theta = gs.pilinski_accommodation(1e14, 1000.0)
    assert mid == pytest.approx(theta + 0.5 * (1 - theta))


def test_adsorption_model_along_a_path_is_between_the_fixed_cases(air_400km):
    nd, temperature = air_400km
    cd, alpha = gs.mixture_cd(np.array([7660.0]), temperature, nd)
    assert 0.5 < alpha[0] < 1.0
    cd1, _ = gs.mixture_cd(np.array([7660.0]), temperature, nd, 1.0)
    cd0, _ = gs.mixture_cd(np.array([7660.0]), temperature, nd, 0.5)
    assert cd1[0] < cd[0] < cd0[0]
