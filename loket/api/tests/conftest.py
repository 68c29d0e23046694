"""An API client per persona: ``api`` (the ``token`` of ``org``) and ``outsider_api``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

PREFIX = "/api/v1"


class ApiClient:
    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        url = PREFIX + path
        all_headers = {**self._headers(), **(headers or {})}
        if params:
            return self.client.generic(
                method, url, data, content_type=content_type, headers=all_headers, QUERY_STRING=_qs(params)
            )
        return self.client.generic(method, url, data, content_type=content_type, headers=all_headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self.request("POST", path, body if body is not None else {}, headers=headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body)


def _qs(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v is not None})


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(token) -> ApiClient:
    return ApiClient(Client(), token)


@pytest.fixture
def admin_api(org, owner) -> ApiClient:
    from loket.accounts.actions import do_create_token
    from loket.accounts.models import Scope

    return ApiClient(Client(), do_create_token(org, "Beheer", [Scope.ADMIN], actor=owner).secret)


@pytest.fixture
def outsider_api(outsider_token) -> ApiClient:
    return ApiClient(Client(), outsider_token)


@pytest.fixture
def anonymous_api(db) -> ApiClient:
    return ApiClient(Client(), None)


@pytest.fixture
def world(org, team, customer, case, inbound_case, agent, owner) -> dict[str, Any]:
    """One of every object a route can name, all of ``org``; see routes.py."""
    from loket.cases.actions import do_open_case, do_resolve_case
    from loket.cases.receiving import InboundMessage
    from loket.customers.actions import do_create_customer
    from loket.integrations.actions import do_accept_inbound

    duplicate = do_create_customer(org, actor=None, name="J. de Vries", identities=[("email", "jdv@example.nl")])
    resolved = do_open_case(org, customer, subject="Vorige levering", actor=agent, owner=agent)
    do_resolve_case(resolved, actor=agent)
    delivery = do_accept_inbound(
        org, [InboundMessage(channel="api", identity_kind="email", identity_value="jolanda@example.nl", text="Hoi")]
    )[0].delivery
    from loket.integrations.models import Mailbox

    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", sender_name="Woonwinkel")
    from loket.integrations.whatsapp.tests.meta import whatsapp_number

    account = whatsapp_number(org, team).pk
    from loket.monitor.tests.factories import monitor_world

    monitor = monitor_world(org, owner, case)
    from datetime import timedelta

    from django.utils import timezone

    from loket.promises import booking
    from loket.promises.actions import do_make_promise

    promise = do_make_promise(
        case,
        actor=agent,
        kind="delivery",
        description="Nieuwe bank leveren",
        due_until=timezone.now() + timedelta(days=5),
        external_ref="ORD-1",
    )
    fresh = booking.do_create_booking_link(case, email="jolanda@example.nl")
    booked = booking.do_create_booking_link(case, email="jolanda@example.nl")
    slots = booking.slots(booked)
    booking.do_book(booked, slots[0].key)
    from datetime import date

    from loket.bereavement.actions import DeathReport, do_report_death

    notification = do_report_death(
        org,
        DeathReport(deceased_name="Hendrik Bakker", date_of_death=date(2026, 1, 5), reporter_name="Marijke Bakker"),
        source="api",
        actor=None,
    )
    return {
        "survey": monitor["survey_id"],
        "alert": monitor["alert_id"],
        "promise": promise.pk,
        "policy_kind": "delivery",
        "external_ref": "ORD-1",
        "booking_token": booking.token_for(fresh),
        "booked_token": booking.token_for(booked),
        "slot": slots[1].key,
        "notification": notification.pk,
        "account": account,
        "mailbox": mailbox.pk,
        "channel_account": account,
        "delivery": delivery.pk,
        "customer": customer.pk,
        "duplicate": duplicate.pk,
        "case": case.pk,
        "resolved_case": resolved.pk,
        "inbound_case": inbound_case.pk,
        "team": team.pk,
    }
