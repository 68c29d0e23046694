from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from loket.accounts.actions import do_create_team, do_create_token
from loket.accounts.models import ApiToken, Membership, Role, Team, User
from loket.events.models import Event
from loket.tests.factories import UserFactory
from loket.webhooks.actions import do_create_endpoint
from loket.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["web:admin_members", "web:admin_teams", "web:admin_tokens", "web:admin_webhooks"]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_are_refused_to_agents_and_viewers(agent_client, viewer_client, name):
    assert agent_client.get(reverse(name)).status_code == 403
    assert viewer_client.get(reverse(name)).status_code == 403


def test_admin_link_is_only_in_the_menu_of_admins(agent_client, owner_client):
    url = reverse("web:admin_members")
    assert url not in agent_client.get(reverse("web:inbox")).content.decode()
    assert url in owner_client.get(reverse("web:inbox")).content.decode()


def test_agent_cannot_create_a_token_by_posting(agent_client):
    response = agent_client.post(reverse("web:admin_tokens"), {"name": "Stiekem", "scopes": ["admin"]})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


# --- Members ------------------------------------------------------------------------------------


def test_admin_sees_the_members(owner_client, agent, viewer):
    html = owner_client.get(reverse("web:admin_members")).content.decode()
    assert "Arie Agent" in html
    assert "Vera Meekijker" in html


def test_admin_adds_an_existing_user_by_username(owner_client, org):
    UserFactory(username="nieuw", first_name="Nina")
    response = owner_client.post(reverse("web:admin_member_add"), {"username": "Nieuw", "role": Role.LEAD})
    assert response.status_code == 302
    assert Membership.objects.get(organization=org, user__username="nieuw").role == Role.LEAD


def test_adding_an_unknown_username_shows_an_error(owner_client):
    response = owner_client.post(reverse("web:admin_member_add"), {"username": "bestaatniet", "role": Role.AGENT})
    assert response.status_code == 400
    assert "Er is geen gebruiker met deze gebruikersnaam." in response.content.decode()


def test_admin_creates_a_user_with_a_role(owner_client, org):
    response = owner_client.post(
        reverse("web:admin_member_create"),
        {"username": "kees", "first_name": "Kees", "last_name": "K", "email": "kees@example.nl", "role": "viewer"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="kees")
    assert not user.has_usable_password()  # sets one through "wachtwoord vergeten"
    assert Membership.objects.get(organization=org, user=user).role == Role.VIEWER


def test_a_weak_password_is_refused_when_creating_a_user(owner_client):
    response = owner_client.post(
        reverse("web:admin_member_create"),
        {"username": "kees", "email": "kees@example.nl", "role": "agent", "password": "12345"},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="kees").exists()


def test_admin_changes_a_role_and_deactivates_a_member(owner_client, agent, org):
    membership = Membership.objects.get(user=agent, organization=org)
    owner_client.post(reverse("web:admin_member_role", args=[membership.pk]), {"role": Role.LEAD})
    membership.refresh_from_db()
    assert membership.role == Role.LEAD
    owner_client.post(reverse("web:admin_member_active", args=[membership.pk]), {})
    membership.refresh_from_db()
    assert not membership.is_active
    owner_client.post(reverse("web:admin_member_active", args=[membership.pk]), {"active": "on"})
    membership.refresh_from_db()
    assert membership.is_active


def test_admin_cannot_demote_or_deactivate_themselves(owner_client, owner, org):
    membership = Membership.objects.get(user=owner, organization=org)
    response = owner_client.post(
        reverse("web:admin_member_role", args=[membership.pk]), {"role": Role.AGENT}, follow=True
    )
    assert "niet wijzigen" in response.content.decode()
    owner_client.post(reverse("web:admin_member_active", args=[membership.pk]), {})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    assert membership.is_active


def test_a_deactivated_member_gets_the_no_organisation_page(owner_client, agent, agent_client, org):
    membership = Membership.objects.get(user=agent, organization=org)
    owner_client.post(reverse("web:admin_member_active", args=[membership.pk]), {})
    response = agent_client.get(reverse("web:inbox"))
    assert response.status_code == 403
    assert "Je hoort (nog) bij geen organisatie" in response.content.decode()


# --- Teams --------------------------------------------------------------------------------------


def test_admin_creates_a_team_and_sets_its_members(owner_client, org, agent, viewer):
    response = owner_client.post(reverse("web:admin_teams"), {"name": "Bereavement"})
    assert response.status_code == 302
    team = Team.objects.get(organization=org, name="Bereavement")
    owner_client.post(reverse("web:admin_team", args=[team.pk]), {"members": [agent.pk, viewer.pk]})
    assert set(team.members.all()) == {agent, viewer}


def test_a_duplicate_team_name_is_refused(owner_client, team):
    response = owner_client.post(reverse("web:admin_teams"), {"name": "klantenservice"})
    assert response.status_code == 400
    assert "Er is al een team met deze naam." in response.content.decode()


def test_only_members_of_the_organisation_can_join_a_team(owner_client, org, outsider, team):
    response = owner_client.post(reverse("web:admin_team", args=[team.pk]), {"members": [outsider.pk]})
    assert response.status_code == 400
    assert outsider not in team.members.all()


# --- API tokens ---------------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_reloading_creates_nothing(owner_client, org):
    created = owner_client.post(reverse("web:admin_tokens"), {"name": "Koppeling CRM", "scopes": ["read", "write"]})
    assert created.status_code == 302  # to a page a reload does not post again
    response = owner_client.get(created["Location"])
    secret = response.context["issued"]["secret"]
    assert secret.startswith("lkt_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(organization=org)
    assert token.scopes == ["read", "write"]
    again = owner_client.get(reverse("web:admin_tokens")).content.decode()
    assert "Koppeling CRM" in again
    assert token.prefix in again
    assert secret not in again
    assert ApiToken.objects.filter(organization=org).count() == 1


def test_token_without_scopes_is_refused(owner_client):
    response = owner_client.post(reverse("web:admin_tokens"), {"name": "Leeg"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_with_an_expiry_date(owner_client):
    owner_client.post(
        reverse("web:admin_tokens"), {"name": "Tijdelijk", "scopes": ["read"], "expires_on": "2030-01-31"}
    )
    token = ApiToken.objects.get()
    assert timezone.localtime(token.expires_at).isoformat() == "2030-01-31T23:59:59+01:00"  # end of day, Amsterdam


def test_admin_revokes_a_token(owner_client, org, owner):
    issued = do_create_token(org, "Oud", ["read"], actor=owner)
    owner_client.post(reverse("web:admin_token_revoke", args=[issued.token.pk]))
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None


# --- Webhooks -----------------------------------------------------------------------------------


def test_webhook_secret_is_shown_once(owner_client, org):
    response = owner_client.post(
        reverse("web:admin_webhooks"),
        {"url": "https://crm.example.nl/hook", "description": "CRM", "event_types": ["case.opened", "case.resolved"]},
    )
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(organization=org)
    assert endpoint.event_types == ["case.opened", "case.resolved"]
    assert endpoint.secret in owner_client.get(response["Location"]).content.decode()
    assert endpoint.secret not in owner_client.get(reverse("web:admin_webhooks")).content.decode()
    assert WebhookEndpoint.objects.filter(organization=org).count() == 1


def test_webhook_form_offers_every_registered_event_type(owner_client):
    html = owner_client.get(reverse("web:admin_webhooks")).content.decode()
    assert 'value="case.handed_over"' in html
    assert 'value="*"' in html


def test_webhook_needs_an_event_type(owner_client):
    response = owner_client.post(reverse("web:admin_webhooks"), {"url": "https://crm.example.nl/hook"})
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_webhook_page_lists_deliveries_with_status_attempts_code_and_error(owner_client, org, case):
    endpoint = do_create_endpoint(org, url="https://crm.example.nl/hook", event_types=["*"])
    event = Event.objects.filter(case=case).first()
    WebhookDelivery.objects.create(
        organization=org,
        endpoint=endpoint,
        event=event,
        status="failed",
        attempts=4,
        response_status=502,
        error="Bad gateway van de ontvanger",
    )
    html = owner_client.get(reverse("web:admin_webhook", args=[endpoint.pk])).content.decode()
    assert "case.opened" in html
    assert "Mislukt" in html
    assert ">4<" in html
    assert "502" in html
    assert "Bad gateway van de ontvanger" in html


def test_admin_deletes_a_webhook(owner_client, org):
    endpoint = do_create_endpoint(org, url="https://crm.example.nl/hook", event_types=["*"])
    owner_client.post(reverse("web:admin_webhook_delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_team_page_lists_teams(owner_client, org, agent):
    do_create_team(org, "Nazorg", members=[agent])
    html = owner_client.get(reverse("web:admin_teams")).content.decode()
    assert "Nazorg" in html
    assert "Arie Agent" in html
