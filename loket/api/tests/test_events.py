from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from loket.cases.actions import do_open_case, do_resolve_case
from loket.events.models import Event
from loket.webhooks.payloads import event_payload

pytestmark = pytest.mark.django_db


def test_events_are_listed_oldest_first_as_webhooks_send_them(api, case):
    items = api.get("/events").json()["items"]
    assert [item["type"] for item in items] == ["customer.created", "case.opened"]
    expected = event_payload(Event.objects.get(type="case.opened"))
    assert items[1] == expected


def test_events_filtered_by_type_and_case(api, case, inbound_case):
    do_resolve_case(case, actor=None)
    assert [item["case"]["id"] for item in api.get("/events", type="case.opened").json()["items"]] == [
        case.pk,
        inbound_case.pk,
    ]
    assert [item["type"] for item in api.get("/events", case=case.pk).json()["items"]] == [
        "case.opened",
        "case.resolved",
    ]


def test_events_since_a_moment_include_that_moment(api, org, customer, agent, team):
    later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(later - timedelta(minutes=1), tick=False):
        do_open_case(org, customer, subject="Eerste", actor=agent, owner=agent)
    with time_machine.travel(later, tick=False):
        second = do_open_case(org, customer, subject="Tweede", actor=agent, owner=agent)
    items = api.get("/events", since=later.isoformat()).json()["items"]
    assert [(item["type"], item["case"]["id"]) for item in items] == [("case.opened", second.pk)]
