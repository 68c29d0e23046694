"""Admins connect WhatsApp numbers (and later SMS numbers, widgets) under Beheer → Kanalen.

Secrets go in through password fields and never come back: the page says only whether each
is set. The callback URL to paste at the provider is shown on the account's page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.whatsapp.tests.meta import APP_SECRET, corpus, post

pytestmark = pytest.mark.django_db

LIST = reverse("web:admin_channel_accounts")
ADD = reverse("web:admin_channel_account_add") + "?soort=whatsapp"
APP = "a3f1c9e07b5d4e2f8a6b1c3d5e7f9a0b"
ACCESS = "EAAGm0PX4ZCpsBAKZAZBq9Token9Z3xY"


def _add(client, team, **changes):
    data = {
        "name": "Klantenservice",
        "external_id": "10634295353625",
        "display_number": "+31 20 123 4567",
        "team": team.pk,
        "secret_app_secret": APP,
        "secret_verify_token": "woonwinkel-verify",
        "secret_access_token": ACCESS,
        **changes,
    }
    return client.post(ADD, data)


def test_admin_connects_a_whatsapp_number_and_gets_the_callback_url(owner_client, org, team):
    response = _add(owner_client, team)
    account = ChannelAccount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:admin_channel_account", args=[account.pk])
    assert (account.organization, account.kind, account.external_id, account.team) == (
        org,
        "whatsapp",
        "10634295353625",
        team,
    )
    assert account.secret("app_secret") == APP
    assert APP not in account.secrets_encrypted  # stored encrypted

    html = owner_client.get(response["Location"]).content.decode()
    assert f"http://testserver/inbound/whatsapp/{account.key}/" in html
    # Never shown back: a hint of the long ones only.
    for secret in (APP, ACCESS, "woonwinkel-verify"):
        assert secret not in html
    assert "…9a0b" in html
    assert "+31 20 123 4567" in owner_client.get(LIST).content.decode()


def test_the_connected_number_receives_whatsapp_messages(owner_client, client, team):
    _add(owner_client, team, secret_app_secret=APP_SECRET)
    account = ChannelAccount.objects.get()
    client.logout()
    response = post(client, account, corpus("wajava__textMessage.json"))
    assert response.status_code == 200
    assert InboundDelivery.objects.filter(channel_account=account).count() == 1


def test_required_secrets_and_the_id_are_asked_for(owner_client, team):
    response = _add(owner_client, team, external_id="", secret_app_secret="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dit veld is verplicht." in html or "This field is required." in html
    assert ChannelAccount.objects.count() == 0


def test_a_number_connected_to_another_organisation_is_refused(owner_client, team, other_org):
    taken = ChannelAccount(organization=other_org, kind="whatsapp", name="Concurrent", external_id="10634295353625")
    taken.set_secrets(app_secret="x", verify_token="y")
    taken.save()
    response = _add(owner_client, team)
    assert response.status_code == 400
    html = response.content.decode()
    assert "al gekoppeld" in html
    assert "Concurrent" not in html  # which organisation has it is not told
    assert ChannelAccount.objects.count() == 1


def test_changing_an_account_keeps_the_secrets_left_empty(owner_client, team):
    _add(owner_client, team)
    account = ChannelAccount.objects.get()
    url = reverse("web:admin_channel_account", args=[account.pk])
    response = owner_client.post(
        url,
        {"name": "Service", "external_id": "10634295353625", "team": "", "secret_access_token": "EAAG-new-token-1234"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.team, account.display_number) == ("Service", None, "")
    assert account.secret("app_secret") == APP  # kept
    assert account.secret("access_token") == "EAAG-new-token-1234"


def test_a_switched_off_account_answers_its_webhook_with_404(owner_client, client, team):
    _add(owner_client, team, secret_app_secret=APP_SECRET)
    account = ChannelAccount.objects.get()
    owner_client.post(reverse("web:admin_channel_account_active", args=[account.pk]), {"active": "0"})
    assert "uitgeschakeld" in owner_client.get(LIST).content.decode()
    client.logout()
    assert post(client, account, corpus("wajava__textMessage.json")).status_code == 404
    assert InboundDelivery.objects.count() == 0


def test_the_list_shows_what_waits_and_what_is_quarantined(owner_client, client, team):
    _add(owner_client, team, secret_app_secret=APP_SECRET)
    account = ChannelAccount.objects.get()
    post(client, account, corpus("wajava__textMessage.json"))
    html = owner_client.get(LIST).content.decode()
    assert 'data-testid="channel-account-pending">1<' in html
    assert "nog niets ontvangen" not in html


def test_agents_cannot_manage_channels(agent_client, team, org):
    account = ChannelAccount(organization=org, kind="whatsapp", name="Service", external_id="1")
    account.set_secrets(app_secret="x", verify_token="y")
    account.save()
    assert agent_client.get(LIST).status_code == 403
    assert agent_client.get(ADD).status_code == 403
    assert _add(agent_client, team, external_id="2").status_code == 403
    assert agent_client.get(reverse("web:admin_channel_account", args=[account.pk])).status_code == 403
    assert (
        agent_client.post(reverse("web:admin_channel_account_active", args=[account.pk]), {"active": "0"}).status_code
        == 403
    )
    assert ChannelAccount.objects.get().is_active


def test_an_unknown_kind_is_404(owner_client):
    assert owner_client.get(reverse("web:admin_channel_account_add") + "?soort=fax").status_code == 404


CHAT = reverse("web:admin_channel_account_add") + "?soort=chat"


def test_admin_adds_a_chat_widget_and_gets_the_code_for_the_website(owner_client, team):
    response = owner_client.post(
        CHAT,
        {
            "name": "Website",
            "team": team.pk,
            "setting_allowed_origins": "https://www.Woonwinkel.example/\nhttps://winkel.example:8443",
            "setting_greeting": "Goedemiddag! Vraag maar raak.",
            "setting_ask_details": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    account = ChannelAccount.objects.get(kind="chat")
    assert account.external_id == account.key
    assert account.settings == {
        "allowed_origins": ["https://www.woonwinkel.example", "https://winkel.example:8443"],
        "greeting": "Goedemiddag! Vraag maar raak.",
        "ask_details": True,
    }
    html = owner_client.get(response["Location"]).content.decode()
    assert f"data-loket-chat=&quot;{account.key}&quot;" in html  # escaped in the textarea
    assert "http://testserver/chat/widget.js" in html
    assert "https://www.woonwinkel.example\nhttps://winkel.example:8443" in html  # shown to edit


@pytest.mark.parametrize(
    "origins", ["https://*.woonwinkel.example", "https://woonwinkel.example/winkel", "ftp://woonwinkel.example", ""]
)
def test_a_chat_widget_needs_real_websites(owner_client, origins):
    response = owner_client.post(CHAT, {"name": "Website", "setting_allowed_origins": origins})
    assert response.status_code == 400
    assert ChannelAccount.objects.count() == 0


SMS = reverse("web:admin_channel_account_add") + "?soort=sms"
SID = "AC" + "0123456789abcdef" * 2


def test_admin_connects_a_twilio_number(owner_client, team):
    response = owner_client.post(
        SMS,
        {
            "name": "Sms-service",
            "external_id": "+31 97 010204060",
            "team": team.pk,
            "setting_account_sid": SID,
            "secret_auth_token": "twilio-auth-token-0123456789",
        },
    )
    assert response.status_code == 302, response.content.decode()
    account = ChannelAccount.objects.get(kind="sms")
    assert (account.external_id, account.display_number) == ("+3197010204060", "+3197010204060")
    assert account.settings == {"account_sid": SID, "messaging_service_sid": ""}
    html = owner_client.get(response["Location"]).content.decode()
    assert f"http://testserver/inbound/sms/{account.key}/" in html
    assert "twilio-auth-token" not in html


def test_a_twilio_account_needs_its_ids_in_their_shape(owner_client):
    response = owner_client.post(
        SMS,
        {
            "external_id": "geen nummer",
            "setting_account_sid": "AC123",
            "secret_auth_token": "x",
        },
    )
    assert response.status_code == 400
    assert ChannelAccount.objects.count() == 0
    response = owner_client.post(
        SMS, {"external_id": "+3197010204060", "setting_account_sid": "AC123", "secret_auth_token": "x"}
    )
    assert "AC gevolgd door 32 tekens" in response.content.decode()


def test_the_waba_id_set_on_the_page_fetches_the_templates(owner_client, team):
    _add(owner_client, team)
    account = ChannelAccount.objects.get()
    assert account.templates_due_at is None
    url = reverse("web:admin_channel_account", args=[account.pk])
    owner_client.post(url, {"name": "Service", "external_id": "10634295353625", "setting_waba_id": "102290129340398"})
    account.refresh_from_db()
    assert account.waba_id == "102290129340398"
    assert "waba_id" not in account.settings  # its own field, which the template fetch reads
    assert account.templates_due_at is not None  # the worker fetches the templates now
    assert "102290129340398" in owner_client.get(url).content.decode()
