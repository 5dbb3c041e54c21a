"""Fixtures of the end-to-end tests: one headless Debian Chromium per test module."""

from __future__ import annotations

import pytest

from tests.conftest import require_program
from tests.web.fixtures import CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (never a browser Playwright downloads)."""
    chromium = require_program("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
