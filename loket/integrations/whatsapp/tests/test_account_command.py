"""manage.py whatsapp_account: how an operator connects a number until the admin screens land."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.integrations.models import ChannelAccount

pytestmark = pytest.mark.django_db


def connect(monkeypatch, *args, **secrets):
    for name in ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN"):
        monkeypatch.setenv(name, secrets.get(name, ""))
    out = StringIO()
    call_command("whatsapp_account", *args, stdout=out)
    return out.getvalue()


def test_a_number_is_connected_with_encrypted_secrets_and_its_callback_url_printed(monkeypatch, org, team):
    out = connect(
        monkeypatch,
        *("--organization", org.slug, "--phone-number-id", "10634295353625", "--team", team.name),
        WHATSAPP_APP_SECRET="s3cret",
        WHATSAPP_VERIFY_TOKEN="verify-me",
    )
    account = ChannelAccount.objects.get()
    assert account.organization == org
    assert account.team == team
    assert f"/inbound/whatsapp/{account.key}/" in out
    assert "s3cret" not in account.secrets_encrypted  # encrypted at rest
    assert account.secret("app_secret") == "s3cret"
    # Run again without secrets: the stored ones are kept, the name changes.
    connect(monkeypatch, "--organization", org.slug, "--phone-number-id", "10634295353625", "--name", "Service")
    account.refresh_from_db()
    assert (account.name, account.secret("verify_token")) == ("Service", "verify-me")


def test_a_number_of_another_organisation_or_without_secrets_is_refused(monkeypatch, org, other_org):
    with pytest.raises(CommandError, match="app secret and a verify token"):
        connect(monkeypatch, "--organization", org.slug, "--phone-number-id", "1")
    connect(monkeypatch, "--organization", other_org.slug, "--phone-number-id", "1", WHATSAPP_APP_SECRET="a",
            WHATSAPP_VERIFY_TOKEN="b")  # fmt: skip
    with pytest.raises(CommandError, match="another organisation"):
        connect(monkeypatch, "--organization", org.slug, "--phone-number-id", "1", WHATSAPP_APP_SECRET="c",
                WHATSAPP_VERIFY_TOKEN="d")  # fmt: skip
    assert ChannelAccount.objects.get().organization == other_org
