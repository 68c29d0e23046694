"""Chat visitors: who a browser is, by a signed token it keeps (no login, no cookie).

A visitor is a random id. The widget keeps the token in the browser's storage for Loket's
origin, so the same browser continues the same conversation; the token is signed for one
chat widget (its account), so it opens nothing elsewhere: not another organisation's widget,
not another visitor's conversation. It does not expire: a visitor may come back months later.
"""

from __future__ import annotations

import secrets

from django.core import signing

from loket.integrations.models import ChannelAccount

SALT = "loket.webchat.visitor"
PREFIX = "chat-visitor:"  # the visitor's identity: kind external, value PREFIX + id


def new_visitor(account: ChannelAccount) -> tuple[str, str]:
    """(visitor id, token) for a browser that has none."""
    visitor = secrets.token_urlsafe(16)
    return visitor, signing.dumps({"a": account.pk, "v": visitor}, salt=SALT, compress=True)


def visitor_of(account: ChannelAccount, token: str) -> str | None:
    """The visitor id the token was issued for on this widget; None when forged or another's."""
    try:
        data = signing.loads(token or "", salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != account.pk or not isinstance(data.get("v"), str):
        return None
    return data["v"]


def identity_value(visitor: str) -> str:
    return PREFIX + visitor
