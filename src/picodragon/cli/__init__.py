"""The ``picodragon`` command: one function per verb, no logic of its own.

The verbs live in this package's modules by what they are about (``flight``, ``missions``,
``operations``, ``modem``, ``satnogs``); ``common`` holds the Typer apps and the checks every
input passes at the boundary. See ``common`` for the contract.
"""

from __future__ import annotations

import sys

import typer

from picodragon.cli import (  # noqa: F401  (they register the verbs)
    about,
    envtest,
    envtest_campaign,
    envtest_thermal,
    envtest_vibration,
    exports,
    flight,
    missions,
    modem,
    network,
    operations,
    procedures,
    satnogs,
)
from picodragon.cli.common import UserError, app

__all__ = ["UserError", "app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors, too, are one line on stderr with exit code 2."""
    try:  # typer vendors its own click from 0.2x on
        from typer._click.exceptions import UsageError as ClickUsageError
    except ImportError:  # pragma: no cover - older typer
        from click.exceptions import UsageError as ClickUsageError
    abort_types = (typer.Abort, KeyboardInterrupt)

    try:
        result = app(args=argv, standalone_mode=False)
    except ClickUsageError as exc:
        message = exc.format_message()
        if message:  # an empty message follows a help page shown for a bare group
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
            typer.echo(f"picodragon: {message}{hint}", err=True)
        sys.exit(2)
    except abort_types:
        typer.echo("picodragon: interrupted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception:
        # not bad input (that is caught at the boundary as a UserError): a bug, shown as one
        import traceback

        traceback.print_exc()
        typer.echo("picodragon: internal error (a bug, not your input): please report it with the "
                   "traceback above", err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
