"""Tokens: organisation-scoped, hashed, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from loket.accounts.actions import do_create_token, do_revoke_token
from loket.accounts.models import ApiToken, Scope
from loket.api.tests.conftest import ApiClient
from loket.events.models import Event

pytestmark = pytest.mark.django_db


def _client_with(org, owner, scopes, **kwargs) -> tuple[ApiClient, ApiToken]:
    issued = do_create_token(org, "Test", scopes, actor=owner, **kwargs)
    return ApiClient(Client(), issued.secret), issued.token


def test_request_without_token_is_401_json(anonymous_api, customer):
    response = anonymous_api.get("/customers")
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated",
        "reason": "Send a token: 'Authorization: Bearer lkt_…'.",
        "fields": {},
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lkt_unknown",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "lkt_nobearer",
        "Bearer " + "lkt_" + "x" * 5000,
        "Bearer \x7f",
    ],
)
def test_unknown_or_malformed_token_is_401(db, header):
    response = Client().get("/api/v1/cases", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_revoked_token_is_401_with_its_own_code(org, owner):
    client, token = _client_with(org, owner, [Scope.READ])
    do_revoke_token(token)
    response = client.get("/cases")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_expired_token_is_401_with_its_own_code(org, owner):
    client, _token = _client_with(org, owner, [Scope.READ], expires_at=timezone.now() + timedelta(days=1))
    assert client.get("/cases").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        response = client.get("/cases")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_token_without_the_scope_is_403_json(org, owner, customer):
    client, _token = _client_with(org, owner, [Scope.READ])
    response = client.post("/cases", {"customer_id": customer.pk, "subject": "Nieuw"})
    assert response.status_code == 403
    assert response.json() == {"code": "missing_scope", "reason": "This token lacks the 'write' scope.", "fields": {}}


def test_inbound_only_token_can_deliver_messages_but_not_read(org, owner, team):
    client, _token = _client_with(org, owner, [Scope.INBOUND])
    assert client.get("/cases").status_code == 403
    body = {"external_id": "i-1", "sender": {"kind": "email", "value": "a@example.nl"}, "text": "Hoi"}
    assert client.post("/inbound/messages", body).status_code == 201


def test_admin_scope_implies_every_other_scope(org, owner, customer, team):
    client, _token = _client_with(org, owner, [Scope.ADMIN])
    assert client.get("/customers").status_code == 200
    assert client.post("/cases", {"customer_id": customer.pk, "subject": "Nieuw"}).status_code == 201
    body = {"external_id": "i-1", "sender": {"kind": "email", "value": "a@example.nl"}, "text": "Hoi"}
    assert client.post("/inbound/messages", body).status_code == 201


def test_last_used_is_recorded_at_most_once_a_minute(org, owner, django_assert_num_queries):
    client, token = _client_with(org, owner, [Scope.READ])
    with time_machine.travel("2026-03-02 09:00:00 +01:00", tick=False):
        client.get("/events")
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
    with time_machine.travel("2026-03-02 09:00:40 +01:00", tick=False):
        with django_assert_num_queries(2):  # the token, the events: no write
            client.get("/events")
        token.refresh_from_db()
        assert token.last_used_at == first
    with time_machine.travel("2026-03-02 09:01:30 +01:00", tick=False):
        client.get("/events")
        token.refresh_from_db()
        assert token.last_used_at > first


def test_changes_are_recorded_as_made_by_the_tokens_creator(api, owner, case):
    response = api.patch(f"/cases/{case.pk}", {"priority": "urgent"})
    assert response.status_code == 200
    assert Event.objects.filter(type="case.updated").get().actor == owner


def test_token_whose_creator_was_deleted_may_read_but_not_write(org, owner, customer, team):
    client, _token = _client_with(org, owner, [Scope.READ, Scope.WRITE])
    owner.delete()
    assert client.get(f"/customers/{customer.pk}").status_code == 200
    response = client.post("/cases", {"customer_id": customer.pk, "subject": "Nieuw"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
