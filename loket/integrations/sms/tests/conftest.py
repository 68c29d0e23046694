"""The connected Twilio number the tests use (helpers: provider.py)."""

from __future__ import annotations

import httpx
import pytest

from loket.integrations.sms.tests.provider import ACCOUNT_SID, NUMBER, sms_number


@pytest.fixture
def account(org, team):
    return sms_number(org, team)


# A real JPEG's first bytes (SOI, JFIF APP0): enough for the content type to be sniffed.
JPEG = bytes.fromhex("ffd8ffe000104a46494600010101004800480000ffdb0043") + b"\x00" * 64 + bytes.fromhex("ffd9")
CDN = "https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC78349f4b974f5f6907c513a77d96756d/5f1b7c"

# Twilio's answer to a new message (its documented Message resource, abridged).
CREATED = {
    "sid": "SM7a4c3f2e1d0b9a8f7e6d5c4b3a291807",
    "account_sid": ACCOUNT_SID,
    "from": NUMBER,
    "to": "+31612345678",
    "body": "Wij halen de bank dinsdag op.",
    "status": "queued",
    "num_segments": "1",
    "direction": "outbound-api",
    "api_version": "2010-04-01",
    "error_code": None,
    "error_message": None,
    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM7a4c3f2e1d0b9a8f7e6d5c4b3a291807.json",
}


@pytest.fixture(autouse=True)
def twilio(http_calls):
    """Twilio's REST API at the one outbound HTTP seam: a media URL answers with a redirect to
    its CDN copy (as Twilio does), the CDN with the file, a new message with 201 and its sid.
    A test sets ``twilio.reply`` to answer otherwise; ``twilio.requests`` lists what was asked."""
    requests, responder = http_calls

    def reply(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.host == "api.twilio.com":
            return httpx.Response(302, headers={"Location": CDN})
        if request.method == "GET":
            return httpx.Response(200, content=JPEG, headers={"Content-Type": "image/jpeg"})
        return httpx.Response(201, json=CREATED)

    responder.reply = reply
    responder.requests = requests
    return responder
