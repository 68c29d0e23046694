"""Customer-booked callbacks: slots from the team's hours and Dutch holidays, capacity, the
signed link (book, move, cancel), the confirmation with its ICS invitation, the reminder."""

from __future__ import annotations

import pytest
from django.core import mail
from icalendar import Calendar

from loket.accounts.actions import do_set_business_hours
from loket.accounts.hours import OFFICE_HOURS
from loket.promises import booking
from loket.promises.models import BookingLink, Notification, Promise
from loket.promises.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def hours(org, team):
    do_set_business_hours(org, OFFICE_HOURS, actor=None)


@pytest.fixture
def link(case, hours):
    return booking.do_create_booking_link(case, email="jolanda@example.nl")


def page(client, link):
    return client.get(f"/terugbellen/{booking.token_for(link)}/")


def invitation_of(message) -> Calendar:
    (attachment,) = [a for a in message.attachments if a[0] == "uitnodiging.ics"]
    return Calendar.from_ical(attachment[1])


def test_slots_follow_the_teams_hours_and_skip_dutch_holidays(settings, link):
    settings.PROMISE_SLOT_MINUTES = 30
    # Thursday 24 December 2026, 15:50: Christmas (25th, 26th) and the weekend are closed.
    slots = booking.slots(link, now=at("2026-12-24 15:50"), days=5)
    starts = [s.start for s in slots]
    assert starts[0] == at("2026-12-24 16:00")
    assert starts[1] == at("2026-12-24 16:30")
    assert starts[2] == at("2026-12-28 09:00")  # Monday: no slot on the holidays or the weekend
    assert all(at("2026-12-25 00:00") > s or s >= at("2026-12-28 00:00") for s in starts)


def test_booking_creates_a_callback_promise_and_confirms_with_an_ics(
    clock, client, link, case, agent, django_capture_on_commit_callbacks
):
    key = booking.slots(link)[1].key  # 10:00-10:30 (09:30 is the first still ahead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/terugbellen/{booking.token_for(link)}/", {"action": "book", "slot": key})
    assert response.status_code == 200
    assert "Uw afspraak staat" in response.content.decode()
    promise = Promise.objects.get()
    assert (promise.kind, promise.source, promise.owner) == ("callback", "booking", agent)
    assert (promise.due_from, promise.due_until) == (at("2026-12-01 10:00"), at("2026-12-01 10:30"))
    assert Notification.objects.get(kind="booked").recipient == agent
    (message,) = mail.outbox
    assert message.to == ["jolanda@example.nl"]
    assert "wij bellen u terug op" in message.subject
    assert case.number in message.body
    event = invitation_of(message).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at("2026-12-01 10:00")
    assert event.decoded("dtend") == at("2026-12-01 10:30")
    assert str(invitation_of(message)["method"]) == "REQUEST"


def test_the_same_link_moves_and_then_cancels_the_booking(clock, client, link, django_capture_on_commit_callbacks):
    url = f"/terugbellen/{booking.token_for(link)}/"
    slots = booking.slots(link)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "book", "slot": slots[2].key})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "move", "slot": slots[6].key})
    assert "verplaatst" in response.content.decode()
    first, moved = Promise.objects.order_by("pk")
    assert first.status == "renegotiated"
    assert moved.replaces == first
    assert moved.due_from == slots[6].start
    # The moved invitation keeps its UID and has a higher sequence: calendars update it.
    booked, updated = (invitation_of(m).walk("VEVENT")[0] for m in mail.outbox)
    assert booked["uid"] == updated["uid"]
    assert int(updated["sequence"]) > int(booked["sequence"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "cancel"})
    assert "geannuleerd" in response.content.decode()
    moved.refresh_from_db()
    assert moved.status == "cancelled"
    assert str(invitation_of(mail.outbox[-1])["method"]) == "CANCEL"
    # Used up: booking again through it is refused, and nothing is stored.
    response = client.post(url, {"action": "book", "slot": slots[8].key})
    assert response.status_code == 400
    assert "al gebruikt" in response.content.decode()
    assert Promise.objects.count() == 2


def test_a_tampered_link_is_refused_and_shows_nothing(clock, client, link):
    token = booking.token_for(link)
    tampered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = client.get(f"/terugbellen/{tampered}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "niet geldig" in body
    assert "Bank beschadigd" not in body
    response = client.post(f"/terugbellen/{tampered}/", {"action": "book", "slot": "20261201T0900Z"})
    assert response.status_code == 404
    assert not Promise.objects.exists()


def test_a_slot_outside_hours_or_full_is_refused_and_nothing_is_stored(
    clock, settings, client, link, case, django_capture_on_commit_callbacks
):
    settings.PROMISE_SLOT_CAPACITY = 1
    url = f"/terugbellen/{booking.token_for(link)}/"
    response = client.post(url, {"action": "book", "slot": "20261201T2000Z"})  # 21:00 local: closed
    assert response.status_code == 400
    assert "niet bereikbaar" in response.content.decode()
    response = client.post(url, {"action": "book", "slot": "not-a-slot"})
    assert response.status_code == 400
    # Another customer takes the 10:00 slot; it is full for this one and no longer offered.
    other = booking.do_create_booking_link(case, email="ander@example.nl")
    key = booking.slots(other)[2].key
    booking.do_book(other, key)
    assert key not in [s.key for s in booking.slots(link)]
    response = client.post(url, {"action": "book", "slot": key})
    assert response.status_code == 400
    assert "vol" in response.content.decode()
    assert Promise.objects.count() == 1
    assert BookingLink.objects.get(pk=link.pk).promise is None


def test_booking_through_the_api(clock, api, link):
    token = booking.token_for(link)
    slots = api.get(f"/bookings/{token}/slots").json()
    assert slots[0]["slot"] == "20261201T0830Z"  # 09:30 local, the first slot still ahead
    response = api.post(f"/bookings/{token}", {"slot": slots[0]["slot"]})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    again = api.post(f"/bookings/{token}", {"slot": slots[1]["slot"]})
    assert again.status_code == 409
    assert "al gebruikt" in again.json()["reason"]
    assert api.get(f"/bookings/{token}x/slots").status_code == 404


def test_the_customer_is_reminded_before_the_call_once(clock, client, link, django_capture_on_commit_callbacks):
    booking.do_book(link, next(s.key for s in booking.slots(link) if s.start == at("2026-12-01 14:00")))
    clock.move_to(at("2026-12-01 11:59"))
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_due_reminders() == 0
    clock.move_to(at("2026-12-01 12:01"))
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.send_due_reminders() == 1
        assert booking.send_due_reminders() == 0
    (reminder,) = mail.outbox
    assert reminder.subject.startswith("Herinnering")
