"""Verbs of the environmental test campaign: ``picodragon envtest vibe|sine|tvac|correlate|report|campaign``.

Each verb reads test data or a specification, writes its results (JSON with ``--json``) and
refuses bad input at the boundary (one line, exit 2, nothing written). The vibration verbs live
in ``envtest_vibration``, the thermal ones in ``envtest_thermal``, the report and the whole
campaign in ``envtest_campaign``; this module only holds the group.
"""

from __future__ import annotations

import typer

from picodragon.cli.common import app

envtest_app = typer.Typer(
    no_args_is_help=True,
    help="The environmental test campaign: vibration (sine, random) and thermal vacuum, analysed "
    "and correlated with the twin.",
)
app.add_typer(envtest_app, name="envtest")
