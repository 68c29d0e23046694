"""Admins manage the organisation's mailboxes; each shows its queue and quarantine."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loket.integrations.email.inbound import do_accept_email, find_mailbox
from loket.integrations.models import InboundDelivery, Mailbox

pytestmark = pytest.mark.django_db

URL = reverse("web:admin_mailboxes")


def test_admin_adds_a_mailbox_for_a_team(owner_client, org, team):
    response = owner_client.post(
        URL, {"address": "Service@Woonwinkel.example", "team": team.pk, "sender_name": "Woonwinkel"}
    )
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.organization, mailbox.address, mailbox.team) == (org, "service@woonwinkel.example", team)
    html = owner_client.get(URL).content.decode()
    assert "service@woonwinkel.example" in html
    assert team.name in html


def test_an_address_in_use_anywhere_is_refused_with_a_clear_error(owner_client, other_org):
    Mailbox.objects.create(organization=other_org, address="info@gedeeld.example")
    response = owner_client.post(URL, {"address": "INFO@gedeeld.example"})
    assert response.status_code == 400
    assert "al in gebruik" in response.content.decode()
    assert Mailbox.objects.count() == 1


def test_the_list_shows_what_waits_and_what_is_quarantined(owner_client, org, team):
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)
    do_accept_email([mailbox], b"From: a@example.nl\r\nMessage-ID: <1@x>\r\n\r\nHoi\r\n")
    do_accept_email([mailbox], b"To: service@woonwinkel.example\r\nMessage-ID: <2@x>\r\n\r\n?\r\n")
    InboundDelivery.objects.filter(external_id="<2@x>").update(status=InboundDelivery.Status.FAILED)
    html = owner_client.get(URL).content.decode()
    assert 'data-testid="mailbox-pending">1<' in html
    assert 'data-testid="mailbox-failed">1<' in html


def test_a_switched_off_mailbox_takes_no_mail_until_switched_on(owner_client, org):
    mailbox = Mailbox.objects.create(organization=org, address="oud@woonwinkel.example")
    owner_client.post(reverse("web:admin_mailbox_active", args=[mailbox.pk]), {"active": "0"})
    assert find_mailbox("oud@woonwinkel.example") is None
    owner_client.post(reverse("web:admin_mailbox_active", args=[mailbox.pk]), {"active": "1"})
    assert find_mailbox("OUD@woonwinkel.example") == mailbox


def test_agents_cannot_manage_mailboxes(agent_client, org):
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example")
    assert agent_client.get(URL).status_code == 403
    assert agent_client.post(URL, {"address": "x@woonwinkel.example"}).status_code == 403
    assert agent_client.post(reverse("web:admin_mailbox_active", args=[mailbox.pk]), {"active": "0"}).status_code == 403
    assert Mailbox.objects.get().is_active


def test_a_team_of_another_organisation_cannot_be_chosen(owner_client, other_org):
    from loket.accounts.models import Team

    foreign = Team.objects.create(organization=other_org, name="Vreemd")
    response = owner_client.post(URL, {"address": "x@woonwinkel.example", "team": foreign.pk})
    assert response.status_code == 400
    assert Mailbox.objects.count() == 0


def test_admin_sees_the_quarantine_downloads_the_original_and_retries_it(owner_client, org, team):
    from loket.integrations.actions import do_process_pending

    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)
    raw = b"To: service@woonwinkel.example\r\nSubject: Zonder afzender\r\nMessage-ID: <q1@x>\r\n\r\nWie ben ik?\r\n"
    do_accept_email([mailbox], raw)
    do_process_pending()
    delivery = InboundDelivery.objects.get()
    assert delivery.status == "failed"

    html = owner_client.get(reverse("web:admin_quarantine")).content.decode()
    assert "no sender address" in html
    assert "service@woonwinkel.example" in html

    download = owner_client.get(reverse("web:admin_quarantine_download", args=[delivery.pk]))
    assert download.content == raw
    assert download["Content-Type"] == "message/rfc822"
    assert download["Content-Disposition"].startswith("attachment;")

    owner_client.post(reverse("web:admin_quarantine_retry", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    do_process_pending()  # still no sender: back in quarantine, with its reason
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_agents_do_not_see_the_quarantine(agent_client):
    assert agent_client.get(reverse("web:admin_quarantine")).status_code == 403


def test_admin_sets_up_replies_and_the_acknowledgement_of_a_mailbox(owner_client, org, team):
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)
    url = reverse("web:admin_mailbox", args=[mailbox.pk])
    page = owner_client.get(url).content.decode()
    assert "Nieuwe zaken krijgen een ontvangstbevestiging" in page
    assert 'name="quote_history" id="id_quote_history" checked' in page  # the defaults, as stored

    response = owner_client.post(
        url,
        {
            "form": "mailbox",
            "address": "klantenservice@woonwinkel.example",
            "team": team.pk,
            "sender_name": "Woonwinkel",
            "signature": "Team Klantenservice",
            "send_acknowledgement": "on",
            "response_hours": "48",
            "acknowledgement_text": "Dag {naam}, zaak {zaaknummer}.",
        },
    )
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.address == "klantenservice@woonwinkel.example"
    assert mailbox.send_acknowledgement
    assert (mailbox.response_hours, mailbox.acknowledgement_text) == (48, "Dag {naam}, zaak {zaaknummer}.")
    assert not mailbox.quote_history  # unticked
    assert "bevestigt ontvangst" in owner_client.get(URL).content.decode()


def test_a_mailbox_address_with_a_plus_is_refused(owner_client):
    response = owner_client.post(URL, {"address": "service+extra@woonwinkel.example"})
    assert response.status_code == 400
    assert "mag geen + bevatten" in response.content.decode()


def test_mail_to_a_plus_address_reaches_the_mailbox(org):
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example")
    assert find_mailbox("Service+Z-2026-000123@woonwinkel.example") == mailbox


def test_admin_connects_an_imap_account_whose_password_is_never_shown(owner_client, org):
    from loket.integrations.models import ImapAccount
    from loket.lib.secrets import decrypt

    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example")
    url = reverse("web:admin_mailbox", args=[mailbox.pk])
    imap = {
        "form": "imap",
        "host": "imap.example.nl",
        "port": "993",
        "security": "ssl",
        "username": "service@woonwinkel.example",
        "folder": "INBOX",
        "processed_folder": "Loket/Verwerkt",
    }
    refused = owner_client.post(url, imap)  # a new account needs its password
    assert refused.status_code == 400
    assert "Vul het wachtwoord" in refused.content.decode()

    assert owner_client.post(url, {**imap, "password": "Zomer2026!"}).status_code == 302
    account = ImapAccount.objects.get(mailbox=mailbox)
    assert "Zomer2026!" not in account.password_encrypted
    assert decrypt(account.password_encrypted) == "Zomer2026!"
    page = owner_client.get(url).content.decode()
    assert "Zomer2026!" not in page
    assert "imap.example.nl" in page

    owner_client.post(url, {**imap, "port": "143", "security": "starttls"})  # empty: keep the password
    account.refresh_from_db()
    assert (account.port, decrypt(account.password_encrypted)) == (143, "Zomer2026!")
    assert "imap.example.nl" in owner_client.get(URL).content.decode()

    owner_client.post(url, {"form": "imap_remove"})
    assert not ImapAccount.objects.exists()
