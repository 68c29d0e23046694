"""Bad input gets a 4xx JSON error with a reason, never a 500: a battery over every route."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from loket.api.tests.routes import ROUTES, Route

pytestmark = pytest.mark.django_db

JUNK_TEXT = "\u202egnp.exe \ufeff👨‍👩‍👧 ẞ \U0001d54f \u0301\u200d زبان"
WRONG_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    10**30,
    -(10**30),
    1.5e308,
    "",
    " ",
    "x" * 20_000,
    "\x00",
    "nul\x00in the middle",
    JUNK_TEXT,
    [],
    [None, {}],
    {},
    {"nested": {"deeper": [1, 2, 3]}},
    "2026-02-30",
    "0001-01-01T00:00:00+14:00",
]
# Raw bodies that are not a JSON object, or not JSON at all.
RAW_BODIES: list[bytes] = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"a string"',
    b"12345678901234567890123456789012345678901234567890",
    b"1e999",
    b"NaN",
    b'{"a": 1,}',
    b"\xff\xfe\x00\x00garbage",
    b'{"text": "\\ud800 lone surrogate"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"' + b"k" * 1000 + b'": 1}',
    '{"text": "caf\u00e9"}'.encode("latin-1"),
    b"9" * 5000,
]
CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "",
]
BAD_IDS = ["0", "-1", "99999999999999999999999", "abc", "1.5", "%00", "1%00", "١٢"]
BAD_CURSORS = [
    "x",
    "!!!",
    "\x00",
    base64.urlsafe_b64encode(b"not json").decode(),
    base64.urlsafe_b64encode(b'["2026-01-01T00:00:00+00:00"]').decode(),
    base64.urlsafe_b64encode(b'["2026-01-01T00:00:00", 1]').decode(),
    base64.urlsafe_b64encode(b'["0001-01-01T00:00:00+14:00", 1]').decode(),
    base64.urlsafe_b64encode(b'["9999-12-31T23:59:59-14:00", 1]').decode(),
    base64.urlsafe_b64encode(b"[null, 1]").decode(),
    base64.urlsafe_b64encode(b"[1, 1e400]").decode(),
    base64.urlsafe_b64encode(b'["a", 99999999999999999999999999]').decode(),
    base64.urlsafe_b64encode(b'{"a": 1}').decode(),
    "A" * 10_000,
]
BAD_PARAMS: list[dict[str, str]] = [
    {"limit": "-1"},
    {"limit": "0"},
    {"limit": "1000"},
    {"limit": "abc"},
    {"limit": "99999999999999999999999"},
    {"q": "\x00"},
    {"q": "x" * 5000},
    {"q": JUNK_TEXT},
    {"q": "+31 6 1234 5678"},
    {"status": "bogus"},
    {"owner": "abc"},
    {"owner": "99999999999999999999999"},
    {"team": "-5"},
    {"customer": "1e3"},
    {"tag": "\x00"},
    {"channel": "pigeon"},
    {"updated_since": "yesterday"},
    {"updated_since": "2026-01-01T00:00:00"},
    {"updated_since": "0001-01-01T00:00:00+14:00"},
    {"updated_since": "9999-12-31T23:59:59-14:00"},
    {"type": "\x00"},
    {"case": "abc"},
    {"since": "2026-13-01T00:00:00Z"},
]


def _assert_json_4xx(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/json"), f"{what}: {response['Content-Type']}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "reason", "fields"}, f"{what}: {body}"


def _wrong_bodies(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The valid body with, in turn, each field (also nested ones) set to each wrong value."""
    variants = [{**body, "unknown_field": 1}]
    for key, value in body.items():
        for wrong in WRONG_VALUES:
            variants.append({**body, key: wrong})
        if isinstance(value, dict):
            variants += [{**body, key: nested} for nested in _wrong_bodies(value)]
    return variants


@pytest.fixture
def battery(api, admin_api, world, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    user_api = api

    def fire(route: Route) -> int:
        api = admin_api if route.admin else user_api
        sent = 0
        url = route.url(world)
        for raw in RAW_BODIES:
            _assert_json_4xx(api.request(route.method, url, raw=raw), f"{route.method} {url} raw {raw[:40]!r}")
            sent += 1
        for content_type in CONTENT_TYPES:
            data = json.dumps(route.data(world) or {})
            response = api.request(route.method, url, raw=data, content_type=content_type)
            _assert_json_4xx(response, f"{route.method} {url} as {content_type}")
            sent += 1
        for body in _wrong_bodies(route.data(world) or {}):
            _assert_json_4xx(api.request(route.method, url, body), f"{route.method} {url} {str(body)[:200]}")
            sent += 1
        for bad_id in BAD_IDS:
            for value in world.values():
                bad_url = url.replace(f"/{value}", f"/{bad_id}")
                if bad_url != url:
                    _assert_json_4xx(api.request(route.method, bad_url, route.data(world)), f"{route.method} {bad_url}")
                    sent += 1
        if route.method == "GET":
            for params in [*BAD_PARAMS, *({"cursor": cursor} for cursor in BAD_CURSORS)]:
                response = api.request("GET", url, params={**route.query(world), **params})
                _assert_json_4xx(response, f"GET {url} {str(params)[:100]}")
                sent += 1
        return sent

    return fire


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_no_malformed_request_to_any_route_gets_a_500(battery, route):
    assert battery(route) > 20


def test_unknown_paths_and_methods_are_json_errors(api):
    for path in [
        "/",
        "/nope",
        "/cases/",
        "/cases/1/unknown",
        "/customers/abc",
        "/../../etc/passwd",
        "/%00",
        "/" + "a" * 5000,
    ]:
        _assert_json_4xx(api.get(path), path)
    for method in ["PUT", "DELETE", "OPTIONS"]:
        response = api.request(method, "/cases")
        _assert_json_4xx(response, method)
        assert response.status_code == 405
