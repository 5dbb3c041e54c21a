"""Which core commands are hazardous: the ones a procedure or a console must confirm by name."""

from __future__ import annotations

from picodragon.dictionary.loader import load_dictionary

HAZARDOUS = {"DELETE_FILE", "ABORT_TRANSFERS", "RESET_SOFTWARE", "CLEAR_TIME_TAGS"}


def test_core_marks_the_commands_that_lose_data_or_restart_hazardous() -> None:
    """Deleting a file, dropping queued chunks or time tags and a software reset cannot be
    undone from the ground; SET_MODE is not among them (any mode it sets, SAFE included, is
    left again by another SET_MODE)."""
    core = load_dictionary()
    assert {c.name for c in core.commands if c.hazardous} == HAZARDOUS
    assert not core.command("SET_MODE").hazardous
