"""The customer books a callback in a real browser and receives the confirmation over real SMTP."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from loket.promises import booking
from loket.promises.models import Promise
from loket.tests.browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]


def test_a_customer_picks_a_slot_and_gets_a_confirmation_with_a_valid_invitation(
    case, agent, customer_server, server, browser
):
    from playwright.sync_api import expect

    link = booking.do_create_booking_link(case, email="jolanda@example.nl")
    page = browser.new_page(locale="nl-NL")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/terugbellen/{booking.token_for(link)}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("belt u terug")
    expect(page.get_by_text("Bank beschadigd geleverd")).to_be_visible()

    second = page.get_by_test_id("slot").nth(1)
    chosen = second.get_attribute("value")
    second.check()
    page.get_by_test_id("slot-submit").click()
    expect(page.get_by_test_id("booking-done")).to_contain_text("Uw afspraak staat")
    expect(page.get_by_test_id("booked-slot")).to_be_visible()
    assert errors == []

    promise = Promise.objects.get()
    assert promise.kind == "callback"
    assert promise.due_from == booking.parse_key(chosen)

    (received,) = customer_server.received
    assert received["To"] == "jolanda@example.nl"
    assert "wij bellen u terug" in received["Subject"]
    body = received.get_body(("plain",)).get_content()
    assert case.number in body
    assert booking.url_for(link) in body
    (ics,) = [part for part in received.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_content())
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == promise.due_from
    assert event.decoded("dtend") == promise.due_until
    assert str(event["attendee"]) == "mailto:jolanda@example.nl"

    # The same link now shows the booking, to move or cancel it.
    page.goto(f"{server}/terugbellen/{booking.token_for(link)}/")
    expect(page.get_by_test_id("booking-cancel")).to_be_visible()
