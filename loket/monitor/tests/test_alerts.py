"""Alarms: a rolling window below the threshold (with a minimum sample), a single very low
score, no repeat while open, recovery resolves, and the team lead hears of it within a minute
(desk, e-mail, signed webhook)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from loket.monitor.actions import check_acknowledge_alert, check_resolve_alert, check_save_alert_rule
from loket.monitor.models import Alert
from loket.monitor.tests.conftest import membership_of
from loket.monitor.tests.factories import answered
from loket.promises.models import Notification
from loket.webhooks.actions import do_create_endpoint
from loket.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def window_rule(org, owner, survey):
    return check_save_alert_rule(
        membership_of(owner, org),
        None,
        name="CSAT laatste 2 uur",
        kind="window",
        metric="csat",
        scope="all",
        window_minutes=120,
        min_responses=3,
        threshold=3.0,
    )


def answer_at(case, value, at, committed, run_tasks):
    with time_machine.travel(at, tick=False):
        response = committed(answered, case, str(value))
        run_tasks()
    return response


def test_a_window_below_the_threshold_raises_one_alert_with_its_causes(
    window_rule, email_case, committed, run_tasks, owner
):
    answer_at(email_case, 2, NOW, committed, run_tasks)
    answer_at(email_case, 1, NOW + timedelta(minutes=1), committed, run_tasks)
    assert not Alert.objects.exists()  # two responses: below the minimum sample
    third = answer_at(email_case, 2, NOW + timedelta(minutes=2), committed, run_tasks)
    alert = Alert.objects.get()
    assert alert.value == pytest.approx(5 / 3)
    assert alert.sample == 3
    assert third in alert.responses.all()
    answer_at(email_case, 1, NOW + timedelta(minutes=3), committed, run_tasks)
    assert Alert.objects.count() == 1  # no repeat while open


def test_the_window_slides_old_responses_out(window_rule, email_case, committed, run_tasks):
    for minute in range(3):
        answer_at(email_case, 5, NOW + timedelta(minutes=minute), committed, run_tasks)
    # Three hours later the good scores are out of the window; two low ones are too few.
    later = NOW + timedelta(hours=3)
    answer_at(email_case, 1, later, committed, run_tasks)
    answer_at(email_case, 1, later + timedelta(minutes=1), committed, run_tasks)
    assert not Alert.objects.exists()
    answer_at(email_case, 1, later + timedelta(minutes=2), committed, run_tasks)
    assert Alert.objects.get().sample == 3


def test_recovery_resolves_the_alert_by_itself(window_rule, email_case, committed, run_tasks):
    for minute in range(3):
        answer_at(email_case, 1, NOW + timedelta(minutes=minute), committed, run_tasks)
    alert = Alert.objects.get()
    for minute in range(3, 12):
        answer_at(email_case, 5, NOW + timedelta(minutes=minute), committed, run_tasks)
    alert.refresh_from_db()
    assert (alert.status, alert.auto_resolved) == ("resolved", True)


def test_a_count_window_looks_at_the_last_n_responses(org, owner, survey, email_case, committed, run_tasks):
    check_save_alert_rule(
        membership_of(owner, org),
        None,
        name="Laatste 4",
        kind="window",
        metric="csat",
        scope="all",
        window_count=4,
        min_responses=4,
        threshold=3.0,
    )
    for minute, value in enumerate([1, 1, 5, 5, 5, 5]):
        answer_at(email_case, value, NOW + timedelta(minutes=minute), committed, run_tasks)
    # After four answers (1, 1, 5, 5: 3.0) nothing; the window never dropped below 3.
    assert not Alert.objects.exists()


def test_a_single_very_low_score_alerts_the_team_lead_within_a_minute(
    client, org, owner, survey, email_case, committed, run_tasks, team, http_calls
):
    from loket.accounts.actions import do_add_member
    from loket.accounts.models import Role
    from loket.tests.factories import UserFactory

    lead = UserFactory(username="lotte", email="lotte@woonwinkel.example")
    do_add_member(org, lead, Role.LEAD)
    team.members.add(lead)
    endpoint = do_create_endpoint(org, url="https://erp.example.test/hook", event_types=["alert.raised"])
    check_save_alert_rule(
        membership_of(owner, org),
        None,
        name="Zeer ontevreden",
        kind="single",
        metric="csat",
        scope="team",
        team=team,
        threshold=1,
    )
    answer_at(email_case, 1, NOW, committed, run_tasks)
    alert = Alert.objects.get()
    assert alert.opened_at - NOW < timedelta(seconds=60)
    notice = mail.outbox[-1]
    assert notice.to == ["lotte@woonwinkel.example"]
    assert "Zeer ontevreden" in notice.subject
    page = reverse("monitor:alert", args=[alert.pk])
    assert page in notice.body
    # … and under Meldingen in the desk, leading to the alarm.
    note = Notification.objects.get(recipient=lead)
    assert (note.kind, note.link) == ("alert", page)
    client.force_login(lead)
    assert client.post(reverse("promises:notification_read", args=[note.pk])).url == page
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event.type == "alert.raised"
    assert delivery.event.data["alert_id"] == alert.pk
    # The signed webhook went out in the same minute.
    requests, _responder = http_calls
    hook = next(r for r in requests if str(r.url) == "https://erp.example.test/hook")
    assert hook.headers["X-Loket-Event"] == "alert.raised"
    assert hook.headers["X-Loket-Signature"]
    assert json.loads(hook.content)["data"]["rule"] == "Zeer ontevreden"
    # A second very low score joins the open alert.
    answer_at(email_case, 1, NOW + timedelta(minutes=1), committed, run_tasks)
    assert Alert.objects.count() == 1
    assert alert.responses.count() == 2
    alert.refresh_from_db()
    assert alert.sample == 2


def test_a_lead_acknowledges_and_resolves_an_agent_may_not(org, owner, agent, survey, email_case, committed, run_tasks):
    from django.core.exceptions import PermissionDenied

    check_save_alert_rule(
        membership_of(owner, org), None, name="Laag", kind="single", metric="csat", scope="all", threshold=2
    )
    answer_at(email_case, 1, NOW, committed, run_tasks)
    alert = Alert.objects.get()
    with pytest.raises(PermissionDenied):
        check_acknowledge_alert(membership_of(agent, org), alert)
    check_acknowledge_alert(membership_of(owner, org), alert)
    check_resolve_alert(membership_of(owner, org), alert)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.resolved_by) == ("resolved", owner, owner)


def test_a_time_window_recovers_by_itself_as_low_scores_age_out(window_rule, email_case, committed, run_tasks):
    for minute in range(3):
        answer_at(email_case, 1, NOW + timedelta(minutes=minute), committed, run_tasks)
    alert = Alert.objects.get()
    with time_machine.travel(NOW + timedelta(minutes=60), tick=False):
        run_tasks()  # the rechecks every five minutes: still within two hours
    alert.refresh_from_db()
    assert alert.status == "open"
    with time_machine.travel(NOW + timedelta(minutes=125), tick=False):
        run_tasks()
    alert.refresh_from_db()
    assert (alert.status, alert.auto_resolved) == ("resolved", True)
