"""Story 4 in a real browser: the survey arrives by e-mail over SMTP, the customer answers it on
their phone with one tap, and the team lead's open dashboard shows it without a reload."""

from __future__ import annotations

import re

import pytest

from loket.cases.actions import check_reply
from loket.monitor.models import Response
from loket.monitor.tests.conftest import membership_of
from loket.tests.browser import CHROMIUM
from loket.tests.test_browser_desk import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]


def test_an_emailed_survey_answered_in_the_browser_appears_live_on_the_dashboard(
    survey, email_case, agent, owner, org, server, browser, customer_server, run_tasks, settings
):
    from playwright.sync_api import expect

    settings.SITE_URL = server
    lead = login(browser, server, owner.username)
    lead.goto(f"{server}/monitor/")
    expect(lead.get_by_test_id("figure-responses")).to_contain_text("0")
    expect(lead.locator("body")).to_have_attribute("data-live", "connected")

    check_reply(membership_of(agent, org), email_case, text="We sturen een nieuwe poot op.")
    run_tasks()
    mail = next(m for m in customer_server.received if "Hoe hebben we u geholpen?" in m["Subject"])
    link = re.search(r"https?://\S+/enquete/\S+/", mail.get_body(("plain",)).get_content()).group(0)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="nl-NL")
    phone.goto(link)
    expect(phone.get_by_role("heading")).to_have_text("Hoe tevreden bent u over het contact met ons?")
    phone.get_by_role("button", name="2", exact=True).click()
    expect(phone.get_by_role("heading")).to_have_text("Bedankt! Uw antwoord is bewaard.")
    assert Response.objects.get().csat == 2  # saved at the first tap
    phone.get_by_label("Wilt u nog iets kwijt? (niet verplicht)").fill("De bezorger was onvriendelijk.")
    phone.get_by_role("button", name="Versturen").click()
    expect(phone.get_by_role("heading")).to_have_text("Hartelijk dank voor uw reactie!")

    # The lead's dashboard, open all along, shows the score and the comment.
    expect(lead.get_by_test_id("figure-csat")).to_contain_text("2,0")
    expect(lead.get_by_test_id("comments")).to_contain_text("De bezorger was onvriendelijk.")
    expect(lead.get_by_test_id("worst")).to_contain_text(email_case.number)
    assert not lead.console_errors  # type: ignore[attr-defined]
