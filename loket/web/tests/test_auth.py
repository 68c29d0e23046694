from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from loket.accounts.actions import do_add_member
from loket.accounts.middleware import SESSION_KEY
from loket.accounts.models import Role
from loket.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_dutch(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl">' in html
    assert "Inloggen bij Loket" in html
    assert "Wachtwoord vergeten?" in html


def test_login_with_the_right_password_opens_the_inbox(client, agent):
    response = client.post(reverse("login"), {"username": "arie", "password": "wachtwoord-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:inbox")
    assert client.get(reverse("web:inbox")).status_code == 200


def test_login_with_a_wrong_password_says_so(client, agent):
    response = client.post(reverse("login"), {"username": "arie", "password": "fout"})
    assert response.status_code == 200
    assert "horen niet bij elkaar" in response.content.decode()


def test_too_many_wrong_passwords_lock_the_login(client, agent, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "arie", "password": "fout"})
    response = client.post(reverse("login"), {"username": "arie", "password": "wachtwoord-123"})
    assert response.status_code == 429
    assert "Inloggen tijdelijk geblokkeerd" in response.content.decode()


def test_logout_is_a_post(agent_client):
    assert agent_client.get(reverse("logout")).status_code == 405
    response = agent_client.post(reverse("logout"))
    assert response.status_code == 302
    assert agent_client.get(reverse("web:inbox")).status_code == 302


def test_password_reset_sends_a_dutch_mail_with_a_working_link(client, agent):
    response = client.post(reverse("password_reset"), {"email": agent.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Nieuw wachtwoord voor Loket"
    assert "Je gebruikersnaam is: arie" in message.body
    link = re.search(r"http://testserver(/wachtwoord/herstel/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Kies een nieuw wachtwoord" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "een-lang-nieuw-wachtwoord", "new_password2": "een-lang-nieuw-wachtwoord"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    agent.refresh_from_db()
    assert agent.check_password("een-lang-nieuw-wachtwoord")


def test_password_reset_for_an_unknown_address_looks_the_same(client, agent):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.nl"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_change_for_a_logged_in_user(agent_client, agent):
    response = agent_client.post(
        reverse("password_change"),
        {
            "old_password": "wachtwoord-123",
            "new_password1": "nog-een-lang-wachtwoord",
            "new_password2": "nog-een-lang-wachtwoord",
        },
    )
    assert response["Location"] == reverse("password_change_done")


def test_user_without_membership_gets_a_friendly_page(client):
    client.force_login(UserFactory(username="zwerver"))
    response = client.get(reverse("web:inbox"))
    assert response.status_code == 403
    assert "Je hoort (nog) bij geen organisatie" in response.content.decode()


def test_switching_organisation_sets_the_session(client, agent, org):
    second = OrganizationFactory(name="Zusterbedrijf")
    do_add_member(second, agent, Role.AGENT)
    client.force_login(agent)
    html = client.get(reverse("web:inbox")).content.decode()
    assert "Zusterbedrijf" in html
    assert 'name="organization"' in html
    response = client.post(reverse("web:switch_organization"), {"organization": second.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == second.pk
    assert client.get(reverse("web:inbox")).context["organization"] == second


def test_without_a_choice_the_desk_opens_in_the_organisation_joined_first(client, agent, org):
    earlier_in_the_alphabet = OrganizationFactory(name="Aardappelhandel")
    do_add_member(earlier_in_the_alphabet, agent, Role.AGENT)  # joined after org
    client.force_login(agent)
    assert client.get(reverse("web:inbox")).context["organization"] == org


def test_switching_to_an_organisation_you_are_not_in_is_not_found(agent_client, other_org):
    response = agent_client.post(reverse("web:switch_organization"), {"organization": other_org.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in agent_client.session


def test_switching_with_garbage_is_not_found(agent_client):
    assert agent_client.post(reverse("web:switch_organization"), {"organization": "x"}).status_code == 404
