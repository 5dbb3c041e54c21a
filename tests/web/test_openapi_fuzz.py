"""Property test of the whole API from its own OpenAPI document: no input gives a server error.

For every operation the document lists, hypothesis draws parameters and bodies from their JSON
schemas (bounds, patterns, enumerations), mixed with values that break the schema (wrong
types, out-of-range numbers, arbitrary text, unknown fields), and sends them as an admin (who
may call everything). Any answer is fine except a 5xx. This is what schemathesis does, written
with hypothesis alone so the test needs nothing beyond the dev extras.
"""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import USERS, bearer, make_client

#: the SSE stream never ends on its own within a request/response test client
SKIP = {("GET", "/api/live"), ("POST", "/api/logout")}
POINT_NAMES = ["HOUSEKEEPING.battery_voltage_v", "HOUSEKEEPING.mode", "EVENT_REPORT.arg0", "NOPE.x"]
TIMES = ["2013-11-20T00:00:00Z", "2013-11-20T01:30:00.5+07:00", "1899-01-01T00:00:00Z", "2013-11-19T23:00Z"]

garbage = st.one_of(
    st.text(max_size=60), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def from_schema(schema: dict, spec: dict, name: str = "", depth: int = 0) -> st.SearchStrategy:
    """Values for a JSON schema (the subset FastAPI writes), sometimes deliberately wrong."""
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        return from_schema(spec["components"]["schemas"][ref], spec, name, depth)
    if "anyOf" in schema:
        return st.one_of([from_schema(s, spec, name, depth) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "string":
        options = [st.text(max_size=schema.get("maxLength", 80) + 5)]
        if "pattern" in schema:
            options.append(st.from_regex(schema["pattern"], fullmatch=True).filter(
                lambda s: len(s) <= schema.get("maxLength", 1000)))
        if name in ("start", "end", "execute_at"):
            options.append(st.sampled_from(TIMES))
        if name in ("point", "name"):
            options.append(st.sampled_from(POINT_NAMES + ["NOOP", "SET_MODE", "CAPTURE_IMAGE", "olga"]))
        if name in ("command_id", "file_id"):
            options.append(st.integers(0, 2**64).map(str))
        options.append(st.text(string.digits, min_size=1, max_size=25))
        return st.one_of(options)
    if kind == "integer":
        lo, hi = schema.get("minimum"), schema.get("maximum")
        return st.one_of(st.integers(lo, hi), st.integers(-2**64, 2**64))
    if kind == "number":
        lo, hi = schema.get("minimum", schema.get("exclusiveMinimum")), schema.get("maximum")
        return st.one_of(st.floats(lo, hi, allow_nan=False), st.floats(allow_nan=True, allow_infinity=True))
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["yes", "0", "maybe"]))
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), spec, name, depth + 1),
                        min_size=0, max_size=schema.get("maxItems", 5) + 2)
    if kind == "object" or "properties" in schema:
        if depth > 2:
            return st.dictionaries(st.text(max_size=8), st.integers(), max_size=3)
        props = schema.get("properties", {})
        fixed = {k: from_schema(v, spec, k, depth + 1) for k, v in props.items()}
        extra = schema.get("additionalProperties")
        extras = st.dictionaries(
            st.sampled_from(["mode", "interval_s", "at_time", "x"]) | st.text(max_size=8),
            from_schema(extra, spec, "", depth + 1) if isinstance(extra, dict) else garbage, max_size=4)
        return st.one_of(st.fixed_dictionaries({}, optional=fixed), st.fixed_dictionaries(fixed), extras)
    if kind == "null":
        return st.none()
    return garbage


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()
            if (m.upper(), p) not in SKIP]


def check_operation(client, headers, spec, method, path, op, data) -> None:
    url = path
    query: list[tuple[str, str]] = []
    for param in op.get("parameters", []):
        value = data.draw(st.one_of(from_schema(param["schema"], spec, param["name"]), garbage),
                          label=param["name"])
        if param["in"] == "path":
            text = json.dumps(value) if not isinstance(value, str) else value
            url = url.replace("{" + param["name"] + "}", quote(text or "x", safe=""))
        elif value is not None and data.draw(st.booleans(), label="send " + param["name"]):
            values = value if isinstance(value, list) else [value]
            query += [(param["name"], v if isinstance(v, str) else json.dumps(v)) for v in values]
    kwargs: dict = {"params": query, "headers": headers}
    if "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        body = data.draw(st.one_of(from_schema(schema, spec), garbage), label="body")
        kwargs["content"] = json.dumps(body, allow_nan=True)
        kwargs["headers"] = {**headers, "Content-Type": "application/json"}
    r = client.request(method, url, **kwargs)
    assert r.status_code < 500, f"{method} {url} {query} -> {r.status_code}: {r.text[:300]}"


def run_fuzz(db: str, examples: int) -> None:
    with make_client(db) as client:
        spec = client.app.openapi()
        ops = operations(spec)
        assert len(ops) >= 20

        @settings(max_examples=examples * len(ops), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                         HealthCheck.data_too_large])
        @given(st.sampled_from(ops), st.data())
        def fuzz(operation, data):
            headers = bearer(client, "ada") if not fuzz.headers else fuzz.headers
            if client.get("/api/me", headers=headers).status_code != 200:
                from picodragon.web.auth import create_user

                create_user(db, "ada", USERS["ada"][1], "admin")
                client.app.state.mc.throttle.succeeded("ada")  # the fuzzer may have guessed wrong
                headers = bearer(client, "ada")
            fuzz.headers = headers
            check_operation(client, headers, spec, *operation, data)

        fuzz.headers = None
        fuzz()


def test_no_server_error_on_any_endpoint_sqlite(tmp_path):
    run_fuzz(str(tmp_path / "fuzz.sqlite"), examples=30)


def test_no_server_error_on_any_endpoint_postgresql():
    from tests.web.fixtures import postgres_url

    with postgres_url() as url:
        run_fuzz(url, examples=8)


@pytest.mark.parametrize("path", ["/api/status", "/api/commands", "/api/telemetry?point=HOUSEKEEPING.mode"])
def test_the_api_refuses_anonymous_callers(tmp_path, path):
    with make_client(str(tmp_path / "a.sqlite"), populated=False) as client:
        assert client.get(path).status_code == 401


def test_the_document_describes_any_mission(tmp_path):
    """The OpenAPI document's title and description name no mission: the same mission control
    serves every mission's archive."""
    with make_client(str(tmp_path / "doc.sqlite"), populated=False) as client:
        info = client.app.openapi()["info"]
    assert info["title"] == "picodragon mission control"
    assert info["description"].startswith("Mission control for a CubeSat mission:")
