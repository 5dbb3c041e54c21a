"""The 1U's structural model: lumped masses on springs, one chain per axis, base-excited.

Why lumped masses and not finite elements: a CubeSat vibration test sees the spacecraft as a few
sub-assemblies (frame on its rails, the PCB stack, the battery, the camera, the side panels)
that each ride on one joint; the test's questions (first natural frequency against the
deployer's minimum, response PSD and Grms, pre/post signature shift when a joint loosens) are
about those joints. A five-DOF chain per axis answers them in microseconds, with an exact
frequency response, and keeps every parameter a named number a reader can check; a finite-element
mesh of a 1U would need geometry and material data the reference mission never published.

The model (all named assumptions of typical 1U practice, the mass from the mission):

* masses: fractions of the mission's ``spacecraft.mass_kg`` (:data:`MASS_FRACTIONS`);
* joints: each joint's stiffness is set from the fixed-base frequency of the part it carries
  (:data:`JOINT_FREQUENCY_HZ`, per axis: k = m (2 pi f)^2), the figure a designer knows for a
  PCB stack on four rods or a panel on its screws; the coupled modes then follow from the
  eigenproblem (scipy.linalg.eigh), they are not set;
* modal damping: zeta = 0.03 (Q = 16.7) on every mode, inside the Q = 10..20 usually measured on
  bolted aluminium CubeSat structures (:data:`DAMPING_RATIO`).

Base excitation: with z the displacements relative to the shaker and a_b its acceleration,
M z'' + C z' + K z = -M 1 a_b; in modal coordinates (mass-normalised phi_r, participation
Gamma_r = phi_r^T M 1) the absolute acceleration transmissibility is
T(w) = 1 + w^2 sum_r phi_r Gamma_r / (w_r^2 - w^2 + 2 j zeta w_r w), which is 1 at low frequency
and tends to 0 above the modes (sum_r phi_r Gamma_r = 1). The response PSD is |T|^2 times the
input ASD; :func:`miles_grms` is the single-mode cross-check (Miles 1954).

Damage: ``damage={"joint": "stack", "stiffness_drop": 0.10}`` multiplies that joint's stiffness
by 0.9 on every axis (a loosened joint), for the pre/post comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import eigh

DOFS = ("frame", "stack", "battery", "camera", "panels")
"""the lumped masses, in chain order"""
MASS_FRACTIONS = {"frame": 0.30, "stack": 0.25, "battery": 0.15, "camera": 0.10, "panels": 0.20}
"""share of the spacecraft mass in each lump (assumption: typical 1U mass budget: aluminium frame
and rails 0.3 kg, OBC/EPS/radio boards 0.25 kg, 2 Li-ion cells with their board 0.15 kg, camera
and its bracket 0.1 kg, solar panels 0.2 kg of a 1 kg CubeSat)"""
JOINTS = {"rails": ("base", "frame"), "stack": ("frame", "stack"), "battery": ("stack", "battery"),
          "camera": ("frame", "camera"), "panels": ("frame", "panels")}
"""each joint: (the part it hangs from, the part it carries); 'base' is the shaker/deployer"""
JOINT_FREQUENCY_HZ = {
    # fixed-base frequency of the carried part on its joint, X / Y / Z (Z along the rails)
    # assumption: values within the ranges reported for 1U sub-assemblies (boards out of plane
    # along Z are the soft direction; rails are stiffest along their length)
    "rails": (1500.0, 1500.0, 2200.0),
    "stack": (420.0, 440.0, 330.0),
    "battery": (700.0, 720.0, 560.0),
    "camera": (1150.0, 1150.0, 950.0),
    "panels": (800.0, 780.0, 1300.0),
}
DAMPING_RATIO = 0.03
"""modal damping ratio of every mode (assumption: Q = 16.7, typical of bolted 1U structures)"""
AXES = ("X", "Y", "Z")


@dataclass(frozen=True)
class StructuralModel:
    """Lumped-mass model: per axis, the mass and stiffness matrices and the modal damping."""

    dofs: tuple[str, ...]
    masses_kg: np.ndarray
    stiffness: dict[str, np.ndarray]  # axis -> K (N/m), shape (n, n)
    damping_ratio: float = DAMPING_RATIO
    joints: dict[str, dict[str, float]] = field(default_factory=dict)  # axis -> joint -> k (N/m)
    damage: dict[str, Any] | None = None

    def modes(self, axis: str) -> tuple[np.ndarray, np.ndarray]:
        """Natural frequencies (Hz, ascending) and mass-normalised mode shapes (columns)."""
        w2, phi = eigh(self.stiffness[_axis(axis)], np.diag(self.masses_kg))
        return np.sqrt(np.clip(w2, 0.0, None)) / (2 * math.pi), phi

    def natural_frequencies(self, axis: str) -> np.ndarray:
        """Natural frequencies of ``axis`` (Hz, ascending)."""
        return self.modes(axis)[0]

    def effective_mass_fraction(self, axis: str) -> np.ndarray:
        """Each mode's effective mass over the total (Gamma_r^2 / sum m): which modes the base sees."""
        _, phi = self.modes(axis)
        gamma = phi.T @ self.masses_kg
        return gamma**2 / self.masses_kg.sum()

    def transmissibility(self, f_hz: Any, axis: str) -> np.ndarray:
        """Complex absolute-acceleration transmissibility base -> each DOF, shape (n_f, n_dof)."""
        fn, phi = self.modes(axis)
        w = 2 * math.pi * np.asarray(f_hz, dtype=float)[:, None]
        wr = 2 * math.pi * fn[None, :]
        gamma = phi.T @ self.masses_kg  # (n_modes,)
        modal = w**2 / (wr**2 - w**2 + 2j * self.damping_ratio * wr * w)  # (n_f, n_modes)
        return 1.0 + modal @ (phi * gamma[None, :]).T

    def response_psd(self, f_hz: Any, input_asd: Any, axis: str) -> np.ndarray:
        """Response ASD (g^2/Hz) at each DOF for a base input ASD: |T|^2 times the input."""
        t = self.transmissibility(f_hz, axis)
        return np.abs(t) ** 2 * np.asarray(input_asd, dtype=float)[:, None]

    def describe(self) -> dict[str, Any]:
        """Masses, joints and the first modes per axis, for JSON output."""
        return {"dofs": list(self.dofs), "masses_kg": self.masses_kg.tolist(),
                "damping_ratio": self.damping_ratio, "damage": self.damage,
                "natural_frequencies_hz": {a: self.natural_frequencies(a).tolist() for a in AXES}}


def _axis(axis: str) -> str:
    if axis not in AXES:
        raise ValueError(f"axis must be one of X, Y, Z (got {axis!r})")
    return axis


def model_for(scenario: Any, damage: dict | None = None) -> StructuralModel:
    """The structural model of a mission's spacecraft (a Scenario, a Mission, or a mass in kg)."""
    if isinstance(scenario, int | float):
        mass = float(scenario)
    else:
        scn = getattr(scenario, "scenario", scenario)
        mass = float(scn.spacecraft.mass_kg)
    masses = np.array([MASS_FRACTIONS[d] * mass for d in DOFS])
    drop_joint, factor = None, 1.0
    if damage:
        drop_joint = damage.get("joint")
        if drop_joint not in JOINTS:
            raise ValueError(f"damage joint must be one of {', '.join(JOINTS)} (got {drop_joint!r})")
        drop = float(damage.get("stiffness_drop", 0.0))
        if not 0.0 <= drop < 1.0:
            raise ValueError(f"stiffness_drop must be in [0, 1) (got {drop})")
        factor = 1.0 - drop
    index = {d: i for i, d in enumerate(DOFS)}
    stiffness, joints = {}, {}
    for a_i, axis in enumerate(AXES):
        k_mat = np.zeros((len(DOFS), len(DOFS)))
        joints[axis] = {}
        for name, (parent, child) in JOINTS.items():
            k = masses[index[child]] * (2 * math.pi * JOINT_FREQUENCY_HZ[name][a_i]) ** 2
            if name == drop_joint:
                k *= factor
            joints[axis][name] = k
            c = index[child]
            k_mat[c, c] += k
            if parent != "base":
                p = index[parent]
                k_mat[p, p] += k
                k_mat[p, c] -= k
                k_mat[c, p] -= k
        stiffness[axis] = k_mat
    return StructuralModel(DOFS, masses, stiffness, DAMPING_RATIO, joints,
                           dict(damage) if damage else None)


def sdof(natural_frequency_hz: float, damping_ratio: float, mass_kg: float = 1.0) -> StructuralModel:
    """A single-degree-of-freedom oscillator on the shaker (the same on every axis): Miles' case."""
    k = mass_kg * (2 * math.pi * natural_frequency_hz) ** 2
    stiff = {a: np.array([[k]]) for a in AXES}
    return StructuralModel(("mass",), np.array([mass_kg]), stiff, damping_ratio,
                           {a: {"spring": k} for a in AXES})


def miles_grms(natural_frequency_hz: float, damping_ratio: float, asd_at_fn: float) -> float:
    """Miles' equation: Grms = sqrt(pi/2 * fn * Q * ASD(fn)), Q = 1/(2 zeta) (Miles 1954).

    Exact for a lightly damped SDOF under a flat (white) input; a cross-check of the full
    |T|^2 integration elsewhere.
    """
    q = 1.0 / (2.0 * damping_ratio)
    return math.sqrt(math.pi / 2.0 * natural_frequency_hz * q * asd_at_fn)


SCREW_YIELD_PA = 450e6
"""yield of the joints' screws: stainless A2-70, Rp0.2 = 450 MPa (ISO 3506-1 property class 70),
the usual CubeSat fastener (assumption)"""
YIELD_FACTOR = 1.25
"""factor of safety on yield for test-verified metallic flight structure (NASA-STD-5001)"""


def quasi_static(model: StructuralModel, load_g: float, section_m2: float) -> list[list[Any]]:
    """Each joint's load and margin of safety under a quasi-static acceleration (g) on one axis.

    A joint carries the inertia of everything that hangs from it (its part and that part's own
    children), spread over ``section_m2`` of screw; MS = yield / (1.25 x stress) - 1.
    Rows: joint, load (N), stress (MPa), margin of safety.
    """
    index = {d: i for i, d in enumerate(model.dofs)}
    carried = {d: model.masses_kg[index[d]] for d in model.dofs}
    for name in reversed(list(JOINTS)):  # children before parents in JOINTS' order
        parent, child = JOINTS[name]
        if parent != "base" and child in carried:
            carried[parent] = carried[parent] + carried[child]
    rows = []
    for name, (_, child) in JOINTS.items():
        if child not in carried:
            continue
        force = float(carried[child]) * load_g * 9.80665
        stress = force / section_m2
        rows.append([name, round(force, 1), round(stress / 1e6, 3),
                     round(SCREW_YIELD_PA / (YIELD_FACTOR * stress) - 1.0, 1)])
    return rows
