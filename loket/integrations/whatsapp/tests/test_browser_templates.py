"""A WhatsApp template from the case view in a real browser: outside the 24-hour window the agent
picks a template, its fields load (htmx), the preview fills in as she types (desk.js, under the
strict CSP), and the template lands on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.integrations.models import SentTemplate
from loket.integrations.whatsapp.tests.meta import connect_templates
from loket.tests.browser import CHROMIUM
from loket.tests.test_browser_desk import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]


def test_the_agent_fills_in_a_template_and_sends_it_after_the_window_closed(
    org, team, agent, account, graph, server, browser
):
    from playwright.sync_api import expect

    connect_templates(account, graph)
    case = do_receive_message(
        org,
        InboundMessage(
            channel="whatsapp",
            identity_kind="whatsapp",
            identity_value="+31612345678",
            sender_name="Jolanda de Vries",
            text="Wanneer komt mijn bank?",
            external_id="wamid.BROWSER-1",
            received_at=timezone.now() - timedelta(days=2),
        ),
    ).message.case

    page = login(browser, server, agent.username)
    page.goto(f"{server}/zaken/{case.pk}/")
    expect(page.get_by_test_id("whatsapp-window")).to_contain_text("alleen een goedgekeurd sjabloon")
    page.get_by_label("WhatsApp-sjabloon").select_option(label="levering_gepland (nl)")

    preview = page.get_by_test_id("template-preview")
    expect(preview).to_contain_text("Beste {{1}}, wij bezorgen uw {{2}} op {{3}}.")
    page.get_by_label("{{1}}").fill("Jolanda")
    page.get_by_label("{{2}}").fill("hoekbank")
    expect(preview).to_contain_text("Beste Jolanda, wij bezorgen uw hoekbank op {{3}}.")
    page.get_by_test_id("send-template").click()
    expect(page.locator(".form-errors, .error").first).to_contain_text("Vul {{3}} in.")

    page.get_by_label("{{3}}").fill("dinsdag 12 mei")
    expect(preview).to_contain_text("op dinsdag 12 mei.")
    page.get_by_test_id("send-template").click()
    expect(page.locator("#timeline")).to_contain_text("Beste Jolanda, wij bezorgen uw hoekbank op dinsdag 12 mei.")
    expect(page.get_by_test_id("template-tag")).to_have_text("sjabloon levering_gepland (nl)")

    message = Message.objects.get(case=case, kind=Message.Kind.OUTBOUND)
    assert SentTemplate.objects.get(message=message).parameters == {
        "1": "Jolanda",
        "2": "hoekbank",
        "3": "dinsdag 12 mei",
    }
    # No CSP violations, no script errors; the one 400 is the page that said {{3}} was missing.
    assert [error for error in page.console_errors if "status of 400 (Bad Request)" not in error] == []
    assert len(page.console_errors) == 1
