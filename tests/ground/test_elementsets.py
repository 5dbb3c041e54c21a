"""One element-set source: TLE and OMM (XML, JSON, CSV) files and folders, a URL fetched from a
local server on 127.0.0.1 (bounded, cached beside the archive), the age of a set and its warning."""

from __future__ import annotations

import csv
import io
import json
import math
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from picodragon.config import load_scenario
from picodragon.elements import ElementSet, ElementSetError
from picodragon.ground import elementsets
from picodragon.ground.elementsets import (
    AGE_WARNING_DAYS,
    age_days,
    age_line,
    fetch,
    is_stale,
    read_element_sets,
    read_path,
    resolve,
)

ISS = ElementSet.from_lines(*load_scenario().deployment.carrier_tle, name="ISS (ZARYA)")


def _omm(es: ElementSet) -> dict[str, str]:
    """The set as CelesTrak's OMM fields (the test's own conversion, from the SGP4 record)."""
    s = es.satrec
    deg = 180.0 / math.pi
    return {
        "OBJECT_NAME": es.name, "OBJECT_ID": "1998-067A",
        "EPOCH": es.epoch.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MEAN_MOTION": f"{s.no_kozai * 720.0 / math.pi:.8f}", "ECCENTRICITY": f"{s.ecco:.7f}",
        "INCLINATION": f"{s.inclo * deg:.4f}", "RA_OF_ASC_NODE": f"{s.nodeo * deg:.4f}",
        "ARG_OF_PERICENTER": f"{s.argpo * deg:.4f}", "MEAN_ANOMALY": f"{s.mo * deg:.4f}",
        "EPHEMERIS_TYPE": "0", "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": str(s.satnum),
        "ELEMENT_SET_NO": "999", "REV_AT_EPOCH": str(s.revnum), "BSTAR": f"{s.bstar:.8g}",
        "MEAN_MOTION_DOT": f"{s.ndot * 1440.0 * 1440.0 / (2 * math.pi):.8g}", "MEAN_MOTION_DDOT": "0",
    }


MEAN = ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
        "MEAN_ANOMALY")


def _xml(fields: dict[str, str]) -> str:
    """CCSDS OMM XML as CelesTrak serves it: metadata, meanElements, tleParameters."""

    def tags(names) -> str:
        return "".join(f"<{k}>{fields[k]}</{k}>" for k in names)

    tle = [k for k in fields if k not in MEAN and k not in ("OBJECT_NAME", "OBJECT_ID")]
    return ("<?xml version='1.0'?><ndm><omm><body><segment><metadata>"
            f"{tags(['OBJECT_NAME', 'OBJECT_ID'])}</metadata><data><meanElements>{tags(MEAN)}</meanElements>"
            f"<tleParameters>{tags(tle)}</tleParameters></data></segment></body></omm></ndm>")


def _csv(fields: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields))
    writer.writeheader()
    writer.writerow(fields)
    return out.getvalue()


def _same_orbit(a: ElementSet, b: ElementSet) -> None:
    assert a.satrec.satnum == b.satrec.satnum
    assert abs((a.epoch - b.epoch).total_seconds()) < 1e-3
    for name in ("inclo", "nodeo", "argpo", "mo", "ecco", "no_kozai"):
        assert getattr(a.satrec, name) == pytest.approx(getattr(b.satrec, name), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("form", ["tle", "xml", "json", "json-list", "csv"])
def test_tle_and_every_omm_form_give_the_same_set(form):
    fields = _omm(ISS)
    text = {"tle": f"{ISS.name}\n{ISS.line1}\n{ISS.line2}\n", "xml": _xml(fields), "json": json.dumps(fields),
            "json-list": json.dumps([fields]), "csv": _csv(fields)}[form]
    (es,) = read_element_sets(text)
    assert es.name == "ISS (ZARYA)"
    _same_orbit(es, ISS)


@pytest.mark.parametrize("text", ["", "<omm", "[1, 2]", '{"OBJECT_NAME": "X"}', "OBJECT_NAME,EPOCH\n", "1 junk"])
def test_a_bad_file_is_one_clear_error(text):
    with pytest.raises(ElementSetError):
        read_element_sets(text)


def test_a_folder_gives_its_sets_oldest_first_and_resolve_picks_the_newest(tmp_path):
    newer = json.loads(json.dumps(_omm(ISS)))
    newer["EPOCH"] = (ISS.epoch + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    (tmp_path / "a.json").write_text(json.dumps(newer))
    (tmp_path / "b.tle").write_text(f"{ISS.name}\n{ISS.line1}\n{ISS.line2}\n")
    (tmp_path / "notes.md").write_text("not an element set")
    sets = read_path(tmp_path)
    assert [round(age_days(s, ISS.epoch.timestamp())) for s in sets] == [0, -3]
    choice = resolve(tmp_path, derived=lambda: pytest.fail("a named source wins"), name="iss (zarya)")
    assert choice.source == str(tmp_path) and choice.element_set.epoch == sets[-1].epoch
    (tmp_path / "empty").mkdir()
    with pytest.raises(ElementSetError, match="no element-set files"):
        read_path(tmp_path / "empty")


def test_resolve_uses_the_set_beside_the_archive_before_the_derived_one(tmp_path):
    db = tmp_path / "run.sqlite"
    derived = ElementSet.from_lines(ISS.line1, ISS.line2, "DERIVED")
    assert resolve(None, lambda: derived, archive=str(db)).source == "derived"
    db.with_suffix(".tle").write_text(f"BESIDE\n{ISS.line1}\n{ISS.line2}\n")
    choice = resolve(None, lambda: derived, archive=str(db))
    assert choice.element_set.name == "BESIDE" and choice.source.endswith("run.tle")
    assert resolve(None, lambda: derived, archive="postgresql://x/y").source == "derived"


def test_the_age_and_its_warning():
    epoch = ISS.epoch.timestamp()
    assert age_days(ISS, epoch + 86400 * 2.5) == pytest.approx(2.5)
    fresh = age_line(ISS, epoch + 86400)
    assert "1.0 days old" in fresh and "WARNING" not in fresh and not is_stale(ISS, epoch + 86400)
    late = epoch + 86400 * (AGE_WARNING_DAYS + 1)
    assert is_stale(ISS, late) and f"WARNING older than {AGE_WARNING_DAYS:g} days" in age_line(ISS, late)


class _Server:
    """A tiny HTTP server on 127.0.0.1 serving ``body`` (or failing), stopped on exit."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server protocol)
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args) -> None:
                pass

        self.body, self.status = body, status
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/iss.tle"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def test_a_url_is_fetched_cached_and_the_cache_serves_when_the_fetch_fails(tmp_path):
    db = tmp_path / "station.sqlite"
    with _Server(f"{ISS.name}\n{ISS.line1}\n{ISS.line2}\n".encode()) as server:
        choice = resolve(server.url, lambda: pytest.fail("the URL wins"), archive=str(db))
        assert choice.source == server.url and choice.element_set == ISS
        assert db.with_suffix(".elements").is_file()
        server.status, server.body = 500, b"oops"
        assert fetch(server.url, db.with_suffix(".elements")) == [ISS]  # the cached copy
        with pytest.raises(ElementSetError, match="cannot fetch"):
            fetch(server.url)


def test_a_url_that_sends_too_much_or_garbage_or_is_not_http_is_refused(tmp_path, monkeypatch):
    with _Server(b"1" * 5000) as server:
        with pytest.raises(ElementSetError, match="more than 1000 octets"):
            fetch(server.url, max_bytes=1000)
        with pytest.raises(ElementSetError):
            fetch(server.url)
    with pytest.raises(ElementSetError, match="http"):
        fetch("file:///etc/passwd")
    monkeypatch.setattr(elementsets, "FETCH_TIMEOUT_S", 0.5)
    with pytest.raises(ElementSetError, match="cannot fetch"):
        fetch("http://127.0.0.1:9/none.tle", timeout_s=0.5)
