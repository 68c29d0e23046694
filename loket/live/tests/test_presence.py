"""Presence: an agent with the desk open counts as there, until the socket closes or goes silent.

Against a real ASGI server (uvicorn on loopback) and whatever cache the environment configures
(Redis when REDIS_URL is set, else the process's memory, which the server thread shares).
"""

from __future__ import annotations

import json
import time

import pytest
import time_machine
from websockets.sync.client import connect

from loket.live.presence import TTL_SECONDS, mark_absent, mark_present, present

pytestmark = pytest.mark.django_db(transaction=True)


def _desk(server: str, client, user):
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    ws_url = server.replace("http://", "ws://") + "/ws/live/"
    return connect(ws_url, additional_headers={"Cookie": cookie, "Origin": server}, open_timeout=10)


def _until(condition, timeout: float = 10.0) -> bool:
    """The server marks presence in its own thread, just after the handshake or a frame."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)  # waiting for the server thread, not for the clock under test
    return condition()


def test_an_agent_with_the_desk_open_is_present_until_the_desk_closes(server, client, org, agent, owner):
    with _desk(server, client, agent):
        assert present(org.pk, [agent.pk, owner.pk]) == {agent.pk}
    assert _until(lambda: present(org.pk, [agent.pk]) == set())


def test_two_open_tabs_count_until_the_last_one_closes(org, agent):
    mark_present(org.pk, agent.pk, "tab-1")
    mark_present(org.pk, agent.pk, "tab-2")
    mark_absent(org.pk, agent.pk, "tab-1")
    assert present(org.pk, [agent.pk]) == {agent.pk}
    mark_absent(org.pk, agent.pk, "tab-2")
    assert present(org.pk, [agent.pk]) == set()


def test_a_desk_that_stops_sending_heartbeats_stops_counting(org, agent):
    with time_machine.travel("2026-12-02 09:00 +0100", tick=False) as traveller:
        mark_present(org.pk, agent.pk, "crashed-browser")
        traveller.shift(TTL_SECONDS - 1)
        assert present(org.pk, [agent.pk]) == {agent.pk}
        traveller.shift(2)
        assert present(org.pk, [agent.pk]) == set()


def test_a_heartbeat_over_the_socket_renews_presence(server, client, org, agent):
    with _desk(server, client, agent) as ws:
        assert present(org.pk, [agent.pk]) == {agent.pk}
        with time_machine.travel(time.time() + TTL_SECONDS + 5, tick=True):
            assert present(org.pk, [agent.pk]) == set()  # silent for too long …
            ws.send(json.dumps({"type": "heartbeat"}))
            assert _until(lambda: present(org.pk, [agent.pk]) == {agent.pk})  # … until the next heartbeat


def test_presence_is_per_organisation(org, other_org, agent):
    mark_present(org.pk, agent.pk, "tab")
    assert present(other_org.pk, [agent.pk]) == set()
