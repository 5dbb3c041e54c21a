"""Hostile input to mission control: the login, command, alarm, user, file and image routes with
hostile methods, paths, headers and bodies, and the image preview decoder with mutated JPEGs.

The promises checked on every case: never a 5xx; never a change of state (commands, their
stages, users and their password hashes, sessions, alarm acknowledgements) without a session
and, for a cookie session, its CSRF token; a preview is a PNG or a typed refusal.

Case counts: the preview decoder runs at the suite's count (``FUZZ_EXAMPLES``, 3,000 by
default); each route case is a full HTTP request through the application (a few milliseconds,
plus database reads for the state check), so the route properties run a fifth of it each
(600 by default, 4,000 under ``make fuzz``).
"""

from __future__ import annotations

import io
import json
import string
import warnings
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.fuzz import FUZZ_EXAMPLES, hostile

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROUTE_EXAMPLES = max(50, FUZZ_EXAMPLES // 5)
#: the suite's settings with fewer cases (each is an HTTP request and a state check)
route_settings = settings(hostile, max_examples=ROUTE_EXAMPLES)

#: a real operator's session (its token opens it as a cookie or as a bearer)
OPERATOR = ("olga", "olga-operator-1")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """An app over a populated archive, an operator's session, a queued command (to be moved)."""
    from picodragon.web import auth
    from picodragon.web.app import create_app
    from tests.web.fixtures import KEY, populate

    db = str(tmp_path_factory.mktemp("hostile-web") / "archive.sqlite")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "SCRYPT_N", 2**10)  # cheap hashes: the properties are not about scrypt's cost
        populate(db)
        auth.create_user(db, OPERATOR[0], OPERATOR[1], "operator")
        with TestClient(create_app(db, key=KEY)) as client:
            r = client.post("/api/login", json={"name": OPERATOR[0], "password": OPERATOR[1]})
            assert r.status_code == 200, r.text
            token, csrf = r.json()["token"], r.json()["csrf_token"]
            r = client.post("/api/commands", headers={"Authorization": f"Bearer {token}"},
                            json={"name": "NOOP", "arguments": {}, "release": False})
            assert r.status_code == 201, r.text
            client.cookies.clear()
            yield client, token, csrf


def snapshot(client) -> tuple:
    """Everything a state-changing route could change (the audit log excepted: refusals are
    recorded there on purpose)."""
    db = client.app.state.mc.db
    return (
        db.rows("SELECT id, counter FROM commands ORDER BY id"),
        db.rows("SELECT command_id, stage, unix_s FROM command_stages ORDER BY command_id, stage, unix_s"),
        db.rows("SELECT name, password_hash, role, disabled FROM web_users ORDER BY name"),
        db.rows("SELECT token_hash, csrf_token, expires_unix_s FROM web_sessions ORDER BY token_hash"),
        db.rows("SELECT alarm_id, user_name, unix_s FROM web_alarm_acks ORDER BY alarm_id"),
    )


header_text = st.text(alphabet=string.printable.replace("\r", "").replace("\n", "").replace("\x0b", "")
                      .replace("\x0c", ""), max_size=80)
hostile_id = st.one_of(st.sampled_from(["1", "7", "8", "0", "-1", "99999999999999999999", "²", "1e3", "..",
                                        "%00", "1 ", " 1", "0x10", "9" * 19, ""]),
                       st.text(max_size=24))
PATHS = ["/api/login", "/login", "/logout", "/api/logout", "/api/commands", "/api/commands/{id}",
         "/api/commands/{id}/release", "/api/commands/{id}/cancel", "/api/alarms/{id}/ack", "/api/users",
         "/api/users/{id}", "/api/images/{id}", "/images/{id}.jpg", "/images/{id}/preview.png",
         "/api/images", "/api/commands/{id}/../release", "/api//commands", "/{id}"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20)
command_like = st.fixed_dictionaries({"name": st.sampled_from(["NOOP", "CAPTURE_IMAGE", "RESET", "x"])},
                                     optional={"arguments": json_values, "release": json_values,
                                               "execute_at": json_values})
login_like = st.fixed_dictionaries({"name": st.one_of(st.just("olga"), st.text(max_size=40))},
                                   optional={"password": st.text(max_size=300)})


def _body(kind: str, value) -> tuple[bytes, str]:
    if kind == "raw":
        return value, "application/octet-stream"
    if kind == "form":
        return value.encode("utf-8", "surrogatepass"), "application/x-www-form-urlencoded"
    return json.dumps(value, allow_nan=True).encode(), "application/json"


@route_settings
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), template=st.sampled_from(PATHS),
       ident=hostile_id,
       auth_mode=st.sampled_from(["none", "cookie", "cookie+wrong csrf", "bogus bearer", "cookie+form csrf"]),
       body=st.one_of(st.tuples(st.just("json"), json_values), st.tuples(st.just("json"), command_like),
                      st.tuples(st.just("json"), login_like), st.tuples(st.just("raw"), st.binary(max_size=300)),
                      st.tuples(st.just("form"), st.text(max_size=200))),
       content_type=st.one_of(st.none(), header_text, st.sampled_from([
           "application/json", "multipart/form-data; boundary=x", "multipart/form-data",
           "application/x-www-form-urlencoded; charset=utf-7", "text/plain"])),
       extra=st.dictionaries(st.sampled_from(["content-length", "x-csrf-token", "authorization", "cookie",
                                              "transfer-encoding", "origin", "x-forwarded-for"]),
                             header_text, max_size=3))
def test_no_5xx_and_no_change_without_session_and_csrf(world, method, template, ident, auth_mode, body,
                                                       content_type, extra):
    client, token, csrf = world
    path = template.replace("{id}", quote(ident, safe=""))
    content, default_type = _body(*body)
    headers = {"content-type": content_type if content_type is not None else default_type}
    if auth_mode.startswith("cookie"):
        headers["cookie"] = f"pd_session={token}"
    if auth_mode == "cookie+wrong csrf":
        headers["x-csrf-token"] = csrf[:-1] + ("A" if csrf[-1] != "A" else "B")
    if auth_mode == "bogus bearer":
        headers["authorization"] = "Bearer " + token[::-1]
    for k, v in extra.items():
        if k == "x-csrf-token" and v == csrf:
            continue
        if k in ("authorization", "cookie") and token in v:
            continue
        if k == "content-length":
            continue  # httpx sets the true length; a false one is the server's transport's business
        headers[k] = v
    before = snapshot(client)
    r = client.request(method, path, content=content, headers=headers, follow_redirects=False)
    assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
    assert snapshot(client) == before, (method, path, auth_mode, r.status_code, r.text[:300])


@route_settings
@given(name=st.one_of(st.just("olga"), st.text(max_size=40)), password=st.text(max_size=400),
       shape=st.sampled_from(["api", "form", "form without csrf"]))
def test_login_with_hostile_credentials_never_fails_and_never_opens_a_session(world, name, password, shape):
    client, _, _ = world
    if name == OPERATOR[0] and password == OPERATOR[1]:
        return
    before = snapshot(client)
    if shape == "api":
        r = client.post("/api/login", json={"name": name, "password": password})
        assert r.status_code in (401, 422, 429), r.text[:300]
    else:
        token = "" if shape == "form without csrf" else "t" * 32
        r = client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                        headers={"cookie": f"pd_login_csrf={'t' * 32}"}, follow_redirects=False)
        assert r.status_code in (303, 403), r.text[:300]
        assert "pd_session" not in r.headers.get("set-cookie", "")
    assert snapshot(client) == before
    client.cookies.clear()


def _small_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    img = Image.new("RGB", (64, 48))
    for x in range(64):
        for y in range(48):
            img.putpixel((x, y), (x * 4, y * 5, (x ^ y) * 3))
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


SEED_JPEG = _small_jpeg()


@hostile
@given(cut=st.integers(0, len(SEED_JPEG)),
       flips=st.lists(st.tuples(st.integers(0, len(SEED_JPEG) - 1), st.integers(0, 255)), max_size=8),
       size=st.one_of(st.none(), st.tuples(st.integers(0, 65535), st.integers(0, 65535))),
       tail=st.binary(max_size=64))
def test_the_preview_decoder_gives_a_png_or_a_typed_refusal(cut, flips, size, tail):
    """Mutated JPEGs (cut short, bytes changed, frame size edited, junk appended): a PNG no
    larger than the preview, or ImageRefused; never another exception, and the global
    LOAD_TRUNCATED_IMAGES flag is never set."""
    import struct

    from PIL import Image, ImageFile

    from picodragon.web.media import PREVIEW_PX, ImageRefused, preview_png

    data = bytearray(SEED_JPEG)
    if size is not None:
        sof = data.index(b"\xff\xc0")
        data[sof + 5: sof + 9] = struct.pack(">HH", size[1], size[0])
    for i, b in flips:
        data[i] = b
    data = bytes(data[:cut]) + tail
    try:
        png = preview_png(data, (640, 480))
    except ImageRefused:
        return
    finally:
        assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with Image.open(io.BytesIO(png)) as img:
        assert img.format == "PNG" and max(img.size) <= PREVIEW_PX
