"""The room's walls: physics imports only config, elements and astro of the rest of picodragon."""

from __future__ import annotations

import subprocess
import sys


def test_physics_imports_no_other_room():
    code = (
        "import sys, picodragon.physics, picodragon.physics.validation, picodragon.physics.gallery;"
        "bad = sorted(m for m in sys.modules if m.startswith('picodragon.') and "
        "m.split('.')[1] not in ('physics', 'config', 'elements', 'astro'));"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_network_at_import_and_run(scenario):
    """The twin, the lifetime inputs and the camera load nothing from the network."""
    code = (
        "import socket\n"
        "def deny(*a, **k):\n"
        "    raise RuntimeError('network access attempted')\n"
        "socket.socket.connect = deny\n"
        "socket.create_connection = deny\n"
        "from picodragon.config import load_scenario\n"
        "from picodragon.physics.twin import Twin\n"
        "tw = Twin(load_scenario())\n"
        "tw.advance_to(tw.start_unix + 86400)\n"
        "tw.switches.set_load('camera', True)\n"
        "tw.devices.camera.capture()\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("ok")
