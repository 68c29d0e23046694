"""Channel accounts through the API: an admin token connects numbers; secrets are write-only."""

from __future__ import annotations

import pytest

from loket.integrations.models import ChannelAccount

pytestmark = pytest.mark.django_db

APP = "a3f1c9e07b5d4e2f8a6b1c3d5e7f9a0b"


def _create(api, **changes):
    body = {
        "kind": "whatsapp",
        "name": "Klantenservice",
        "external_id": "10634295353625",
        "display_number": "+31 20 123 4567",
        "secrets": {"app_secret": APP, "verify_token": "wachtwoord"},
        **changes,
    }
    return api.request("POST", "/channel-accounts", body)


def test_an_admin_token_connects_and_changes_a_whatsapp_number(admin_api, team):
    created = _create(admin_api, team_id=team.pk)
    assert created.status_code == 201, created.content
    body = created.json()
    account = ChannelAccount.objects.get()
    assert body["webhook_url"] == f"http://testserver/inbound/whatsapp/{account.key}/"
    assert body["secrets"] == {"app_secret": "…9a0b", "verify_token": "•••", "access_token": ""}
    assert APP not in created.content.decode()
    assert (body["team_id"], body["is_active"], body["pending"], body["last_received_at"]) == (team.pk, True, 0, None)

    changed = admin_api.request(
        "PATCH", f"/channel-accounts/{body['id']}", {"secrets": {"access_token": "EAAG-token"}, "is_active": False}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["secrets"]["access_token"] == "•••"
    assert (changed.json()["is_active"], changed.json()["name"]) == (False, "Klantenservice")
    account.refresh_from_db()
    assert (account.secret("app_secret"), account.secret("access_token")) == (APP, "EAAG-token")

    listed = admin_api.request("GET", "/channel-accounts").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_missing_secrets_and_unknown_ones_are_clear_errors(admin_api):
    missing = _create(admin_api, secrets={"app_secret": APP})
    assert missing.status_code == 422
    assert "verify_token" in missing.content.decode()
    unknown = _create(admin_api, secrets={"app_secret": APP, "verify_token": "v", "password": "x"})
    assert unknown.status_code == 422
    assert "password" in unknown.content.decode()
    assert ChannelAccount.objects.count() == 0


def test_a_number_of_another_organisation_is_refused(admin_api, other_org):
    taken = ChannelAccount(organization=other_org, kind="whatsapp", name="Concurrent", external_id="10634295353625")
    taken.set_secrets(app_secret="x", verify_token="y")
    taken.save()
    response = _create(admin_api)
    assert response.status_code == 422
    assert "external_id" in response.content.decode()


def test_tokens_without_admin_scope_and_other_organisations_see_nothing(api, outsider_api, admin_api):
    account_id = _create(admin_api).json()["id"]
    assert api.request("GET", "/channel-accounts").status_code == 403
    assert outsider_api.request("GET", f"/channel-accounts/{account_id}").status_code == 404
    assert outsider_api.request("PATCH", f"/channel-accounts/{account_id}", {"name": "x"}).status_code == 404
    assert outsider_api.request("GET", "/channel-accounts").json()["items"] == []


def test_an_admin_token_adds_a_chat_widget_and_gets_its_script_tag(admin_api, team):
    created = admin_api.request(
        "POST",
        "/channel-accounts",
        {"kind": "chat", "name": "Website", "team_id": team.pk, "settings": {"allowed_origins": ["https://Shop.nl/"]}},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    account = ChannelAccount.objects.get()
    assert body["snippet"] == (
        f'<script src="http://testserver/chat/widget.js" data-loket-chat="{account.key}" async></script>'
    )
    assert body["settings"] == {"allowed_origins": ["https://shop.nl"], "greeting": "", "ask_details": True}
    assert body["webhook_url"] == ""
    refused = admin_api.request(
        "PATCH", f"/channel-accounts/{body['id']}", {"settings": {"allowed_origins": ["https://*.shop.nl"]}}
    )
    assert refused.status_code == 422
    assert "allowed_origins" in refused.content.decode()
    unknown = admin_api.request("PATCH", f"/channel-accounts/{body['id']}", {"settings": {"colour": "red"}})
    assert unknown.status_code == 422
