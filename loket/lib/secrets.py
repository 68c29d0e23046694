"""Secrets Loket must store to talk to other systems (an IMAP password), encrypted at rest.

Fernet (the ``cryptography`` package: AES-128-CBC with HMAC-SHA256) with a key derived from
``SECRETS_KEY``, or from ``SECRET_KEY`` when that is not set. A database dump alone does not
reveal the secret. Changing the key makes stored secrets unreadable: ``decrypt`` then raises
``SecretUnreadable`` and the admin enters the secret again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    pass


def _fernet() -> Fernet:
    material = (settings.SECRETS_KEY or settings.SECRET_KEY).encode()
    key = hashlib.sha256(b"loket.secrets:" + material).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii") if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretUnreadable("stored with another key (SECRETS_KEY or SECRET_KEY changed)") from None
