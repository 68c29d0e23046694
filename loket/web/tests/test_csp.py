"""Pages work under the Content-Security-Policy (no inline script, style attribute or handler)
and are well-formed for assistive technology and tests (no duplicate ids: labels point right)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from loket.cases.actions import do_add_note, do_reply

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
STYLE = re.compile(r"<style|\sstyle=", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)
HTMX_EVAL = re.compile(r"\shx-on[:-]|\shx-vars=|\sjs:", re.IGNORECASE)
ID = re.compile(r'\sid="([^"]+)"')


def assert_csp_clean(response):
    assert response.status_code == 200, response.status_code
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not STYLE.search(html)
    assert not HANDLER.search(html)
    assert not HTMX_EVAL.search(html)
    ids = ID.findall(html)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"


def test_login_and_password_pages_are_csp_clean(client):
    for name in ("login", "password_reset", "password_reset_done"):
        assert_csp_clean(client.get(reverse(name)))


def test_desk_pages_are_csp_clean(owner_client, owner, case, inbound_case, customer):
    do_reply(case, actor=owner, text="Antwoord")
    do_add_note(case, actor=owner, text="Notitie")
    urls = [
        reverse("web:inbox"),
        reverse("web:inbox") + "?view=open",
        reverse("web:case", args=[case.pk]),
        reverse("web:case", args=[inbound_case.pk]),
        reverse("web:customer", args=[customer.pk]),
        reverse("web:customers"),
        reverse("web:search") + "?q=jolanda",
        reverse("web:customer_merge_search", args=[customer.pk]) + "?q=piet",
        reverse("web:admin_members"),
        reverse("web:admin_teams"),
        reverse("web:admin_business_hours"),
        reverse("web:admin_tokens"),
        reverse("web:admin_webhooks"),
        reverse("password_change"),
    ]
    for url in urls:
        assert_csp_clean(owner_client.get(url))


def test_the_page_loads_htmx_and_desk_js_from_our_own_static_files(agent_client):
    html = agent_client.get(reverse("web:inbox")).content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert '<script src="/static/loket/desk.js"' in html
    assert '<meta name="csrf-token" content="' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from a CDN
