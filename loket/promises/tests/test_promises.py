"""Making, keeping, breaking, cancelling and renegotiating promises; the guard's steps."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from loket.accounts.models import Membership
from loket.cases.actions import do_hand_over
from loket.cases.models import Handover
from loket.events.testing import capture_events
from loket.promises.actions import (
    check_cancel_promise,
    check_make_promise,
    check_renegotiate_promise,
    do_keep_promise,
    do_make_promise,
    do_report_cannot_keep,
)
from loket.promises.models import Notification, Promise
from loket.promises.tests.conftest import at, minutes

pytestmark = pytest.mark.django_db


def membership(user, org):
    return Membership.objects.get(user=user, organization=org)


def callback(case, actor, start="2026-12-01 14:00", end="2026-12-01 15:00", **kwargs):
    return do_make_promise(
        case,
        actor=actor,
        kind="callback",
        description="Bel me terug over de bank",
        due_from=at(start),
        due_until=at(end),
        **kwargs,
    )


def test_a_promise_belongs_to_the_case_owner_and_records_an_event(
    clock, case, agent, django_capture_on_commit_callbacks
):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        promise = callback(case, agent)
    assert promise.owner == agent
    assert promise.status == "open"
    assert promise.channel == "phone"
    # Reminded a quarter before the window opens, at risk a quarter before it closes.
    assert promise.remind_at == at("2026-12-01 13:45")
    assert promise.risk_at == at("2026-12-01 14:45")
    assert promise.next_check_at == promise.remind_at
    assert [e.type for e in events] == ["promise.made"]
    assert promise.changes.get().what == "made"


def test_a_window_that_ends_before_it_starts_is_refused_and_nothing_is_stored(clock, org, case, agent):
    with pytest.raises(ValidationError) as error:
        check_make_promise(
            membership(agent, org),
            case,
            kind="callback",
            description="Terugbellen",
            due_from=at("2026-12-01 15:00"),
            due_until=at("2026-12-01 14:00"),
        )
    assert "eindigt voordat het begint" in str(error.value)
    assert not Promise.objects.exists()


def test_a_promise_needs_the_customers_words_and_a_future_moment(clock, org, case, agent):
    with pytest.raises(ValidationError):
        check_make_promise(
            membership(agent, org), case, kind="pickup", description=" ", due_until=at("2026-12-03 17:00")
        )
    with pytest.raises(ValidationError):
        check_make_promise(
            membership(agent, org), case, kind="pickup", description="Ophalen", due_until=at("2026-11-30 17:00")
        )
    assert not Promise.objects.exists()


def test_the_promise_follows_a_handover_unless_pinned(
    clock, case, agent, owner, lead, django_capture_on_commit_callbacks
):
    follows = callback(case, agent)
    pinned = callback(case, agent, owner=lead, owner_pinned=True)
    with django_capture_on_commit_callbacks(execute=True):
        do_hand_over(case, actor=agent, to_user=owner, reason=Handover.Reason.ABSENCE)
    follows.refresh_from_db()
    pinned.refresh_from_db()
    assert follows.owner == owner
    assert pinned.owner == lead
    assert follows.changes.filter(what="owner_changed").exists()


def test_reminder_then_escalation_to_the_team_lead_each_exactly_once(guard, clock, case, agent, lead, run_tasks):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 13:44"))
    assert guard() == 0
    clock.move_to(at("2026-12-01 13:46"))
    assert guard() == 1
    assert guard() == 0  # nothing twice
    reminders = Notification.objects.filter(kind="reminder")
    assert [n.recipient for n in reminders] == [agent]
    clock.move_to(at("2026-12-01 14:46"))
    guard()
    guard()
    at_risk = Notification.objects.filter(kind="at_risk", promise=promise)
    assert {n.recipient for n in at_risk if n.as_lead} >= {lead}
    assert at_risk.filter(recipient=lead).count() == 1
    assert "Dreigt niet nagekomen te worden" in at_risk.get(recipient=lead).text
    run_tasks()  # the e-mails
    assert any(message.to == [lead.email] and "Dreigt" in message.subject for message in mail.outbox)


def test_a_broken_promise_alerts_the_lead_again_and_asks_the_owner_to_apologise(
    guard, clock, case, agent, lead, agent_client
):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 15:01"))
    guard()
    promise.refresh_from_db()
    assert promise.status == "broken"
    assert promise.next_check_at is None
    owner_note = Notification.objects.get(kind="broken", recipient=agent)
    assert "excuses" in owner_note.text
    assert Notification.objects.filter(kind="broken", recipient=lead, as_lead=True).count() == 1
    # On the case: the prompt to contact the customer with a new proposal.
    html = agent_client.get(f"/zaken/{case.pk}/").content.decode()
    assert "bied excuses aan en doe een nieuw voorstel" in html
    # On top of the owner's inbox.
    rows = agent_client.get("/", {"promise": "broken"}).context["page"].object_list
    assert [c.pk for c in rows] == [case.pk]


def test_renegotiating_a_broken_promise_keeps_the_break_and_the_history(guard, clock, org, case, agent):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 15:01"))
    guard()
    promise.refresh_from_db()
    new = check_renegotiate_promise(
        membership(agent, org),
        promise,
        due_from=at("2026-12-02 10:00"),
        due_until=at("2026-12-02 10:30"),
        note="Excuses aangeboden",
    )
    promise.refresh_from_db()
    assert promise.status == "broken"
    assert new.replaces == promise
    assert new.status == "open"
    assert [c.what for c in promise.changes.all()] == ["made", "broken", "renegotiated"]
    with pytest.raises(ValidationError):  # one new proposal per promise
        check_renegotiate_promise(membership(agent, org), promise, due_until=at("2026-12-03 10:00"))


def test_cancelling_needs_a_reason(clock, org, case, agent):
    promise = callback(case, agent)
    with pytest.raises(ValidationError):
        check_cancel_promise(membership(agent, org), promise, reason="  ")
    check_cancel_promise(membership(agent, org), promise, reason="Klant belt zelf")
    promise.refresh_from_db()
    assert (promise.status, promise.reason, promise.next_check_at) == ("cancelled", "Klant belt zelf", None)


def test_a_late_kept_after_broken_is_recorded_but_the_break_stays(guard, clock, case, agent):
    promise = do_make_promise(case, actor=agent, kind="pickup", description="Ophalen", due_until=at("2026-12-03 00:00"))
    clock.move_to(at("2026-12-03 00:01"))
    guard()
    kept = do_keep_promise(promise, actor=None, reporter="vervoerder")
    assert kept.status == "broken"
    assert kept.kept_late_at is not None
    assert kept.changes.filter(what="kept_late").exists()
    assert kept.broken_at is not None


def test_cannot_be_kept_alerts_the_owner_at_once(clock, case, agent, run_tasks):
    promise = do_make_promise(
        case, actor=agent, kind="replacement", description="Nieuwe bank", due_until=at("2026-12-10 00:00")
    )
    do_report_cannot_keep(promise, actor=None, reason="Model niet meer leverbaar", reporter="ERP")
    alert = Notification.objects.get(kind="cannot_keep")
    assert alert.recipient == agent
    assert "Model niet meer leverbaar" in alert.text
    promise.refresh_from_db()
    assert promise.at_risk()


def test_a_delivery_escalates_one_working_day_before_skipping_the_weekend(guard, clock, org, case, agent, lead):
    from loket.accounts.actions import do_set_business_hours  # noqa: F401 (the org's hours: office hours)
    from loket.accounts.hours import OFFICE_HOURS
    from loket.accounts.models import BusinessHours

    BusinessHours.objects.create(organization=org, weekly=OFFICE_HOURS.weekly_json())
    # Delivery on Monday 7 December: one working day before is Friday 4 December, 09:00.
    promise = do_make_promise(
        case,
        actor=agent,
        kind="delivery",
        description="Bank leveren",
        due_from=at("2026-12-07 00:00"),
        due_until=at("2026-12-08 00:00"),
    )
    assert promise.risk_at == at("2026-12-04 09:00")
    clock.move_to(at("2026-12-04 09:01"))
    guard()
    assert Notification.objects.filter(kind="at_risk", recipient=lead).count() == 1


def test_promise_history_page_and_actions_from_the_desk(clock, case, agent, agent_client):
    promise = callback(case, agent)
    response = agent_client.post(f"/toezeggingen/{promise.pk}/nagekomen/", {"note": "gebeld"})
    assert response.status_code == 302
    promise.refresh_from_db()
    assert promise.status == "kept"
    page = agent_client.get(f"/toezeggingen/{promise.pk}/").content.decode()
    assert "Nagekomen" in page


def test_two_clicks_from_the_case_view_make_a_callback_promise(clock, case, agent, agent_client):
    page = agent_client.get(f"/zaken/{case.pk}/").content.decode()
    assert "Terugbellen tussen 09:30 en 10:00" in page  # the first click opens this, filled in
    response = agent_client.post(
        f"/zaken/{case.pk}/toezeggingen/nieuw/",
        {
            "kind": "callback",
            "description": "Wij bellen u terug.",
            "day": "2026-12-01",
            "from_time": "09:30",
            "until_time": "10:00",
        },
    )
    assert response.status_code == 302
    promise = Promise.objects.get()
    assert (promise.due_from, promise.due_until) == (at("2026-12-01 09:30"), at("2026-12-01 10:00"))
    page = agent_client.get(f"/zaken/{case.pk}/").content.decode()
    assert "begint over 30" in page  # the countdown


def test_a_bad_window_from_the_desk_shows_the_error_and_stores_nothing(clock, case, agent_client):
    response = agent_client.post(
        f"/zaken/{case.pk}/toezeggingen/nieuw/",
        {
            "kind": "callback",
            "description": "Terugbellen",
            "day": "2026-12-01",
            "from_time": "15:00",
            "until_time": "14:00",
        },
    )
    assert response.status_code == 400
    assert "eindigt voordat het begint" in response.content.decode()
    assert not Promise.objects.exists()


def test_viewers_cannot_make_promises(clock, case, viewer, client):
    client.force_login(viewer)
    response = client.post(
        f"/zaken/{case.pk}/toezeggingen/nieuw/", {"kind": "pickup", "description": "x", "day": "2026-12-03"}
    )
    assert response.status_code == 403
    assert not Promise.objects.exists()


def test_minutes_helper():
    assert minutes(15).seconds == 900


def test_the_customer_is_told_what_was_promised_and_it_does_not_keep_the_callback(
    clock, case, agent, agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"/zaken/{case.pk}/toezeggingen/nieuw/",
            {
                "kind": "callback",
                "description": "Wij bellen u terug over de bank.",
                "day": "2026-12-01",
                "from_time": "09:00",
                "until_time": "09:30",
                "confirm": "on",
            },
            follow=True,
        )
    assert "De klant krijgt een bevestiging" in response.content.decode()
    confirmation = case.messages.get(kind="outbound")
    assert "Wij hebben u toegezegd: Wij bellen u terug over de bank." in confirmation.text
    assert "09:00" in confirmation.text
    assert confirmation.automatic
    # Sent inside the window, yet Loket's own confirmation is not the promised call.
    assert Promise.objects.get().status == "open"
