"""Monte Carlo on dask: a campaign against a real scheduler and worker processes on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from picodragon.config import load_scenario
from picodragon.mission.montecarlo import perturb, run_campaign, write_page
from tests.conftest import free_port


def test_perturbed_inputs_are_seeded_and_in_range():
    s = load_scenario()
    a, ia = perturb(s, 3, 7)
    b, ib = perturb(s, 3, 7)
    c, ic = perturb(s, 4, 7)
    assert ia == ib and ia != ic
    assert 0.77 <= ia["ejection_speed_m_s"] <= 1.7
    assert 1.8 <= ia["drag_coefficient"] <= 2.8
    assert a.deployment.ejection_speed_m_s == ia["ejection_speed_m_s"]
    assert a.spacecraft.power.cell_efficiency == ia["cell_efficiency"]
    assert s.spacecraft.drag_coefficient == 2.2  # the original is untouched


def _wait_for_port(port: int, proc: subprocess.Popen, seconds: float) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port} after {seconds} s")


@pytest.fixture
def dask_cluster(tmp_path):
    """A `dask scheduler` and two `dask worker` processes, stopped by their own pids."""
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip("the dask command is not installed (pip install '.[dask]')")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "dask.log"
    procs = []
    with logs.open("w") as log:
        procs.append(subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=log, stderr=log, cwd=tmp_path))
        try:
            _wait_for_port(port, procs[0], 60)
            for _ in range(2):
                procs.append(subprocess.Popen([str(dask), "worker", address, "--nthreads", "1",
                                               "--no-dashboard", "--host", "127.0.0.1"],
                                              stdout=log, stderr=log, cwd=tmp_path))
            yield address
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_campaign_on_a_scheduler_with_worker_processes(dask_cluster, tmp_path):
    campaign = run_campaign(load_scenario(), runs=4, scheduler=dask_cluster, days=0.05, seed=1,
                            lifetime=False, progress=False)
    assert [r["run"] for r in campaign.runs] == [0, 1, 2, 3]
    assert campaign.scheduler == dask_cluster
    speeds = {r["inputs"]["ejection_speed_m_s"] for r in campaign.runs}
    assert len(speeds) == 4
    stats = campaign.statistics()
    assert stats["battery_soc_min"] is not None
    page = write_page(campaign, load_scenario(), tmp_path / "mc.html")
    text = page.read_text()
    assert "Monte Carlo" in text and "cdn.plot.ly" not in text.split("<script>", 1)[0]


def test_cli_montecarlo_on_a_local_cluster(tmp_path):
    out = tmp_path / "mc.json"
    r = subprocess.run([sys.executable, "-m", "picodragon.cli", "montecarlo", "--runs", "2", "--days", "0.02",
                        "--no-lifetime", "--page", str(tmp_path / "mc.html"), "--json", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(out.read_text())
    assert data["runs"] == 2 and data["scheduler"].startswith("LocalCluster")
    assert (tmp_path / "mc.html").exists()
