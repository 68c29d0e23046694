from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from loket.cases.actions import do_open_case, do_resolve_case
from loket.cases.models import Case, Handover
from loket.customers.actions import do_create_customer
from loket.events.testing import capture_events

pytestmark = pytest.mark.django_db


def test_open_a_case_for_a_customer_lands_in_the_team_queue(api, customer, team, django_capture_on_commit_callbacks):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/cases",
            {
                "customer_id": customer.pk,
                "subject": "Factuur te hoog",
                "priority": "high",
                "reason": "factuur",
                "tags": ["Factuur"],
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("Z-")
    assert (body["status"], body["owner"], body["team"]["id"]) == ("new", None, team.pk)
    assert (body["priority"], body["reason"], body["tags"]) == ("high", "factuur", ["factuur"])
    assert [event.type for event in events] == ["case.opened"]


def test_open_a_case_with_an_owner(api, customer, agent, team):
    response = api.post("/cases", {"customer_id": customer.pk, "subject": "Bank", "owner_id": agent.pk})
    assert response.json()["owner"] == {"id": agent.pk, "name": "Arie Agent"}
    assert response.json()["status"] == "open"


def test_open_a_case_for_another_organisations_customer_is_404(api, other_org):
    stranger = do_create_customer(other_org, actor=None, name="Vreemde")
    response = api.post("/cases", {"customer_id": stranger.pk, "subject": "Poging"})
    assert response.status_code == 404
    assert response.json()["fields"] == {"customer_id": "Customer not found."}
    assert not Case.objects.exists()


def test_owner_from_another_organisation_is_404(api, customer, outsider, team):
    response = api.post("/cases", {"customer_id": customer.pk, "subject": "Bank", "owner_id": outsider.pk})
    assert response.status_code == 404
    assert set(response.json()["fields"]) == {"owner_id"}


def test_blank_subject_is_422(api, customer, team):
    response = api.post("/cases", {"customer_id": customer.pk, "subject": "   "})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"subject"}


def test_update_changes_subject_tags_and_status_together(api, case):
    response = api.patch(
        f"/cases/{case.pk}",
        {"subject": "Bank met scheur", "tags": ["levering", "schade"], "status": "waiting_internal"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["subject"], body["tags"], body["status"]) == (
        "Bank met scheur",
        ["levering", "schade"],
        "waiting_internal",
    )


def test_update_with_status_resolved_resolves(api, case):
    assert api.patch(f"/cases/{case.pk}", {"status": "resolved"}).json()["resolved_at"] is not None


def test_handover_to_a_colleague_with_reason_and_note(api, case, owner):
    response = api.post(
        f"/cases/{case.pk}/handover", {"to_user": owner.pk, "reason": "expertise", "note": "Kent het dossier"}
    )
    assert response.status_code == 200
    assert (response.json()["owner"]["id"], response.json()["handover_count"]) == (owner.pk, 1)
    handover = Handover.objects.get()
    assert (handover.note, handover.reason) == ("Kent het dossier", "expertise")


def test_handover_to_a_team_leaves_the_case_unassigned_in_its_queue(api, case, team):
    body = api.post(f"/cases/{case.pk}/handover", {"to_team": team.pk, "reason": "absence"}).json()
    assert (body["owner"], body["team"]["id"]) == (None, team.pk)


def test_handover_without_target_is_422(api, case):
    response = api.post(f"/cases/{case.pk}/handover", {"reason": "absence"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"to_user"}


def test_resolve_then_reopen(api, case):
    assert api.post(f"/cases/{case.pk}/resolve").json()["status"] == "resolved"
    assert api.post(f"/cases/{case.pk}/reopen").json()["status"] == "open"


def test_reopen_an_open_case_is_422(api, case):
    response = api.post(f"/cases/{case.pk}/reopen")
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"status"}


@pytest.fixture
def several_cases(org, team, customer, agent, owner):
    other_customer = do_create_customer(org, actor=None, name="Kees")
    base = timezone.now() - timedelta(days=10)
    made = {}
    for day, (name, kwargs) in enumerate(
        [
            ("mine_open", {"customer": customer, "owner": agent, "tags": ["levering"]}),
            ("lead_open", {"customer": customer, "owner": owner}),
            ("queue", {"customer": other_customer, "team": team}),
            ("resolved", {"customer": other_customer, "owner": agent}),
        ]
    ):
        with time_machine.travel(base + timedelta(days=day), tick=False):
            kwargs = dict(kwargs)
            case_customer = kwargs.pop("customer")
            made[name] = do_open_case(org, case_customer, subject=name, actor=None, **kwargs)
    with time_machine.travel(base + timedelta(days=5), tick=False):
        do_resolve_case(made["resolved"], actor=None)
    return made


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["resolved", "queue", "lead_open", "mine_open"]),
        ({"status": "resolved"}, ["resolved"]),
        ({"owner": "agent"}, ["resolved", "mine_open"]),
        ({"team": "team"}, ["queue"]),
        ({"customer": "customer"}, ["lead_open", "mine_open"]),
        ({"tag": "Levering"}, ["mine_open"]),
        ({"updated_since": "days_ago_8"}, ["resolved", "queue"]),
    ],
)
def test_list_filters(api, several_cases, agent, team, customer, params, expected):
    ids = {"agent": agent.pk, "team": team.pk, "customer": customer.pk}
    resolved = {key: ids.get(value, value) for key, value in params.items()}
    if resolved.get("updated_since") == "days_ago_8":
        resolved["updated_since"] = (timezone.now() - timedelta(days=8, hours=1)).isoformat()
    response = api.get("/cases", **resolved)
    assert response.status_code == 200
    assert [item["subject"] for item in response.json()["items"]] == expected


def test_filter_by_channel_the_customer_last_wrote_on(api, inbound_case, case):
    assert [item["id"] for item in api.get("/cases", channel="api").json()["items"]] == [inbound_case.pk]


def test_naive_updated_since_is_422(api, case):
    response = api.get("/cases", updated_since="2026-01-01T00:00:00")
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"updated_since"}
