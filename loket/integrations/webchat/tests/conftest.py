"""A chat widget of ``org`` on https://www.woonwinkel.example, and a visitor's token for it."""

from __future__ import annotations

import pytest

from loket.integrations.models import ChannelAccount
from loket.integrations.webchat.visitors import new_visitor

ORIGIN = "https://www.woonwinkel.example"


@pytest.fixture
def widget(org, team):
    account = ChannelAccount(organization=org, kind="chat", name="Website", team=team)
    account.external_id = account.key
    account.settings = {"allowed_origins": [ORIGIN], "ask_details": True}
    account.save()
    return account


@pytest.fixture
def visitor(widget):
    """(visitor id, token)."""
    return new_visitor(widget)
