"""SMS out: a reply from the desk goes to Twilio's Messages API from the number the customer
texted; Twilio's answers (its documented Message resource and error bodies) decide sent,
retried or failed. Twilio is faked at the one outbound HTTP seam (``loket.lib.http``)."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from loket.accounts.models import Membership
from loket.cases.actions import check_reply
from loket.cases.models import Case, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.sms.tests.conftest import CREATED
from loket.integrations.sms.tests.provider import ACCOUNT_SID, AUTH_TOKEN, NUMBER, inbound, post, status

pytestmark = pytest.mark.django_db

ERRORS = {
    21211: (400, "The 'To' number +3161234567 is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
}


def twilio_error(code: int) -> httpx.Response:
    """Twilio's error body, as its API documents it."""
    http_status, message = ERRORS[code]
    return httpx.Response(
        http_status,
        json={
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": http_status,
        },
    )


@pytest.fixture
def sms_case(client, account, customer):
    """Jolanda texts the number (her phone number is on file as 06 12345678)."""
    post(client, account, inbound("Wanneer wordt de bank opgehaald?", sender="+31612345678"))
    do_process_pending()
    return Case.objects.get()


def sends(requests):
    return [request for request in requests if request.method == "POST"]


def reply(case, agent, capture, run_tasks, text="Wij halen de bank dinsdag op.", channel="") -> Message:
    membership = Membership.objects.get(user=agent, organization=case.organization)
    with capture(execute=True):
        message = check_reply(membership, case, text=text, channel=channel)
    run_tasks()
    message.refresh_from_db()
    return message


def test_a_reply_goes_from_the_number_she_texted_and_its_statuses_follow(
    client, account, sms_case, agent, twilio, django_capture_on_commit_callbacks, run_tasks, settings
):
    settings.SITE_URL = "https://loket.example.nl"
    message = reply(sms_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert (message.channel, message.delivery_status, message.external_id) == ("sms", "sent", CREATED["sid"])
    [request] = sends(twilio.requests)
    assert str(request.url) == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert (
        request.headers["Authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
    assert form == {
        "To": "+31612345678",
        "From": NUMBER,
        "Body": "Wij halen de bank dinsdag op.",
        "StatusCallback": f"https://loket.example.nl/inbound/sms/{account.key}/status/",
    }
    # Twilio reports it delivered: the timeline says so.
    post(client, account, status(CREATED["sid"], "delivered", to="+31612345678"), status=True)
    do_process_pending()
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.DELIVERED


def test_with_a_messaging_service_the_reply_goes_through_it(
    account, sms_case, agent, twilio, django_capture_on_commit_callbacks, run_tasks
):
    account.settings = {"account_sid": ACCOUNT_SID, "messaging_service_sid": "MG" + "a1" * 16}
    account.save()
    reply(sms_case, agent, django_capture_on_commit_callbacks, run_tasks)
    form = parse_qs(sends(twilio.requests)[0].content.decode())
    assert form["MessagingServiceSid"] == ["MG" + "a1" * 16]
    assert "From" not in form


def test_an_email_case_can_be_answered_by_sms_to_the_customers_mobile_number(
    account, case, agent, twilio, django_capture_on_commit_callbacks, run_tasks
):
    message = reply(case, agent, django_capture_on_commit_callbacks, run_tasks, channel="sms")
    assert message.delivery_status == Message.Delivery.SENT
    assert parse_qs(sends(twilio.requests)[0].content.decode())["To"] == ["+31612345678"]


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        (21211, "21211 — ongeldig telefoonnummer — The 'To' number +3161234567 is not a valid phone number."),
        (21614, "21614 — geen mobiel nummer — 'To' number is not a valid mobile number"),
    ],
)
def test_a_number_twilio_refuses_fails_visibly_and_is_not_retried(
    sms_case, agent, twilio, django_capture_on_commit_callbacks, run_tasks, code, shown
):
    twilio.reply = lambda request: twilio_error(code)
    message = reply(sms_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error == shown
    assert run_tasks() == 0
    assert len(sends(twilio.requests)) == 1


def test_21610_fails_the_reply_and_records_the_opt_out(
    sms_case, customer, agent, twilio, django_capture_on_commit_callbacks, run_tasks
):
    twilio.reply = lambda request: twilio_error(21610)
    message = reply(sms_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error.startswith("21610 — de klant heeft zich afgemeld (STOP)")
    assert customer.identities.get(kind="phone").opted_out_at is not None
    membership = Membership.objects.get(user=agent, organization=sms_case.organization)
    with pytest.raises(ValidationError, match="afgemeld voor sms"):
        check_reply(membership, sms_case, text="Nog een keer?")


@pytest.mark.parametrize(
    "trouble",
    [
        lambda request: twilio_error(20429),
        lambda request: twilio_error(20500),
        lambda request: httpx.Response(503, text="<html>Service Unavailable</html>"),
        lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("timed out", request=request)),
    ],
    ids=["429", "500", "503-html", "timeout"],
)
def test_a_busy_or_silent_twilio_is_retried_until_it_takes_the_reply(
    sms_case, agent, twilio, django_capture_on_commit_callbacks, run_tasks, trouble
):
    answer = twilio.reply
    twilio.reply = trouble
    message = reply(sms_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.QUEUED
    twilio.reply = answer
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert run_tasks() == 1
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.SENT
    assert len(sends(twilio.requests)) == 2


def test_when_twilio_stays_unreachable_the_reply_fails_visibly_in_the_end(
    sms_case, agent, twilio, django_capture_on_commit_callbacks, run_tasks
):
    twilio.reply = lambda request: twilio_error(20500)
    message = reply(sms_case, agent, django_capture_on_commit_callbacks, run_tasks)
    now = timezone.now()
    for minutes in (1, 2, 4, 8, 16):
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            run_tasks()
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error.startswith("20500")
    assert len(sends(twilio.requests)) == 6


def test_a_text_of_more_than_ten_parts_is_refused_before_it_is_queued(sms_case, agent, agent_client):
    membership = Membership.objects.get(user=agent, organization=sms_case.organization)
    with pytest.raises(ValidationError) as refused:
        check_reply(membership, sms_case, text="Bank " * 310)  # 1,550 GSM-7 characters: 11 parts
    assert refused.value.message_dict == {"text": ["Te lang voor sms: 11 delen, hoogstens 10 (1550 tekens, GSM-7)."]}
    response = agent_client.post(reverse("web:case_reply", args=[sms_case.pk]), {"text": "🛋️" * 300, "channel": "sms"})
    assert response.status_code == 400
    assert "Te lang voor sms: 14 delen, hoogstens 10 (900 tekens, UCS-2)." in response.content.decode()
    assert not Message.objects.filter(kind="outbound").exists()


def test_the_api_refuses_a_reply_by_sms_to_an_opted_out_number_with_the_reason(client, account, sms_case, token):
    post(client, account, inbound("STOP", sid="SM" + "9" * 32, sender="+31612345678"))
    do_process_pending()
    response = client.post(
        f"/api/v1/cases/{sms_case.pk}/messages",
        {"kind": "reply", "text": "Wij komen dinsdag."},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "heeft zich afgemeld voor sms (STOP)" in response.json()["reason"]


def test_without_a_connected_number_the_composer_says_so(account, sms_case, agent_client):
    account.is_active = False
    account.save()
    response = agent_client.post(reverse("web:case_reply", args=[sms_case.pk]), {"text": "Hallo", "channel": "sms"})
    assert response.status_code == 400
    assert "Er is geen sms-nummer gekoppeld om dit bericht van te sturen." in response.content.decode()


def test_a_number_that_opts_out_after_the_reply_was_queued_gets_nothing(
    client, account, sms_case, agent, twilio, django_capture_on_commit_callbacks, run_tasks
):
    membership = Membership.objects.get(user=agent, organization=sms_case.organization)
    with django_capture_on_commit_callbacks(execute=False):  # queued; the outbox has not run yet
        message = check_reply(membership, sms_case, text="Wij komen dinsdag.")
    post(client, account, inbound("STOP", sid="SM" + "8" * 32, sender="+31612345678"))
    do_process_pending()
    from loket.cases.tasks import deliver_message

    with django_capture_on_commit_callbacks(execute=True):
        deliver_message.enqueue(message.pk)
    run_tasks()
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.FAILED
    assert "afgemeld voor sms" in message.delivery_error
    assert sends(twilio.requests) == []
