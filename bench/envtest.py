"""The environmental test campaign's benchmarks in one go: vibration, then thermal vacuum.

Runs ``bench/envtest_vibration.py`` (analysis throughput: seconds of 3-axis accelerometer data
per wall second for PSD + FRF, beside scipy.signal the plain way) and ``bench/envtest_thermal.py``
(the chamber model beside scipy's solve_ivp, the correlation, the EGSE run in simulated hours per
wall second); each prints its own table and writes its key ("vibration", "thermal") of
bench/results/envtest.json.

Usage: bench/envtest.py
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def _run(name: str, argv: list[str]) -> int:
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.main(argv) or 0)


def main(argv: list[str]) -> int:
    return max(_run("envtest_vibration", argv), _run("envtest_thermal", argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
