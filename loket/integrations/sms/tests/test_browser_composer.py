"""The composer's SMS part count in a real browser: live while the agent types, only while the
reply goes by SMS, and the same sums as the server's (sms.js against segments.py)."""

from __future__ import annotations

import pytest

from loket.cases.receiving import InboundMessage, do_receive_message
from loket.integrations.sms.segments import segments
from loket.tests.browser import CHROMIUM, chromium
from loket.tests.live_server import run_asgi_server
from loket.tests.test_browser_desk import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]

SAMPLES = [
    "",
    "Goedemiddag, de nieuwe bank komt dinsdag tussen 8:00 en 12:00.",
    "De bank kost €899,- [incl. bezorging] {geen} ~korting~ | 100% \\ ^",
    "De financiële afhandeling volgt; één crème brûlée.",
    "Bedankt! 👍🛋️",
    "x" * 152 + "€" + "x" * 152,
    "x" * 66 + "👍" + "x" * 66,
    "Bank " * 310,
    "ë" * 671,
]


@pytest.fixture
def sms_case(org, team):
    return do_receive_message(
        org,
        InboundMessage(
            channel="sms",
            identity_kind="phone",
            identity_value="+31612345678",
            text="Wanneer wordt de bank opgehaald?",
            external_id="SMbrowser1",
        ),
    ).message.case


def test_the_agent_sees_what_the_reply_costs_while_typing(sms_case, agent):
    from playwright.sync_api import expect

    with run_asgi_server() as server, chromium() as browser:
        page = login(browser, server, agent.username)
        page.goto(f"{server}/zaken/{sms_case.pk}/")
        count = page.get_by_test_id("sms-count")
        expect(count).to_be_visible()  # the customer texted: the reply goes by SMS
        too_long = count.locator("[data-sms-too-long]")
        unicode_hint = count.locator("[data-sms-unicode]")
        page.get_by_label("Bericht").fill("Beste klant, de bank kost €899,-.")
        expect(count).to_contain_text("Sms-delen: 1 · 34 tekens · GSM-7, 160 per deel", use_inner_text=True)
        expect(unicode_hint).to_be_hidden()
        page.get_by_label("Bericht").fill("Beste klant, de financiële afhandeling volgt 👍 " + "x" * 30)
        expect(count).to_contain_text("Sms-delen: 2 · 78 tekens · UCS-2, 67 per deel", use_inner_text=True)
        expect(unicode_hint).to_be_visible()
        expect(too_long).to_be_hidden()
        page.get_by_label("Bericht").fill("Bank " * 310)
        expect(count.locator("[data-sms-parts]")).to_have_text("11")
        expect(too_long).to_be_visible()
        page.get_by_label("Versturen via").select_option("email")
        expect(count).to_be_hidden()
        page.get_by_label("Versturen via").select_option("sms")
        expect(count).to_be_visible()
        # The browser's sums are the server's, sample by sample.
        for text in SAMPLES:
            counted = page.evaluate("text => window.loketSmsSegments(text)", text)
            expected = segments(text)
            assert (counted["encoding"], counted["parts"], counted["units"], counted["perPart"]) == (
                expected.encoding,
                expected.parts,
                expected.units,
                expected.per_part,
            ), text[:40]
        assert page.console_errors == []  # no CSP violations, no script errors
