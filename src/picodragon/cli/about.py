"""``picodragon --version``: the package's version (and Python's), then exit 0."""

from __future__ import annotations

import platform
from typing import Annotated

import typer

from picodragon.cli.common import app


def version_text() -> str:
    """``picodragon 0.1.0 (Python 3.11.9)``: the installed distribution's version, or the
    package's own when it runs from a source tree that is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("picodragon")
    except PackageNotFoundError:
        from picodragon import __version__ as number
    return f"picodragon {number} (Python {platform.python_version()})"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                          help="show the version and exit")] = False,
) -> None:
    """picodragon: twin, flight software, radio link and ground segment of a 1U CubeSat."""
