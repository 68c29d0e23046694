"""List endpoints run a fixed, small number of queries, however many rows they return.

One query finds the token; the rest are the page and its prefetches.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.cases.actions import do_add_note, do_open_case, do_reply
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.customers.actions import do_create_customer

pytestmark = pytest.mark.django_db


def _count(api, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path, limit=100)
    assert response.status_code == 200
    return len(queries)


def _customers(org, start: int, stop: int) -> None:
    for n in range(start, stop):
        do_create_customer(org, actor=None, name=f"Klant {n}", identities=[("email", f"k{n}@example.nl")])


def _cases(org, team, agent, start: int, stop: int) -> None:
    for n in range(start, stop):
        customer = do_create_customer(org, actor=None, name=f"Klant {n}")
        do_open_case(
            org, customer, subject=f"Zaak {n}", actor=None, owner=agent if n % 2 else None, team=team, tags=["x"]
        )


def _messages(org, case, agent, start: int, stop: int) -> None:
    for n in range(start, stop):
        if n % 3 == 0:
            do_receive_message(
                org,
                InboundMessage(
                    channel="api",
                    identity_kind="email",
                    identity_value="piet@example.nl",
                    text=f"{n}",
                    external_id=f"q-{n}",
                ),
            )
        elif n % 3 == 1:
            do_reply(case, actor=agent, text=f"Antwoord {n}")
        else:
            do_add_note(case, actor=agent, text=f"Notitie {n}")


def test_customer_list_queries_do_not_grow_with_rows(api, org):
    _customers(org, 0, 5)
    api.get("/customers")  # the token's last use is recorded once; not part of the count
    few = _count(api, "/customers")
    assert few <= 3
    _customers(org, 5, 40)
    assert _count(api, "/customers") == few


def test_case_list_queries_do_not_grow_with_rows(api, org, team, agent):
    _cases(org, team, agent, 0, 5)
    api.get("/cases")
    few = _count(api, "/cases")
    assert few <= 3
    _cases(org, team, agent, 5, 40)
    assert _count(api, "/cases") == few


def test_message_list_queries_do_not_grow_with_rows(api, org, inbound_case, agent):
    path = f"/cases/{inbound_case.pk}/messages"
    _messages(org, inbound_case, agent, 1, 5)
    api.get(path)
    few = _count(api, path)
    assert few <= 5
    _messages(org, inbound_case, agent, 5, 40)
    assert _count(api, path) == few


def test_event_list_queries_do_not_grow_with_rows(api, org, team, agent):
    _cases(org, team, agent, 0, 3)
    api.get("/events")
    few = _count(api, "/events")
    assert few <= 2
    _cases(org, team, agent, 3, 20)
    assert _count(api, "/events") == few
