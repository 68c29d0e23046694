"""Mailboxes through the API: an admin token configures them; nobody reads a password back."""

from __future__ import annotations

import pytest

from loket.integrations.models import ImapAccount, Mailbox
from loket.lib.secrets import decrypt

pytestmark = pytest.mark.django_db


def test_an_admin_token_adds_and_changes_a_mailbox(admin_api, team):
    created = admin_api.request(
        "POST",
        "/mailboxes",
        {
            "address": "Klantenservice@Woonwinkel.example",
            "team_id": team.pk,
            "sender_name": "Woonwinkel",
            "send_acknowledgement": True,
            "response_hours": 48,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["address"], body["team_id"], body["response_hours"]) == (
        "klantenservice@woonwinkel.example",
        team.pk,
        48,
    )
    assert (body["pending"], body["failed"], body["imap"]) == (0, 0, None)

    changed = admin_api.request("PATCH", f"/mailboxes/{body['id']}", {"is_active": False, "signature": "Team"})
    assert changed.status_code == 200
    assert (changed.json()["is_active"], changed.json()["signature"]) == (False, "Team")
    assert changed.json()["sender_name"] == "Woonwinkel"  # what was not sent stays


def test_imap_is_set_without_the_password_ever_coming_back(admin_api, org):
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example")
    missing = admin_api.request("PUT", f"/mailboxes/{mailbox.pk}/imap", {"host": "imap.example.nl", "username": "s"})
    assert missing.status_code == 422
    assert "password" in missing.json()["fields"]

    response = admin_api.request(
        "PUT", f"/mailboxes/{mailbox.pk}/imap", {"host": "imap.example.nl", "username": "s", "password": "Geheim!1"}
    )
    assert response.status_code == 200
    assert response.json()["imap"]["host"] == "imap.example.nl"
    assert "Geheim!1" not in response.content.decode()
    assert decrypt(ImapAccount.objects.get().password_encrypted) == "Geheim!1"

    assert admin_api.request("DELETE", f"/mailboxes/{mailbox.pk}/imap").json()["imap"] is None


def test_bad_addresses_are_refused_with_the_field_named(admin_api, other_org):
    Mailbox.objects.create(organization=other_org, address="bezet@example.nl")
    for address, status in (("geen-adres", 422), ("bezet@example.nl", 422), ("a+b@example.nl", 422)):
        response = admin_api.request("POST", "/mailboxes", {"address": address})
        assert response.status_code == status, (address, response.content)
        assert "address" in response.json()["fields"]


def test_a_token_without_the_admin_scope_cannot_see_mailboxes(api):
    response = api.request("GET", "/mailboxes")
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
