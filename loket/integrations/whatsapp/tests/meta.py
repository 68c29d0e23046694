"""Helpers of the WhatsApp tests: signed posts to a number's webhook, recorded and made-up bodies."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from loket.cases.models import Message
from loket.integrations.email.tests.corpora import CORPORA, MISSING

APP_SECRET = "meta-app-secret"


def corpus(name: str) -> bytes:
    if CORPORA is None:
        pytest.skip(MISSING)
    return (CORPORA / "whatsapp" / name).read_bytes()


def url(account) -> str:
    return reverse("whatsapp_webhook", args=[account.key])


def post(client, account, body: bytes, *, secret: str = APP_SECRET):
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(url(account), body, content_type="application/json", headers={"X-Hub-Signature-256": signature})


def outbound(case, wamid: str) -> Message:
    return Message.objects.create(
        organization=case.organization,
        case=case,
        kind=Message.Kind.OUTBOUND,
        channel="whatsapp",
        text="Wij halen de bank dinsdag op.",
        external_id=wamid,
        delivery_status=Message.Delivery.SENT,
    )


def status_body(wamid: str, status: str, errors: list | None = None) -> bytes:
    item = {"id": wamid, "status": status, "timestamp": "1700000000", "recipient_id": "31612345678"}
    if errors:
        item["errors"] = errors
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": "10634295353625"},
        "statuses": [item],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()
