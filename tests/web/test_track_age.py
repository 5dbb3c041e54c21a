"""Mission control says the age of its element set and warns past the ground's threshold, with
the same rule and number as the station and the command line (ground.elementsets)."""

from __future__ import annotations

from picodragon.ground.elementsets import AGE_WARNING_DAYS
from tests.web.conftest import bearer


def test_the_track_says_the_sets_age_and_flags_a_stale_one(client):
    viewer = bearer(client, "victor")
    t = client.get("/api/track", headers=viewer).json()["element_set"]
    assert t["warning_days"] == AGE_WARNING_DAYS
    assert t["stale"] == (abs(t["age_days"]) > AGE_WARNING_DAYS)
    assert t["note"].startswith(f"element set {t['name']}, epoch ") and "days old at" in t["note"]
    assert ("WARNING older than 14 days" in t["note"]) == t["stale"]


def test_the_page_script_shows_the_warning_from_the_api(client):
    script = client.get("/static/app.js").text
    assert "t.element_set.stale" in script and "t.element_set.warning_days" in script
