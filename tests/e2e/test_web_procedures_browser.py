"""Procedures and hazardous commands in a real browser (Playwright, Debian's chromium, headless,
127.0.0.1): an operator runs a procedure of the mission's procedures/ folder, sees it stop
before RESET_SOFTWARE, types the name back and sees it done; the commanding form asks for a
hazardous command's name and builds REQUEST_CHUNKS masks from chunk numbers.

Waits are bounded by Playwright timeouts; nothing asserts how long anything took.
"""

from __future__ import annotations

import shutil
from importlib import resources

import pytest

from tests.e2e.test_web_browser import PASSWORDS, WAIT_MS, login, shot
from tests.web.fixtures import populate, running_server

PROCEDURE = """
name = "Ping and reset"
description = "A NOOP, a look at the battery, then a software reset"
[[steps]]
command = "NOOP"
[[steps]]
check = "HOUSEKEEPING.battery_voltage_v"
op = ">"
value = 1.0
within = 5
[[steps]]
command = "RESET_SOFTWARE"
"""


@pytest.fixture(scope="module")
def mission(tmp_path_factory):
    from picodragon.web.auth import create_user

    base = tmp_path_factory.mktemp("procedures")
    folder = base / "mission"
    shutil.copytree(str(resources.files("picodragon") / "missions" / "picodragon"), folder)
    (folder / "procedures").mkdir(exist_ok=True)
    (folder / "procedures" / "ping-reset.toml").write_text(PROCEDURE)
    db = str(base / "mission.sqlite")
    populate(db)
    for name, (role, password) in PASSWORDS.items():
        create_user(db, name, password, role)
    with running_server(db, scenario=str(folder)) as url:
        yield db, url


def test_operator_runs_a_procedure_and_confirms_its_hazardous_command(browser, mission):
    _, url = mission
    context, page, errors = login(browser, url, "olga")
    page.goto(url + "/procedures")
    page.wait_for_selector("#procedure-file option[value='ping-reset.toml']", state="attached", timeout=WAIT_MS)
    page.wait_for_selector("ol.procedure-steps li.hazardous", timeout=WAIT_MS)
    page.click("#procedure-run")
    page.wait_for_selector("#confirm-form:not([hidden])", timeout=WAIT_MS)
    assert page.inner_text("#run-status") == "needs_confirmation"
    assert "RESET_SOFTWARE is hazardous" in page.inner_text("#confirm-text")
    page.fill("#confirm-name", "NOOP")
    page.click("#confirm-button")
    page.wait_for_function("() => document.getElementById('confirm-result').textContent.includes('type RESET_SOFTWARE')",
                           timeout=WAIT_MS)
    page.fill("#confirm-name", "RESET_SOFTWARE")
    page.click("#confirm-button")
    page.wait_for_function("() => document.getElementById('run-status').textContent === 'done'", timeout=WAIT_MS)
    assert page.locator("tr.step[data-outcome='ok']").count() == 3
    shot(page, "procedures")
    assert [e for e in errors if "422" not in e] == []  # the wrong name's refusal is the only one
    context.close()


def test_command_form_confirms_hazardous_commands_and_builds_chunk_masks(browser, mission):
    _, url = mission
    context, page, errors = login(browser, url, "olga")
    page.goto(url + "/commanding")
    page.wait_for_selector("#command-name option", state="attached", timeout=WAIT_MS)
    page.select_option("#command-name", "DELETE_FILE")
    page.fill("#arg-file_id", "4")
    page.once("dialog", lambda d: d.accept("delete"))  # the wrong name: nothing is sent
    page.click("#send-command")
    page.wait_for_function("() => document.getElementById('command-result').textContent.startsWith('not sent')",
                           timeout=WAIT_MS)
    page.once("dialog", lambda d: d.accept("DELETE_FILE"))
    page.click("#send-command")
    page.wait_for_function("() => document.getElementById('command-result').textContent.startsWith('released DELETE_FILE')",
                           timeout=WAIT_MS)
    # kept queued without a question; its release asks for the name
    page.uncheck("#release")
    page.click("#send-command")
    page.wait_for_function("() => document.getElementById('command-result').textContent.startsWith('queued DELETE_FILE')",
                           timeout=WAIT_MS)
    queued = page.locator("tr.command[data-stage='queued']").first
    queued.wait_for(timeout=WAIT_MS)
    command_id = queued.get_attribute("data-id")
    page.once("dialog", lambda d: d.accept("DELETE_FILE"))
    queued.locator("button.release").click()
    page.wait_for_selector(f"tr.command[data-id='{command_id}'][data-stage='released']", timeout=WAIT_MS)
    page.check("#release")
    page.select_option("#command-name", "REQUEST_CHUNKS")
    page.fill("#arg-file_id", "4")
    page.fill("#chunk-list", "3, 5, 36-37")
    assert page.input_value("#arg-first_chunk") == "3"
    assert page.input_value("#arg-mask0") == str(1 | 1 << 2)
    assert page.input_value("#arg-mask1") == str(1 << 1 | 1 << 2)
    page.fill("#chunk-list", "1, 400")
    assert "128 chunks" in page.inner_text("#chunk-note")
    assert not errors, errors
    context.close()
