"""The customer's answer: the response page (signed, single-use, expiring), a number by SMS,
the attribution snapshot, and the low score that flags the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from loket.cases.actions import do_hand_over
from loket.integrations.actions import do_process_pending
from loket.integrations.models import ChannelAccount
from loket.integrations.sms.tests.provider import ACCOUNT_SID, AUTH_TOKEN, NUMBER, inbound, post
from loket.monitor.links import token_for
from loket.monitor.models import Response, ResponseRollup, SurveyInvitation
from loket.monitor.tests.factories import answered

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def invitation(survey, email_case):
    from loket.monitor.actions import do_invite_after_contact

    with time_machine.travel(NOW, tick=False):
        found, reason = do_invite_after_contact(email_case, channel="email", trigger="contact", ended_at=NOW, key="1")
    assert found is not None, reason
    # Answered (below) a few minutes after the contact ended.
    traveller = time_machine.travel(NOW + timedelta(minutes=3), tick=False)
    traveller.start()
    yield found
    traveller.stop()


def page(invitation) -> str:
    return reverse("survey_response", args=[token_for(invitation)])


def test_the_first_tap_stores_the_answer_with_the_snapshot(client, invitation, agent, owner, email_case):
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        shown = client.get(page(invitation))
        assert "Hoe tevreden bent u over het contact met ons?" in shown.content.decode()
        assert email_case.number not in shown.content.decode()
        assert "Jolanda" not in shown.content.decode()
        client.post(page(invitation), {"answer": "4"})
    response = Response.objects.get()
    assert (response.csat, response.agent, response.team, response.channel) == (4, agent, email_case.team, "email")
    assert response.seconds_to_response == 300  # five minutes after the contact ended
    # A handover later does not move the response.
    do_hand_over(email_case, actor=None, to_user=owner, reason="other", note="verlof")
    response.refresh_from_db()
    assert response.agent == agent
    rollup = ResponseRollup.objects.get(responses=1, dimension="agent", span="hour")
    assert (rollup.csat_sum, rollup.csat_n, rollup.key) == (4, 1, str(agent.pk))


def test_the_rest_is_optional_and_saved_once(client, invitation):
    client.post(page(invitation), {"answer": "5"})
    more = client.get(page(invitation))
    assert "Is uw vraag opgelost?" in more.content.decode()
    client.post(page(invitation), {"solved": "1", "text": "Snel geholpen, dank!"})
    response = Response.objects.get()
    assert (response.solved, response.comment) == (True, "Snel geholpen, dank!")
    again = client.post(page(invitation), {"solved": "0", "text": "toch niet"})
    assert "U heeft deze enquête al ingevuld" in again.content.decode()
    response.refresh_from_db()
    assert (response.solved, response.comment) == (True, "Snel geholpen, dank!")


def test_a_comment_with_a_nul_character_is_kept_without_it(client, invitation):
    client.post(page(invitation), {"answer": "4"})
    client.post(page(invitation), {"text": "Prima\x00 geholpen"})
    assert Response.objects.get().comment == "Prima geholpen"


def test_a_second_first_answer_updates_nothing(client, invitation):
    client.post(page(invitation), {"answer": "5"})
    client.post(page(invitation), {"solved": "1"})
    reused = client.post(page(invitation), {"answer": "1"})
    assert "al ingevuld" in reused.content.decode()
    assert Response.objects.get().csat == 5


def test_out_of_range_or_not_a_number_gets_a_clear_message(client, invitation):
    for bad, message in (("9", "kies een cijfer van 1 tot en met 5"), ("veel", "Antwoord met een cijfer van 1")):
        shown = client.post(page(invitation), {"answer": bad})
        assert shown.status_code == 400
        assert message in shown.content.decode()
    assert not Response.objects.exists()


def test_a_tampered_link_shows_a_friendly_page_and_stores_nothing(client, invitation):
    token = token_for(invitation)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    shown = client.post(reverse("survey_response", args=[tampered]), {"answer": "5"})
    assert shown.status_code == 404
    assert "Deze link werkt niet" in shown.content.decode()
    assert not Response.objects.exists()


def test_an_expired_link_shows_a_friendly_page_and_stores_nothing(client, invitation):
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        shown = client.post(page(invitation), {"answer": "5"})
    assert shown.status_code == 410
    assert "Deze link is verlopen" in shown.content.decode()
    assert not Response.objects.exists()


def test_an_english_customer_reads_english(client, invitation):
    customer = invitation.customer
    customer.language = "en"
    customer.save()
    shown = client.get(page(invitation))
    assert "How satisfied are you" in shown.content.decode()


def test_a_low_score_flags_the_case_and_gives_its_owner_a_guarded_callback(client, invitation, email_case):
    from loket.promises.models import Promise

    client.post(page(invitation), {"answer": "1"})  # Tuesday 3 November, 11:03 in Amsterdam
    assert "lage score" in [t.name for t in email_case.tags.all()]
    callback = Promise.objects.get(case=email_case)
    assert (callback.kind, callback.status, callback.source) == ("callback", "open", "system")
    assert callback.owner == email_case.owner
    assert "bel de klant terug" in callback.description
    # Due when the next working day ends (no hours set: always open, so Wednesday midnight).
    assert callback.due_until == datetime(2026, 11, 4, 23, 0, tzinfo=UTC)
    assert callback.next_check_at is not None  # the guard reminds and escalates it


def test_more_low_scores_on_the_case_make_no_second_callback(client, invitation, email_case, survey):
    from loket.monitor.actions import do_invite_after_contact
    from loket.promises.models import Promise

    client.post(page(invitation), {"answer": "1"})
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        again, reason = do_invite_after_contact(
            email_case, channel="email", trigger="contact", ended_at=timezone.now(), key="2"
        )
        assert again is not None, reason
        client.post(page(again), {"answer": "2"})
    assert Response.objects.count() == 2
    assert Promise.objects.filter(case=email_case).count() == 1


@pytest.fixture
def sms_account(org, team):
    account = ChannelAccount(
        organization=org,
        kind="sms",
        name="Klantenservice",
        external_id=NUMBER,
        team=team,
        settings={"account_sid": ACCOUNT_SID, "messaging_service_sid": ""},
    )
    account.set_secrets(auth_token=AUTH_TOKEN)
    account.save()
    return account


@pytest.fixture
def twilio(http_calls):
    import httpx

    requests, responder = http_calls
    sids = iter(range(1, 100))
    responder.reply = lambda request: httpx.Response(201, json={"sid": f"SMout{next(sids):030d}", "status": "queued"})
    return requests


def test_an_sms_reply_of_just_a_number_counts_as_the_answer(
    client, sms_account, twilio, org, owner, agent, committed, run_tasks
):
    from loket.accounts.models import Membership
    from loket.cases.actions import check_reply
    from loket.cases.models import Case
    from loket.monitor.actions import check_save_survey

    check_save_survey(
        Membership.objects.get(user=owner, organization=org),
        None,
        name="Sms",
        questions=[{"kind": "mark"}],
        quiet_days=0,
    )
    post(client, sms_account, inbound("Mijn bank is kapot", sid="SM" + "1" * 32))
    do_process_pending()
    case = Case.objects.get()
    committed(check_reply, Membership.objects.get(user=owner, organization=org), case, text="We komen morgen.")
    run_tasks()
    invitation = SurveyInvitation.objects.get()
    sent = twilio[-1].content.decode()
    assert "cijfer+van+1+tot+en+met+10" in sent  # the SMS asks for a number and carries the link
    post(client, sms_account, inbound("8", sid="SM" + "2" * 32))
    do_process_pending()
    response = Response.objects.get()
    assert (response.invitation, response.mark, response.channel) == (invitation, 8, "sms")
    # The reply itself stays on the timeline like any other message.
    assert case.messages.filter(kind="inbound", text="8").exists()


def test_a_whatsapp_or_chat_reply_that_is_not_a_number_is_just_a_message(survey, email_case):
    response = answered(email_case, "2", channel="email")
    assert response.low


def test_an_sms_answer_after_resolution_lands_on_its_case_without_reopening_it(
    client, sms_account, twilio, org, owner, committed, run_tasks
):
    from loket.accounts.models import Membership
    from loket.cases.actions import do_resolve_case
    from loket.cases.models import Case
    from loket.monitor.actions import check_save_survey

    check_save_survey(
        Membership.objects.get(user=owner, organization=org),
        None,
        name="Na oplossing",
        questions=[{"kind": "csat"}],
        trigger="resolution",
    )
    post(client, sms_account, inbound("Mijn bank is kapot", sid="SM" + "1" * 32))
    do_process_pending()
    case = Case.objects.get()
    committed(do_resolve_case, case, actor=owner)
    run_tasks()
    assert SurveyInvitation.objects.get().case == case
    post(client, sms_account, inbound("4", sid="SM" + "2" * 32))
    do_process_pending()
    assert Response.objects.get().csat == 4
    case.refresh_from_db()
    assert Case.objects.count() == 1  # no new case for the answer
    assert case.status == "resolved"  # and the resolved case stays resolved
    assert case.messages.filter(kind="inbound", text="4").exists()
    # Once answered, another number is an ordinary message again.
    post(client, sms_account, inbound("9", sid="SM" + "3" * 32))
    do_process_pending()
    case.refresh_from_db()
    assert Response.objects.count() == 1
