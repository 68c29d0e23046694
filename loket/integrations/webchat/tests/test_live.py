"""The visitor's WebSocket against a real ASGI server (uvicorn on loopback).

Runs with whatever channel layer the environment configures: Redis when REDIS_URL is set,
otherwise the in-memory layer fed by the database relay. The visitor's requests go to the
server, as the widget's do.
"""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from loket.cases.actions import do_reply
from loket.cases.models import Case
from loket.integrations.models import ChannelAccount
from loket.integrations.webchat.visitors import new_visitor

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(server: str, widget, token: str):
    url = server.replace("http://", "ws://") + f"/ws/chat/{widget.key}/?token={token}"
    return connect(url, additional_headers={"Origin": server}, open_timeout=10)


def _say(server: str, widget, token: str, text: str, client_id: str) -> int:
    response = httpx.post(
        f"{server}/chat/{widget.key}/berichten/",
        json={"text": text, "client_id": client_id},
        headers={"X-Loket-Visitor": token},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _next(ws, kind: str) -> dict:
    while True:
        data = json.loads(ws.recv(timeout=10))
        if data["type"] == kind:
            return data


def test_the_agents_reply_reaches_the_visitors_open_socket(server, widget, visitor, agent):
    _id, token = visitor
    with _socket(server, widget, token) as ws:
        # The visitor's first message opens the case; the socket joins it and hears of it.
        first = _say(server, widget, token, "Waar blijft mijn bank?", "c1")
        assert [item["id"] for item in _next(ws, "messages")["items"]] == [first]
        do_reply(Case.objects.get(), actor=agent, text="Hij komt dinsdag tussen 8 en 12.", channel="chat")
        pushed = _next(ws, "messages")["items"]
    assert [(item["from"], item["text"]) for item in pushed] == [("agent", "Hij komt dinsdag tussen 8 en 12.")]


def test_a_returning_visitor_catches_up_from_the_last_message_it_saw(server, widget, visitor, agent):
    _id, token = visitor
    first = _say(server, widget, token, "Hallo", "c1")
    do_reply(Case.objects.get(), actor=agent, text="Goedemiddag!", channel="chat")
    with _socket(server, widget, token) as ws:
        ws.send(json.dumps({"type": "since", "id": first}))
        items = _next(ws, "messages")["items"]
    assert [item["text"] for item in items] == ["Goedemiddag!"]


def test_the_visitor_sees_the_agent_typing(server, widget, visitor, agent, client):
    _id, token = visitor
    _say(server, widget, token, "Hallo", "c1")
    case = Case.objects.get()
    client.force_login(agent)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    with httpx.Client(base_url=server, cookies=cookies) as desk, _socket(server, widget, token) as ws:
        desk.get(f"/zaken/{case.pk}/")
        typing = desk.post(f"/zaken/{case.pk}/typen/", headers={"X-CSRFToken": desk.cookies["csrftoken"]})
        assert typing.status_code == 204
        assert _next(ws, "typing") == {"type": "typing", "name": agent.first_name}


def test_a_forged_token_or_another_organisations_widget_is_refused(server, widget, visitor, other_org):
    _id, token = visitor
    other = ChannelAccount(organization=other_org, kind="chat", name="Concurrent")
    other.external_id = other.key
    other.save()
    _other_id, other_token = new_visitor(other)
    for key_widget, bad in ((widget, token[:-2] + "xx"), (widget, other_token), (other, token)):
        with pytest.raises(InvalidStatus) as refused:
            _socket(server, key_widget, bad)
        assert refused.value.response.status_code == 403
