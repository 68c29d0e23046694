"""E-mail out through a provider's HTTP API (django-anymail): its refusals show on the message.

The provider is Postmark here, played by an HTTP server on loopback (the one outbound seam),
answering with the bodies Postmark documents: a success, 422 with ErrorCode 406 (a recipient
that hard-bounced before, "inactive"), 401 for a wrong server token, 503 when it is busy.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from loket.cases.models import Case, Message
from loket.integrations.email.outbound import EmailAdapter
from loket.integrations.email.tests.test_outbound import FIRST, Desk
from loket.integrations.models import Mailbox

pytestmark = pytest.mark.django_db

SENT = {
    "To": "jolanda@example.nl",
    "SubmittedAt": "2026-11-28T09:00:00.0000000-05:00",
    "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
    "ErrorCode": 0,
    "Message": "OK",
}
INACTIVE = {
    "ErrorCode": 406,
    "Message": "You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: "
    "jolanda@example.nl. Inactive recipients are ones that have generated a hard bounce, a spam complaint, "
    "or a manual suppression.",
}
UNVERIFIED_SENDER = {
    "ErrorCode": 300,
    "Message": "Invalid 'From' address: 'service@woonwinkel.example' is not a verified sender signature.",
}
BAD_TOKEN = {
    "ErrorCode": 10,
    "Message": "The Server Token you provided in the X-Postmark-Server-Token request header was invalid.",
}


class FakePostmark(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict]] = []  # (status, body) per request, in order; then SENT
    requests: list[dict] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        type(self).requests.append(json.loads(self.rfile.read(length)))
        status, body = type(self).answers.pop(0) if type(self).answers else (200, SENT)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def postmark(settings):
    FakePostmark.answers, FakePostmark.requests = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePostmark)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "server-token",
        "POSTMARK_API_URL": f"http://127.0.0.1:{server.server_address[1]}/",
    }
    yield FakePostmark
    server.shutdown()
    server.server_close()


@pytest.fixture
def desk(django_capture_on_commit_callbacks, run_tasks):
    return Desk(django_capture_on_commit_callbacks, run_tasks)


@pytest.fixture
def mailbox(org, team):
    return Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)


def test_a_reply_is_sent_through_the_provider(desk, mailbox, agent, postmark):
    desk.receive(mailbox, FIRST)
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.SENT, sent.delivery_error
    [request] = postmark.requests
    assert request["To"] == "Jolanda de Vries <jolanda@example.nl>"
    assert request["From"].endswith("<service@woonwinkel.example>")


def test_a_recipient_the_provider_refuses_fails_visibly_and_is_not_retried(desk, mailbox, agent, postmark):
    desk.receive(mailbox, FIRST)
    postmark.answers = [(422, INACTIVE)]
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.FAILED
    assert sent.delivery_error == "jolanda@example.nl: geweigerd door de e-mailprovider (rejected)"
    assert desk.run() == 0  # nothing left to retry
    assert len(postmark.requests) == 1


def test_a_message_the_provider_will_not_take_shows_its_reason(desk, mailbox, agent, postmark):
    desk.receive(mailbox, FIRST)
    postmark.answers = [(422, UNVERIFIED_SENDER)]
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.FAILED
    assert "is not a verified sender signature" in sent.delivery_error
    assert "\n" not in sent.delivery_error  # the provider's answer, not anymail's whole request dump


@pytest.mark.parametrize(("status", "body"), [(503, {"ErrorCode": 0, "Message": "busy"}), (401, BAD_TOKEN)])
def test_a_busy_provider_or_a_wrong_key_is_retried_until_it_sends(desk, mailbox, agent, postmark, status, body):
    desk.receive(mailbox, FIRST)
    postmark.answers = [(status, body)]
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.QUEUED  # not failed: it will be tried again
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert desk.run() == 1
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.SENT
    assert len(postmark.requests) == 2


def test_an_unexpected_error_is_retried_then_shown_never_left_queued(desk, mailbox, agent, postmark, monkeypatch):
    """Whatever goes wrong while sending, the message ends delivered or visibly failed."""
    desk.receive(mailbox, FIRST)

    def broken(self, email):
        raise ValueError("the provider answered something nobody expected")

    monkeypatch.setattr(EmailAdapter, "_send", broken)
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.QUEUED
    now = timezone.now()
    for minutes in (1, 2, 4, 8, 16):
        now += timedelta(minutes=minutes)
        with time_machine.travel(now, tick=False):
            desk.run()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.FAILED
    assert "ValueError: the provider answered something nobody expected" in sent.delivery_error
