"""The OpenAPI schema and the interactive docs, which must work under the strict CSP."""

from __future__ import annotations

import re

import pytest

from loket.api.api import api as loket_api

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_endpoint_with_bearer_auth(anonymous_api):
    response = anonymous_api.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/inbound/messages" in schema["paths"]
    assert "/api/v1/cases/{case_id}/handover" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_operation_ids_are_short_and_unique():
    schema = loket_api.get_openapi_schema()
    ids = [operation["operationId"] for methods in schema["paths"].values() for operation in methods.values()]
    assert len(ids) == len(set(ids))
    assert "create_case" in ids


def test_docs_page_loads_scripts_and_styles_only_from_our_own_static_files(anonymous_api):
    response = anonymous_api.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the page should load the Swagger UI bundle"
    assert all(source.startswith("/static/") for source in sources), sources
    # No inline script: every <script> either loads a file or is a JSON data block.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="' in tag or 'type="application/json"' in tag, tag
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_in_a_browser_without_csp_violations():
    from loket.tests.browser import chromium
    from loket.tests.live_server import run_asgi_server

    with run_asgi_server() as server, chromium() as browser:
        page = browser.new_page()
        violations: list[str] = []
        foreign: list[str] = []
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.on("request", lambda req: foreign.append(req.url) if not req.url.startswith(server) else None)
        page.goto(server + "/api/v1/docs")
        page.wait_for_selector(".opblock", timeout=15_000)
        operations = page.locator(".opblock").count()
        has_authorize = page.locator("button.authorize").count() > 0
    assert operations == sum(len(methods) for methods in loket_api.get_openapi_schema()["paths"].values())
    assert has_authorize
    assert foreign == []
    assert violations == []


def test_the_documented_webhook_verifier_accepts_loket_signatures_and_nothing_else():
    from pathlib import Path

    import time_machine

    from loket.webhooks.signing import sign

    text = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    namespace: dict[str, object] = {}
    exec(code, namespace)  # noqa: S102 - our own documentation
    verify = namespace["verify"]
    body = b'{"id": 1, "type": "case.resolved"}'
    with time_machine.travel(1_780_000_000, tick=False):
        header = sign("geheim", 1_780_000_000, body)
        assert verify("geheim", header, body)
        assert not verify("ander-geheim", header, body)
        assert not verify("geheim", header, body + b" ")
        assert not verify("geheim", "t=abc,v1=00", body)
    with time_machine.travel(1_780_000_000 + 301, tick=False):
        assert not verify("geheim", header, body)
