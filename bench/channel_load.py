"""The messaging channels' webhook load: WhatsApp and Twilio bodies as the providers post them.

No Django here: bench/loadgen.py (the load) and bench/live_probe.py (the latency probe) build
their requests with it, bench/channel_side.py the accounts they are signed for.

- WhatsApp: the recorded text message of ../shared/corpora/whatsapp (``wajava__textMessage.json``)
  with the wamid, the sender (``from``, ``wa_id`` and profile name), the timestamp, the text and
  the number it was sent to (``phone_number_id``) replaced; signed as Meta signs:
  ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body with the app secret>``.
- SMS: the recorded Twilio parameters (``zammad__inbound_sms2.json``) with the sid, ``From``,
  ``To``, ``AccountSid`` and ``Body`` replaced, form-encoded; ``X-Twilio-Signature`` computed by
  Twilio's own library (``RequestValidator``) over the URL the server sees and the parameters.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("LOKET_CORPORA", ROOT.parent / "shared" / "corpora"))
WHATSAPP_TEXT = "whatsapp/wajava__textMessage.json"
TWILIO_SMS = "twilio/zammad__inbound_sms2.json"

# The bench organisation's numbers (bench/channel_side.py connects them).
WHATSAPP_PHONE_NUMBER_ID = "409552778964973"  # the recorded payload's own
WHATSAPP_APP_SECRET = "bench-meta-app-secret"  # noqa: S105 (made up, for a loopback bench)
SMS_NUMBER = "+3197010204060"
SMS_ACCOUNT_SID = "AC78349f4b974f5f6907c513a77d96756d"  # the recorded payloads' account
SMS_AUTH_TOKEN = "bench-twilio-auth-token"  # noqa: S105


def whatsapp_path(key: str) -> str:
    return f"/inbound/whatsapp/{key}/"


def sms_path(key: str) -> str:
    return f"/inbound/sms/{key}/"


def customer_number(k: int) -> str:
    """The k-th customer's mobile number, digits only as WhatsApp writes it (a valid Dutch 06)."""
    return f"3161{k:07d}"


@cache
def _recorded(name: str) -> Any:
    return json.loads((CORPORA / name).read_text(encoding="utf-8"))


def whatsapp_body(wamid: str, k: int, text: str, *, phone_number_id: str = WHATSAPP_PHONE_NUMBER_ID) -> bytes:
    """Meta's webhook for one text message of customer ``k`` (the recorded body, new values)."""
    body = copy.deepcopy(_recorded(WHATSAPP_TEXT))
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    value["contacts"][0]["wa_id"] = customer_number(k)
    value["contacts"][0]["profile"]["name"] = f"Klant {k}"
    message = value["messages"][0]
    message.update(id=wamid, timestamp=str(int(time.time())), **{"from": customer_number(k)})
    message["text"]["body"] = text
    return json.dumps(body, separators=(",", ":")).encode()


def whatsapp_signature(body: bytes, secret: str = WHATSAPP_APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sms_params(sid: str, k: int, text: str) -> dict[str, str]:
    """Twilio's parameters for one incoming SMS of customer ``k`` (the recorded set, new values)."""
    params = dict(_recorded(TWILIO_SMS))
    params.update(
        SmsMessageSid=sid,
        SmsSid=sid,
        MessageSid=sid,
        From="+" + customer_number(k),
        FromCountry="NL",
        To=SMS_NUMBER,
        ToCountry="NL",
        AccountSid=SMS_ACCOUNT_SID,
        Body=text,
    )
    return params


def sms_body(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


def sms_signature(url: str, params: dict[str, str], token: str = SMS_AUTH_TOKEN) -> str:
    """``X-Twilio-Signature`` for ``url`` as the server sees it (scheme, host and port included)."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(token).compute_signature(url, params))


def webhook_request(kind: str, key: str, host: str, port: int, external_id: str, k: int, text: str) -> bytes:
    """One signed HTTP/1.1 POST of a message to the account's webhook, ready for the wire."""
    if kind == "whatsapp":
        path = whatsapp_path(key)
        body = whatsapp_body(external_id, k, text)
        headers = f"X-Hub-Signature-256: {whatsapp_signature(body)}\r\nContent-Type: application/json\r\n"
    elif kind == "sms":
        path = sms_path(key)
        params = sms_params(external_id, k, text)
        body = sms_body(params)
        signature = sms_signature(f"http://{host}:{port}{path}", params)
        headers = f"X-Twilio-Signature: {signature}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    else:
        raise ValueError(f"no webhook of kind {kind!r}")
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body
