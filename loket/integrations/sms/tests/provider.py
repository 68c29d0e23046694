"""Helpers of the SMS tests: Twilio's signed posts to a number's webhooks, recorded and made-up
parameter sets (../shared/corpora/twilio)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from loket.cases.models import Message
from loket.integrations.email.tests.corpora import CORPORA, MISSING

ACCOUNT_SID = "AC78349f4b974f5f6907c513a77d96756d"  # the recorded payloads' account
AUTH_TOKEN = "twilio-auth-token"
NUMBER = "+4915700000000"  # the recorded payloads' To
CUSTOMER = "+491710000000"  # … and From


def sms_number(org, team=None):
    """The organisation's Twilio number, as the recorded payloads were sent to (conftest's ``account``)."""
    from loket.integrations.models import ChannelAccount

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


def corpus_names() -> list[str]:
    folder = CORPORA / "twilio" if CORPORA is not None else None
    return sorted(path.name for path in folder.glob("*.json")) if folder is not None and folder.is_dir() else []


def corpus(name: str) -> dict[str, str]:
    if CORPORA is None:
        pytest.skip(MISSING)
    return json.loads((CORPORA / "twilio" / name).read_text(encoding="utf-8"))


def url(account, *, status: bool = False) -> str:
    return reverse("sms_status_webhook" if status else "sms_webhook", args=[account.key])


def signature(full_url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """What Twilio puts in X-Twilio-Signature (computed by Twilio's own library)."""
    return RequestValidator(token).compute_signature(full_url, params)


def post(client, account, params: dict[str, str], *, token: str = AUTH_TOKEN, status: bool = False, **extra):
    """POST the parameters form-encoded to the account's webhook, signed as Twilio signs."""
    path = url(account, status=status)
    signed = signature(f"http://testserver{path}", params, token)
    return client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signed},
        **extra,
    )


def inbound(body: str, *, sid: str = "SM00000000000000000000000000000001", sender: str = CUSTOMER, **more: str):
    """An incoming SMS as Twilio posts it (the fields of the recorded payloads)."""
    return {
        "ToCountry": "DE",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "FromCountry": "NL",
        "To": NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **more,
    }


def status(sid: str, state: str, error_code: str = "", to: str = CUSTOMER) -> dict[str, str]:
    """A status callback as Twilio posts it about a message Loket sent."""
    params = {
        "SmsSid": sid,
        "SmsStatus": state,
        "MessageStatus": state,
        "To": to,
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        params["ErrorCode"] = error_code
    return params


def outbound(case, sid: str) -> Message:
    return Message.objects.create(
        organization=case.organization,
        case=case,
        kind=Message.Kind.OUTBOUND,
        channel="sms",
        text="Wij halen de bank dinsdag op.",
        external_id=sid,
        delivery_status=Message.Delivery.SENT,
    )
