"""The agent desk in a real browser against a real ASGI server (story 3 of DESIGN.md).

Login → inbox → case → reply → hand over → resolve, and a message posted through the API
appearing in a case view that is already open, without reloading.
"""

from __future__ import annotations

import re

import httpx
import pytest

from loket.cases.models import Case, Handover, Message
from loket.tests.browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]

PASSWORD = "wachtwoord-123"  # the factories' password


def login(browser, server: str, username: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Inloggen", re.I)).click()
    page.wait_for_url(f"{server}/**")
    page.console_errors = errors  # type: ignore[attr-defined]
    return page


def test_agent_handles_a_case_from_inbox_to_resolution(inbound_case, agent, owner, server, browser):
    from playwright.sync_api import expect

    page = login(browser, server, agent.username)
    page.get_by_test_id("view-unassigned").click()
    row = page.locator("#inbox-table").get_by_text(inbound_case.subject)
    expect(row).to_be_visible()
    row.click()

    expect(page.locator("h1")).to_have_text(inbound_case.subject)
    expect(page.locator("#timeline")).to_contain_text("Mijn factuur klopt niet.")

    page.get_by_role("button", name="Zaak oppakken").click()
    expect(page.get_by_test_id("case-owner")).to_have_text(agent.display_name)

    page.get_by_label("Bericht").fill("Beste Piet, we zoeken het uit en bellen u morgen.")
    page.get_by_test_id("send-reply").click()
    expect(page.locator("#timeline")).to_contain_text("we zoeken het uit")

    page.get_by_label("Bericht").fill("Factuur 2026-118 nagevraagd bij debiteuren.")
    page.get_by_test_id("save-note").click()
    expect(page.locator("#timeline")).to_contain_text("nagevraagd bij debiteuren")

    page.get_by_role("button", name="Overdragen…").click()
    dialog = page.locator("#handover-dialog")
    dialog.get_by_label("Collega").select_option(label=owner.display_name)
    dialog.get_by_label("Reden").select_option(value=Handover.Reason.EXPERTISE)
    dialog.get_by_label("Overdrachtsnotitie").fill("Olga kent de factuurregels.")
    dialog.get_by_role("button", name="Overdragen", exact=True).click()
    expect(page.get_by_test_id("case-owner")).to_have_text(owner.display_name)
    expect(page.get_by_test_id("handover-count")).to_have_text("1")
    expect(page.locator("#timeline")).to_contain_text("Olga kent de factuurregels.")

    page.get_by_role("button", name="Oplossen").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Opgelost")

    case = Case.objects.get(pk=inbound_case.pk)
    assert case.status == Case.Status.RESOLVED
    assert case.owner == owner
    kinds = list(case.messages.values_list("kind", flat=True))
    assert kinds == [Message.Kind.INBOUND, Message.Kind.OUTBOUND, Message.Kind.NOTE]
    assert page.console_errors == []  # no CSP violations, no script errors


def test_message_posted_through_the_api_appears_in_an_open_case_view(inbound_case, agent, token, server, browser):
    from playwright.sync_api import expect

    page = login(browser, server, agent.username)
    page.goto(f"{server}/zaken/{inbound_case.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Mijn factuur klopt niet.")
    page.wait_for_function("() => document.body.dataset.live === 'connected'")

    answer = httpx.post(
        f"{server}/api/v1/inbound/messages",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "sender": {"kind": "email", "value": "piet@example.nl"},
            "text": "Ik heb de factuur nog eens bekeken: het bedrag is dubbel geboekt.",
            "external_id": "live-browser-1",
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text

    expect(page.locator("#timeline")).to_contain_text("dubbel geboekt", timeout=5000)
    assert page.console_errors == []
