"""Live updates over a real WebSocket to a real ASGI server (uvicorn on loopback).

Runs with whatever channel layer the environment configures: Redis when REDIS_URL is set
(CI's PostgreSQL run), otherwise the in-memory layer fed by the database relay.
"""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from loket.cases.receiving import InboundMessage, do_receive_message

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(server: str, client, user, query: str = ""):
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    ws_url = server.replace("http://", "ws://") + "/ws/live/" + query
    return connect(ws_url, additional_headers={"Cookie": cookie, "Origin": server}, open_timeout=10)


def _message(org, value: str, ext: str):
    return InboundMessage(channel="api", identity_kind="email", identity_value=value, text="Hallo", external_id=ext)


def test_new_inbound_message_reaches_the_open_case_view(inbound_case, agent, org, server, client):
    with _socket(server, client, agent, f"?case={inbound_case.pk}") as ws:
        do_receive_message(org, _message(org, "piet@example.nl", "live-2"))
        payload = json.loads(ws.recv(timeout=10))
    assert payload == {"event": "case.message_received", "case_id": inbound_case.pk}


def test_another_organisation_never_hears_of_our_cases(inbound_case, outsider, other_org, org, server, client):
    with _socket(server, client, outsider) as ws:
        do_receive_message(org, _message(org, "piet@example.nl", "live-3"))
        do_receive_message(other_org, _message(other_org, "klant@concurrent.nl", "live-4"))
        payload = json.loads(ws.recv(timeout=10))
    # The first thing the outsider hears is its own organisation's new case, not ours.
    assert payload["case_id"] != inbound_case.pk
    assert payload["event"] in {"case.opened", "case.message_received"}


def test_a_case_of_another_organisation_cannot_be_subscribed_to(inbound_case, outsider, server, client):
    with pytest.raises(InvalidStatus) as refused:
        _socket(server, client, outsider, f"?case={inbound_case.pk}")
    assert refused.value.response.status_code == 403


def test_anonymous_socket_is_refused(server):
    ws_url = server.replace("http://", "ws://") + "/ws/live/"
    with pytest.raises(InvalidStatus) as refused:
        connect(ws_url, additional_headers={"Origin": server}, open_timeout=10)
    assert refused.value.response.status_code == 403


def test_socket_from_a_foreign_origin_is_refused(agent, server, client):
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    with pytest.raises(InvalidStatus):
        connect(
            server.replace("http://", "ws://") + "/ws/live/",
            additional_headers={"Cookie": cookie, "Origin": "http://evil.example"},
            open_timeout=10,
        )


def test_a_change_between_the_render_and_the_subscription_is_told_at_once(inbound_case, agent, org, server, client):
    import time

    rendered = time.time()
    do_receive_message(org, _message(org, "piet@example.nl", "live-5"))  # before the socket subscribes
    with _socket(server, client, agent, f"?case={inbound_case.pk}&since={rendered}") as ws:
        payload = json.loads(ws.recv(timeout=10))
    assert payload == {"event": "case.changed", "case_id": inbound_case.pk}


def test_nothing_is_told_when_the_case_did_not_change_since_the_render(inbound_case, agent, org, server, client):
    import time

    rendered = time.time() + 1  # the page was rendered after everything that happened to the case
    with _socket(server, client, agent, f"?case={inbound_case.pk}&since={rendered:.6f}") as ws:
        do_receive_message(org, _message(org, "piet@example.nl", "live-6"))
        payload = json.loads(ws.recv(timeout=10))
    assert payload == {"event": "case.message_received", "case_id": inbound_case.pk}  # not "case.changed"
