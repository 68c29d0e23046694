"""manage.py sms_account: how an operator connects a Twilio number until the admin screens land."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.integrations.models import ChannelAccount

pytestmark = pytest.mark.django_db

SID = "AC" + "0123456789abcdef" * 2
SERVICE = "MG" + "fedcba9876543210" * 2


def connect(monkeypatch, *args, token=""):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", token)
    out = StringIO()
    call_command("sms_account", *args, stdout=out)
    return out.getvalue()


def test_a_number_is_connected_with_an_encrypted_token_and_its_two_urls_printed(monkeypatch, org, team, settings):
    settings.SITE_URL = "https://loket.example.nl"
    out = connect(
        monkeypatch,
        *("--organization", org.slug, "--number", "+31 97 010 204 060", "--account-sid", SID, "--team", team.name),
        token="s3cret",
    )
    account = ChannelAccount.objects.get()
    assert (account.kind, account.organization, account.team, account.external_id) == (
        "sms",
        org,
        team,
        "+3197010204060",
    )
    assert account.settings == {"account_sid": SID, "messaging_service_sid": ""}
    assert "s3cret" not in account.secrets_encrypted  # encrypted at rest
    assert account.secret("auth_token") == "s3cret"
    assert f"https://loket.example.nl/inbound/sms/{account.key}/" in out
    assert f"https://loket.example.nl/inbound/sms/{account.key}/status/" in out
    assert "s3cret" not in out  # never shown back
    # Run again without a token: the stored one is kept; a Messaging Service is added.
    connect(monkeypatch, "--organization", org.slug, "--number", "+3197010204060", "--messaging-service-sid", SERVICE)
    account.refresh_from_db()
    assert account.secret("auth_token") == "s3cret"
    assert account.settings == {"account_sid": SID, "messaging_service_sid": SERVICE}


@pytest.mark.parametrize(
    ("args", "token", "error"),
    [
        (("--account-sid", SID), "", "An auth token is needed"),
        (("--account-sid", "AC123"), "t", "Een Account SID is AC gevolgd door 32 tekens"),
        ((), "t", "Een Account SID is AC gevolgd door 32 tekens"),
        (("--account-sid", SID, "--messaging-service-sid", "MG1"), "t", "Een Messaging Service SID is MG"),
    ],
    ids=["no-token", "bad-sid", "no-sid", "bad-service"],
)
def test_a_number_without_what_twilio_needs_is_refused(monkeypatch, org, args, token, error):
    with pytest.raises(CommandError, match=error):
        connect(monkeypatch, "--organization", org.slug, "--number", "+3197010204060", *args, token=token)
    assert not ChannelAccount.objects.exists()


def test_a_number_of_another_organisation_is_refused(monkeypatch, org, other_org):
    connect(
        monkeypatch, "--organization", other_org.slug, "--number", "+3197010204060", "--account-sid", SID, token="a"
    )
    with pytest.raises(CommandError, match="another organisation"):
        connect(monkeypatch, "--organization", org.slug, "--number", "+3197010204060", "--account-sid", SID, token="b")
    assert ChannelAccount.objects.get().organization == other_org
