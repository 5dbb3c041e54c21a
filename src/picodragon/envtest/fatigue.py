"""Fatigue of the 1U's joints from the response PSD: Dirlik's spectral method (FLife).

For each joint of the structural model the stress PSD follows from the base input ASD: the
joint's force is its stiffness times the relative displacement across it,
dz = (T_child - T_parent) a_b / (-w^2), and its stress that force over the joint's load-bearing
section (:data:`JOINT_SECTION_M2`). FLife's Dirlik estimator (Dirlik 1985, "Application of
computers in fatigue analysis", PhD thesis, University of Warwick) turns the stress PSD and the
S-N curve into a life; the damage of a test is its duration over that life (Palmgren-Miner).
FLife's narrow-band estimate is reported beside it (it is conservative for broad-band stress).

S-N curve (Basquin, N S^k = C) of aluminium 6061-T6, a named assumption built from two
handbook points: fatigue strength 96.5 MPa at 5e8 cycles and 0.9 x 310 MPa (ultimate) at 1e3
cycles (the ASM aluminium data for 6061-T6 and the usual 0.9 Su at 10^3 cycles rule, Shigley's
Mechanical Engineering Design), giving k = 12.4.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from picodragon.envtest import results
from picodragon.envtest.specs import Spec
from picodragon.envtest.structure import JOINTS, StructuralModel

G0 = 9.80665
"""standard gravity (m/s^2)"""
SN_POINTS = ((1e3, 0.9 * 310e6), (5e8, 96.5e6))
"""(cycles, stress Pa) of 6061-T6: 0.9 Su at 1e3 cycles and the 5e8-cycle fatigue strength (assumption)"""
JOINT_SECTION_M2 = 4 * 5.03e-6
"""load-bearing section of a joint: four M3 screws or rods, 5.03 mm^2 tensile stress area each
(ISO 898-1), a named assumption for every joint of a 1U"""


def basquin() -> tuple[float, float]:
    """(k, C) of N S^k = C through :data:`SN_POINTS` (S in Pa)."""
    (n1, s1), (n2, s2) = SN_POINTS
    k = math.log(n2 / n1) / math.log(s1 / s2)
    return k, n2 * s2**k


def joint_stress_psd(model: StructuralModel, f_hz: np.ndarray, input_asd_g2_hz: np.ndarray,
                     axis: str) -> dict[str, np.ndarray]:
    """Stress PSD (Pa^2/Hz) in each joint for a base input ASD (g^2/Hz)."""
    f = np.asarray(f_hz, dtype=float)
    t = model.transmissibility(f, axis)
    index = {d: i for i, d in enumerate(model.dofs)}
    w2 = (2 * math.pi * np.where(f > 0, f, np.inf)) ** 2
    out = {}
    for name, (parent, child) in JOINTS.items():
        if child not in index:
            continue
        rel = t[:, index[child]] - (1.0 if parent == "base" else t[:, index[parent]])
        k = model.joints[axis][name]
        stress_per_g = k * np.abs(rel) * G0 / w2 / JOINT_SECTION_M2
        out[name] = stress_per_g**2 * input_asd_g2_hz
    return out


def fatigue(model: StructuralModel, spec: Spec, axis: str, duration_s: float | None = None,
            lines: int = 4001) -> dict[str, Any]:
    """Dirlik (and narrow-band) damage of each joint for ``duration_s`` at ``spec`` on ``axis``."""
    import FLife

    lo, hi = spec.band_hz
    f = np.linspace(0.0, hi * 1.05, lines)
    duration = spec.duration_s_per_axis if duration_s is None else float(duration_s)
    k, c = basquin()
    rows, damage = [], {}
    for joint, psd in joint_stress_psd(model, f, spec.asd(f), axis).items():
        sd = FLife.SpectralData(input={"PSD": psd, "f": f})
        life_d = float(FLife.Dirlik(sd).get_life(C=c, k=k))
        life_nb = float(FLife.Narrowband(sd).get_life(C=c, k=k))
        rms = math.sqrt(float(np.trapezoid(psd, f)))
        damage[joint] = duration / life_d
        rows.append([joint, round(rms / 1e6, 3), life_d, life_nb, duration / life_d])
    worst = max(damage, key=damage.get)
    verdict = results.verdict(f"fatigue damage of the worst joint ({worst}) over the test",
                              damage[worst], 1.0, "Miner sum", damage[worst] < 1.0,
                              "Dirlik 1985 via FLife; S-N of 6061-T6 (assumption, see fatigue.py)")
    return {"verdict": verdict, "damage": damage, "basquin": {"k": k, "C": c},
            "table": results.table(["joint", "stress rms (MPa)", "life Dirlik (s)",
                                    "life narrow-band (s)", "damage (Dirlik)"], rows)}
