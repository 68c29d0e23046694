"""HMAC-SHA256 signatures on outgoing webhooks (header ``X-Loket-Signature``).

The signed string is ``{timestamp}.{body}``; receivers check the signature and reject a
timestamp older than five minutes (replay). See docs/api.md, "Webhooks".
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)
