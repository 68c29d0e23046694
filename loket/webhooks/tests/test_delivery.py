from __future__ import annotations

import json

import httpx
import pytest
import time_machine

from loket.cases.actions import do_add_note, do_open_case, do_resolve_case
from loket.customers.actions import do_create_customer
from loket.webhooks.actions import do_create_endpoint
from loket.webhooks.models import WebhookDelivery
from loket.webhooks.signing import sign, verify
from loket.webhooks.tasks import BACKOFF_MINUTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(org):
    return do_create_endpoint(org, url="https://erp.example.test/loket", event_types=["case.note_added"])


@pytest.fixture
def note(case, agent, django_capture_on_commit_callbacks):
    """Add a note (an event the endpoint wants); returns a function so time can be set first."""

    def add() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            do_add_note(case, actor=agent, text="Bel klant terug")

    return add


def test_signature_verifies_and_detects_tampering():
    header = sign("geheim", 1_700_000_000, b'{"a":1}')
    assert verify("geheim", header, b'{"a":1}')
    assert not verify("geheim", header, b'{"a":2}')
    assert not verify("ander", header, b'{"a":1}')
    assert not verify("geheim", "onzin", b"{}")


def test_subscribed_event_is_delivered_signed(case, endpoint, note, http_calls, run_tasks):
    requests, _ = http_calls
    note()
    run_tasks()
    assert len(requests) == 1
    request = requests[0]
    body = json.loads(request.content)
    assert body["type"] == "case.note_added"
    assert body["case"]["number"] == case.number
    assert request.headers["X-Loket-Event"] == "case.note_added"
    assert verify(endpoint.secret, request.headers["X-Loket-Signature"], request.content)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 1


def test_events_not_subscribed_to_are_not_sent(
    case, agent, endpoint, http_calls, run_tasks, django_capture_on_commit_callbacks
):
    requests, _ = http_calls
    with django_capture_on_commit_callbacks(execute=True):
        do_resolve_case(case, actor=agent)
    run_tasks()
    assert requests == []
    assert not WebhookDelivery.objects.exists()


def test_failed_delivery_is_retried_with_backoff_and_logged(endpoint, note, http_calls, run_tasks):
    requests, responder = http_calls
    responder.reply = lambda request: httpx.Response(503, text="onderhoud")
    with time_machine.travel("2026-11-27 10:00 +0000", tick=False) as clock:
        note()
        run_tasks()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 503)
        assert delivery.error == "HTTP 503"

        run_tasks()  # not due yet: nothing is sent
        assert len(requests) == 1

        responder.reply = lambda request: httpx.Response(204)
        clock.shift(BACKOFF_MINUTES[0] * 60)
        run_tasks()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 2
    assert len(requests) == 2


def test_delivery_is_given_up_after_about_three_days(endpoint, note, http_calls, run_tasks):
    _requests, responder = http_calls
    responder.reply = lambda request: httpx.Response(500)
    with time_machine.travel("2026-11-27 10:00 +0000", tick=False) as clock:
        note()
        run_tasks()
        for minutes in BACKOFF_MINUTES:
            clock.shift(minutes * 60)
            run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == len(BACKOFF_MINUTES) + 1
    endpoint.refresh_from_db()
    assert endpoint.last_error == "HTTP 500"
    assert sum(BACKOFF_MINUTES) / 60 / 24 > 2.5


def test_410_gone_disables_the_endpoint(endpoint, note, http_calls, run_tasks):
    _, responder = http_calls
    responder.reply = lambda request: httpx.Response(410)
    note()
    run_tasks()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.last_error
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED


def test_unreachable_receiver_counts_as_a_failed_attempt(endpoint, note, http_calls, run_tasks):
    _, responder = http_calls

    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    responder.reply = refuse
    note()
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert "ConnectError" in delivery.error


def test_another_organisations_events_never_reach_our_endpoint(
    other_org, outsider, endpoint, http_calls, run_tasks, django_capture_on_commit_callbacks
):
    requests, _ = http_calls
    theirs = do_create_customer(other_org, actor=None, name="Ander")
    with django_capture_on_commit_callbacks(execute=True):
        their_case = do_open_case(other_org, theirs, subject="X", actor=outsider, owner=outsider)
        do_add_note(their_case, actor=outsider, text="intern")
    run_tasks()
    assert requests == []
