"""A chat widget of ``org`` on https://www.woonwinkel.example, and a visitor's token for it."""

from __future__ import annotations

import pytest

from loket.integrations.models import ChannelAccount
from loket.integrations.webchat.visitors import new_visitor

ORIGIN = "https://www.woonwinkel.example"


@pytest.fixture
def widget(org, team):
    account = ChannelAccount(organization=org, kind="chat", name="Website", team=team)
    account.external_id = account.key
    account.settings = {"allowed_origins": [ORIGIN], "ask_details": True}
    account.save()
    return account


@pytest.fixture
def visitor(widget):
    """(visitor id, token)."""
    return new_visitor(widget)


@pytest.fixture
def mailbox(org, team):
    from loket.integrations.models import Mailbox

    return Mailbox.objects.create(
        organization=org, address="service@woonwinkel.example", team=team, sender_name="Woonwinkel Klantenservice"
    )


@pytest.fixture
def sms_number(org, team, http_calls):
    """The organisation texts: an SMS number (Twilio, faked at the HTTP seam, answering 201)."""
    import httpx

    from loket.integrations.sms.tests.provider import ACCOUNT_SID, AUTH_TOKEN, NUMBER

    requests, responder = http_calls
    responder.reply = lambda request: httpx.Response(201, json={"sid": "SM" + "1" * 32, "status": "queued"})
    account = ChannelAccount(
        organization=org,
        kind="sms",
        name="Sms",
        external_id=NUMBER,
        team=team,
        settings={"account_sid": ACCOUNT_SID, "messaging_service_sid": ""},
    )
    account.set_secrets(auth_token=AUTH_TOKEN)
    account.save()
    return requests
