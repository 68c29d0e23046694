"""The ONE outbound HTTP seam. Everything Loket sends over HTTP goes through ``post``.

Tests replace ``transport`` (an httpx transport) to fake third-party clouds at this seam
with recorded payloads; nothing else in Loket opens an HTTP connection.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

USER_AGENT = "Loket/1.0 (+https://github.com/loket)"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# Replaced in tests by an httpx.MockTransport; None means the real network.
transport: httpx.BaseTransport | None = None


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]


class HttpError(Exception):
    """The request did not get an HTTP answer (DNS, refused, timeout, TLS)."""


def post(url: str, *, content: bytes, headers: dict[str, str], timeout: httpx.Timeout | None = None) -> Response:
    try:
        with httpx.Client(transport=transport, timeout=timeout or DEFAULT_TIMEOUT, follow_redirects=False) as client:
            answer = client.post(url, content=content, headers={"User-Agent": USER_AGENT, **headers})
    except httpx.HTTPError as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    return Response(status=answer.status_code, body=answer.text[:4000], headers=dict(answer.headers))
