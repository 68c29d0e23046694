"""WhatsApp out: a reply from the desk goes to the Graph API from the number the customer wrote
to; Meta's answers (its documented send response and error bodies) decide sent, retried or failed.

The Graph API is faked at the one outbound HTTP seam (``loket.lib.http``)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from loket.accounts.models import Membership
from loket.cases.actions import check_reply
from loket.cases.models import Case, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.whatsapp.tests.meta import corpus, post, status_body

pytestmark = pytest.mark.django_db

SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "491234567890", "wa_id": "491234567890"}],
    "messages": [{"id": "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}],
}
OUTSIDE_WINDOW = {
    "error": {
        "message": "(#131047) Re-engagement message",
        "type": "OAuthException",
        "code": 131047,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Message failed to send because more than 24 hours have passed since the customer last "
            "replied to this number.",
        },
        "fbtrace_id": "A1b2C3d4E5f6G7h8",
    }
}
RATE_LIMITED = {
    "error": {
        "message": "(#130429) Rate limit hit",
        "type": "OAuthException",
        "code": 130429,
        "error_data": {"messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached."},
        "fbtrace_id": "B2c3D4e5F6g7H8i9",
    }
}


@pytest.fixture
def whatsapp_case(client, account, django_capture_on_commit_callbacks):
    """Jolanda's image message (a recorded webhook) on a case of the account's team."""
    post(client, account, corpus("restfb__webhook-incoming-message-image.json"))
    do_process_pending()
    return Case.objects.get()


def sends(requests):
    """The messages sent (the case's fixture fetched the customer's image first)."""
    return [request for request in requests if request.method == "POST"]


# Jolanda's recorded message was written on 22 May 2022 at 21:01 UTC: an hour later the window is open.
INSIDE_WINDOW = "2022-05-22 22:01:53+00:00"


def reply(case, agent, capture, run_tasks, text="Wij halen de bank dinsdag op.") -> Message:
    membership = Membership.objects.get(user=agent, organization=case.organization)
    with capture(execute=True), time_machine.travel(INSIDE_WINDOW, tick=False):
        message = check_reply(membership, case, text=text)
    run_tasks()
    message.refresh_from_db()
    return message


def test_a_reply_goes_from_the_number_she_wrote_to_and_its_statuses_follow(
    client,
    account,
    whatsapp_case,
    agent,
    http_calls,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    requests, responder = http_calls
    responder.reply = lambda request: httpx.Response(200, json=SENT)
    message = reply(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.channel == "whatsapp"
    assert message.delivery_status == Message.Delivery.SENT
    assert message.external_id == SENT["messages"][0]["id"]
    [request] = sends(requests)
    assert str(request.url) == "https://graph.facebook.com/v23.0/10634295353625/messages"
    assert request.headers["Authorization"] == "Bearer EAAG-token"
    body = json.loads(request.content)
    assert body["to"] == "491234567890"
    assert body["text"]["body"] == "Wij halen de bank dinsdag op."
    # Meta reports it read: the timeline says so.
    post(client, account, status_body(message.external_id, "read"))
    do_process_pending()
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.READ


def test_outside_the_24_hour_window_a_free_form_reply_is_refused_and_nothing_is_sent(
    whatsapp_case, agent, http_calls, run_tasks
):
    membership = Membership.objects.get(user=agent, organization=whatsapp_case.organization)
    with time_machine.travel("2022-05-24 09:00+00:00", tick=False), pytest.raises(ValidationError) as refused:
        check_reply(membership, whatsapp_case, text="Wij halen de bank dinsdag op.")
    assert refused.value.messages == [
        "WhatsApp: de klant schreef meer dan 24 uur geleden; sinds 23 mei 23:01 neemt WhatsApp alleen een "
        "goedgekeurd sjabloon aan. Kies een sjabloon, of een ander kanaal."
    ]
    assert not whatsapp_case.messages.filter(kind=Message.Kind.OUTBOUND).exists()
    assert run_tasks() == 0
    assert sends(http_calls[0]) == []


def test_when_meta_still_says_the_window_has_closed_the_reply_fails_visibly_and_is_not_retried(
    whatsapp_case, agent, http_calls, django_capture_on_commit_callbacks, run_tasks
):
    """Meta counts the window per business number; Loket per case, so this can still happen."""
    requests, responder = http_calls
    responder.reply = lambda request: httpx.Response(400, json=OUTSIDE_WINDOW)
    message = reply(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error.startswith("131047 (#131047) Re-engagement message Message failed to send")
    assert run_tasks() == 0
    assert len(sends(requests)) == 1


def test_a_rate_limit_is_retried_until_meta_takes_the_reply(
    whatsapp_case, agent, http_calls, django_capture_on_commit_callbacks, run_tasks
):
    requests, responder = http_calls
    responder.reply = lambda request: httpx.Response(400, json=RATE_LIMITED)
    message = reply(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.QUEUED
    responder.reply = lambda request: httpx.Response(200, json=SENT)
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert run_tasks() == 1
    message.refresh_from_db()
    assert message.delivery_status == Message.Delivery.SENT
    assert len(sends(requests)) == 2


def test_without_a_connected_number_the_reply_fails_with_the_reason(
    whatsapp_case,
    account,
    agent,
    http_calls,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    account.is_active = False
    account.save()
    message = reply(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error == "Er is geen WhatsApp-nummer gekoppeld om dit bericht van te sturen."
    assert sends(http_calls[0]) == []
