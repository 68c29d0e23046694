"""Providers' inbound webhooks (Mailgun, Postmark, SendGrid): verified, stored raw, then processed.

The payloads have the shape of each provider's documentation (Mailgun's "store and notify"
MIME route, Postmark's inbound JSON, SendGrid's Inbound Parse with "POST the raw, full MIME
message"); the message in them is a real e-mail from the corpora.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.urls import reverse

from loket.cases.models import Message
from loket.integrations.actions import do_process_pending
from loket.integrations.email.tests.corpora import CORPORA, MISSING
from loket.integrations.models import InboundDelivery, Mailbox

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-mailgun-test-signing"
SECRET = "loket:webhook-geheim"

MAIL = (
    "From: Jolanda de Vries <jolanda@example.nl>\r\nTo: service@woonwinkel.example\r\n"
    "Subject: Bank beschadigd\r\nMessage-ID: <bank-provider@example.nl>\r\n\r\nDe bank is beschadigd.\r\n"
)


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": SECRET}


@pytest.fixture
def mailbox(org, team):
    return Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)


def url(provider: str) -> str:
    return reverse("email_provider_webhook", args=[provider])


def basic_auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def mailgun(client, raw: str, *, recipient: str = "service@woonwinkel.example", key: str = SIGNING_KEY):
    timestamp, token = "1795843066", "f3a1c0de5b6e4d2f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "recipient": recipient,
        "sender": "jolanda@example.nl",
        "body-mime": raw,
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }
    # With ANYMAIL_WEBHOOK_SECRET set, every provider's URL carries it too (https://user:pass@…).
    return client.post(url("mailgun"), data, **basic_auth())


def test_mailgun_mail_is_stored_before_200_and_becomes_a_message(client, mailbox):
    response = mailgun(client, MAIL)
    assert response.status_code == 200
    delivery = InboundDelivery.objects.get()
    assert (delivery.mailbox, delivery.external_id) == (mailbox, "<bank-provider@example.nl>")
    do_process_pending()
    message = Message.objects.get()
    assert message.text.strip() == "De bank is beschadigd."
    assert message.case.subject == "Bank beschadigd"

    assert mailgun(client, MAIL).status_code == 200  # the provider's retry: stored once
    assert InboundDelivery.objects.count() == 1


def test_a_forged_mailgun_request_gets_403_and_stores_nothing(client, mailbox):
    response = mailgun(client, MAIL, key="key-of-an-attacker")
    assert response.status_code == 403
    assert not InboundDelivery.objects.exists()


def test_mail_for_an_address_without_a_mailbox_gets_404_so_the_provider_retries(client, mailbox):
    raw = MAIL.replace("To: service@", "To: onbekend@")
    response = mailgun(client, raw, recipient="onbekend@woonwinkel.example")
    assert response.status_code == 404
    assert not InboundDelivery.objects.exists()


def test_an_unconfigured_provider_is_refused_even_with_a_valid_looking_request(client, mailbox, settings):
    settings.ANYMAIL = {}  # anymail would accept it with a warning; Loket does not
    assert mailgun(client, MAIL).status_code == 404
    assert client.post(url("postmark"), "{}", content_type="application/json").status_code == 404
    assert client.post(url("onbekend"), {}).status_code == 404
    assert not InboundDelivery.objects.exists()


def postmark_payload(raw: str) -> dict[str, object]:
    """Postmark's inbound JSON (with "Include raw email content" switched on)."""
    return {
        "FromName": "Jolanda de Vries",
        "From": "jolanda@example.nl",
        "FromFull": {"Email": "jolanda@example.nl", "Name": "Jolanda de Vries", "MailboxHash": ""},
        "To": "service@woonwinkel.example",
        "ToFull": [{"Email": "service@woonwinkel.example", "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "OriginalRecipient": "service@woonwinkel.example",
        "Subject": "Bank beschadigd",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Mon, 23 Nov 2026 10:00:00 +0100",
        "TextBody": "De bank is beschadigd.",
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [{"Name": "Message-ID", "Value": "<bank-provider@example.nl>"}],
        "Attachments": [],
        "RawEmail": raw,
    }


def test_postmark_with_basic_auth(client, mailbox):
    body = json.dumps(postmark_payload(MAIL))
    forged = client.post(url("postmark"), body, content_type="application/json", **basic_auth("loket:fout"))
    assert forged.status_code == 403
    assert not InboundDelivery.objects.exists()

    response = client.post(url("postmark"), body, content_type="application/json", **basic_auth())
    assert response.status_code == 200
    do_process_pending()
    assert Message.objects.get().text.strip() == "De bank is beschadigd."


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_sendgrid_raw_mime_of_a_real_mail(client, mailbox):
    raw = (Path(CORPORA) / "email" / "chatwoot__in_reply_to.eml").read_text(encoding="utf-8", errors="replace")
    envelope = json.dumps({"to": ["service@woonwinkel.example"], "from": "someone@example.com"})
    data = {"email": raw, "envelope": envelope, "charsets": json.dumps({"email": "utf-8"})}
    assert client.post(url("sendgrid"), data).status_code == 403  # no credentials
    response = client.post(url("sendgrid"), data, **basic_auth())
    assert response.status_code == 200
    assert do_process_pending() == 1
    assert InboundDelivery.objects.get().status == InboundDelivery.Status.DONE


def test_mail_goes_to_the_organisation_of_its_recipient_only(client, mailbox, other_org):
    theirs = Mailbox.objects.create(organization=other_org, address="info@concurrent.example")
    raw = MAIL.replace("To: service@woonwinkel.example", "To: info@concurrent.example")
    assert mailgun(client, raw, recipient="info@concurrent.example").status_code == 200
    delivery = InboundDelivery.objects.get()
    assert (delivery.organization, delivery.mailbox) == (other_org, theirs)
