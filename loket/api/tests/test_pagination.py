"""Cursor pagination: opaque, bounded, and stable while rows are added."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from loket.api.pagination import decode_cursor, encode_cursor
from loket.cases.actions import do_open_case
from loket.cases.models import Case
from loket.customers.actions import do_create_customer

pytestmark = pytest.mark.django_db


def _open(org, customer, agent, subject, at):
    with time_machine.travel(at, tick=False):
        return do_open_case(org, customer, subject=subject, actor=None, owner=agent)


def test_pages_walk_every_case_once_even_while_new_cases_arrive(api, org, customer, agent, team):
    start = timezone.now() - timedelta(hours=1)
    for n in range(7):
        _open(org, customer, agent, f"zaak {n}", start + timedelta(minutes=n))
    seen: list[str] = []
    page = api.get("/cases", limit=3).json()
    seen += [item["subject"] for item in page["items"]]
    _open(org, customer, agent, "nieuw tussendoor", timezone.now())  # newest: would shift an offset
    while page["next"]:
        page = api.get("/cases", limit=3, cursor=page["next"]).json()
        seen += [item["subject"] for item in page["items"]]
    assert seen == [f"zaak {n}" for n in reversed(range(7))]


def test_ties_on_the_sort_key_are_broken_by_id(api, org, customer, agent, team):
    moment = timezone.now() - timedelta(hours=1)
    for n in range(5):
        _open(org, customer, agent, f"zaak {n}", moment)
    first = api.get("/cases", limit=2).json()
    rest = api.get("/cases", limit=10, cursor=first["next"]).json()
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == sorted(Case.objects.values_list("pk", flat=True), reverse=True)
    assert rest["next"] is None


def test_the_last_page_has_no_next(api, customer):
    assert api.get("/customers", limit=100).json()["next"] is None


@pytest.mark.parametrize("limit", ["0", "101", "-5", "veel"])
def test_limit_outside_1_to_100_is_422(api, limit):
    response = api.get("/customers", limit=limit)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"limit"}


@pytest.mark.parametrize("cursor", ["x", "bm90IGpzb24", "WyJhIiwxXQ", "W251bGwsIDFd"])
def test_invalid_cursor_is_422_naming_cursor(api, cursor):
    response = api.get("/cases", cursor=cursor)
    assert response.status_code == 422
    assert response.json()["fields"] == {"cursor": "Invalid cursor."}


def test_a_cursor_round_trips_its_position():
    from loket.cases.models import Case as CaseModel

    moment = timezone.now()
    assert decode_cursor(encode_cursor(moment, 42), CaseModel._meta.get_field("updated_at")) == (moment, 42)


def test_customers_page_newest_first(api, org):
    made = [do_create_customer(org, actor=None, name=f"Klant {n}") for n in range(3)]
    page = api.get("/customers", limit=2).json()
    later = api.get("/customers", limit=2, cursor=page["next"]).json()
    assert [c["id"] for c in page["items"] + later["items"]] == [c.pk for c in reversed(made)]


def test_subscriptions_page_by_product_name(api, customer):
    from loket.customers.actions import do_add_subscription

    for product in ["Stoel", "Bank", "Kast", "Bank"]:
        do_add_subscription(customer, product=product)
    seen, cursor = [], None
    while True:
        page = api.get(f"/customers/{customer.pk}/subscriptions", limit=1, cursor=cursor).json()
        seen += [item["product"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ["Bank", "Bank", "Kast", "Stoel"]
