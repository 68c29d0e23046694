"""Invitations: after a contact ends, on the same channel, within a minute, and only to whom
the survey's rules allow."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from loket.cases.actions import check_reply, do_resolve_case
from loket.cases.models import Message
from loket.customers.actions import do_mark_deceased, do_set_opt_out
from loket.monitor.actions import check_save_survey
from loket.monitor.links import invitation_for
from loket.monitor.models import Response, SurveyInvitation
from loket.monitor.tests.conftest import membership_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def reply(committed):
    def send(case, agent, org, text="We sturen een nieuwe poot op."):
        return committed(check_reply, membership_of(agent, org), case, text=text)

    return send


def survey_link(body: str) -> str:
    return re.search(r"https?://\S+/enquete/\S+/", body).group(0)


def test_an_email_reply_sends_the_survey_by_email_within_a_minute(
    reply, survey, email_case, agent, org, run_tasks, customer_server, settings
):
    with time_machine.travel(NOW, tick=False):
        reply(email_case, agent, org)
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        run_tasks()
    invitation = SurveyInvitation.objects.get()
    assert (invitation.channel, invitation.agent, invitation.team) == ("email", agent, email_case.team)
    assert invitation.message.delivery_status == Message.Delivery.SENT
    assert invitation.created_at - NOW <= timedelta(seconds=60)
    mail = next(m for m in customer_server.received if "Hoe hebben we u geholpen?" in m["Subject"])
    assert mail["To"].endswith("jolanda@example.nl>")
    assert email_case.number in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Hoe tevreden bent u over het contact met ons?" in body
    link = survey_link(body)
    assert invitation_for(link.rstrip("/").rsplit("/", 1)[-1]) == invitation
    # The link says nothing about the case or the customer.
    assert email_case.number not in link
    assert "jolanda" not in link.lower()


def test_the_invitation_does_not_change_the_case_status_or_invite_itself(
    reply, survey, email_case, agent, org, run_tasks
):
    reply(email_case, agent, org)
    run_tasks()
    email_case.refresh_from_db()
    assert email_case.status == "waiting_customer"
    assert SurveyInvitation.objects.count() == 1  # the invitation's own message invites nobody


def test_resolution_only_survey_waits_for_the_resolution(reply, committed, org, owner, email_case, agent, run_tasks):
    check_save_survey(
        membership_of(owner, org),
        None,
        name="Na oplossing",
        questions=[{"kind": "mark"}],
        trigger="resolution",
        quiet_days=0,
    )
    reply(email_case, agent, org)
    run_tasks()
    assert not SurveyInvitation.objects.exists()
    committed(do_resolve_case, email_case, actor=agent)
    run_tasks()
    invitation = SurveyInvitation.objects.get()
    assert "rapportcijfer" in invitation.message.text


def test_no_second_invitation_within_the_quiet_days(reply, org, owner, email_case, agent, run_tasks):
    check_save_survey(membership_of(owner, org), None, name="Rustig", questions=[{"kind": "csat"}], quiet_days=14)
    with time_machine.travel(NOW, tick=False):
        reply(email_case, agent, org)
        run_tasks()
    with time_machine.travel(NOW + timedelta(days=13), tick=False):
        reply(email_case, agent, org, text="Nog een vraag beantwoord.")
        run_tasks()
    assert SurveyInvitation.objects.count() == 1
    with time_machine.travel(NOW + timedelta(days=15), tick=False):
        reply(email_case, agent, org, text="En nog een.")
        run_tasks()
    assert SurveyInvitation.objects.count() == 2


def test_a_deceased_customer_is_never_invited(reply, survey, email_case, agent, org, run_tasks):
    reply(email_case, agent, org)
    do_mark_deceased(email_case.customer, date_of_death=None, actor=None)
    run_tasks()
    assert not SurveyInvitation.objects.exists()


def test_an_opted_out_address_is_never_invited(reply, survey, email_case, agent, org, run_tasks):
    identity = email_case.customer.identities.get(kind="email")
    do_set_opt_out(identity, opted_out=True, actor=None)
    reply(email_case, agent, org)
    run_tasks()
    assert not SurveyInvitation.objects.exists()


def test_sampling_invites_about_the_chosen_share(org, owner, email_case, agent, run_tasks):
    from loket.monitor.actions import do_invite_after_contact

    sampled = check_save_survey(
        membership_of(owner, org),
        None,
        name="Steekproef",
        questions=[{"kind": "csat"}],
        sample_percent=20,
        quiet_days=0,
    )
    results = [
        do_invite_after_contact(email_case, channel="email", trigger="contact", ended_at=NOW, key=str(i))[1]
        for i in range(200)
    ]
    invited = results.count("")
    assert 20 <= invited <= 60, invited  # about 20% of 200
    assert set(results) <= {"", "not sampled"}
    assert sampled.sample_percent == 20


def test_a_team_survey_wins_over_the_organisations(reply, org, owner, survey, email_case, agent, run_tasks):
    team_survey = check_save_survey(
        membership_of(owner, org), None, name="Team", questions=[{"kind": "nps"}], team=email_case.team, quiet_days=0
    )
    reply(email_case, agent, org)
    run_tasks()
    assert SurveyInvitation.objects.get().survey == team_survey


def test_no_survey_no_invitation(reply, email_case, agent, org, run_tasks):
    reply(email_case, agent, org)
    run_tasks()
    assert not SurveyInvitation.objects.exists()
    assert not Response.objects.exists()
