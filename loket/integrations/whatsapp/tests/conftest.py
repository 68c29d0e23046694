"""The connected WhatsApp number the tests use (helpers: meta.py)."""

from __future__ import annotations

import pytest

from loket.integrations.models import ChannelAccount
from loket.integrations.whatsapp.tests.meta import APP_SECRET


@pytest.fixture
def account(org, team):
    account = ChannelAccount(
        organization=org, kind="whatsapp", name="Klantenservice", external_id="10634295353625", team=team
    )
    account.set_secrets(app_secret=APP_SECRET, verify_token="woonwinkel-verify", access_token="EAAG-token")
    account.save()
    return account
