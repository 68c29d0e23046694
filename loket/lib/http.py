"""The ONE outbound HTTP seam. Everything Loket sends or fetches over HTTP goes through ``post``
or ``get``.

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
    content: bytes = b""  # ``get`` only: the body as bytes (a file)


class HttpError(Exception):
    """The request did not get an HTTP answer (DNS, refused, timeout, TLS)."""


def _client(timeout: httpx.Timeout | None) -> httpx.Client:
    return httpx.Client(transport=transport, timeout=timeout or DEFAULT_TIMEOUT, follow_redirects=False)


def post(url: str, *, content: bytes, headers: dict[str, str], timeout: httpx.Timeout | None = None) -> Response:
    try:
        with _client(timeout) as client:
            answer = client.post(url, content=content, headers={"User-Agent": USER_AGENT, **headers})
    except httpx.HTTPError as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    return Response(status=answer.status_code, body=answer.text[:4000], headers=dict(answer.headers))


class TooLarge(HttpError):
    """The answer is larger than the caller accepts; nothing of it is kept."""


def get(url: str, *, headers: dict[str, str], max_bytes: int, timeout: httpx.Timeout | None = None) -> Response:
    """Fetch ``url`` (a file: WhatsApp media), reading at most ``max_bytes`` of its body."""
    try:
        with (
            _client(timeout) as client,
            client.stream("GET", url, headers={"User-Agent": USER_AGENT, **headers}) as answer,
        ):
            chunks, size = [], 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"more than {max_bytes} bytes")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    content = b"".join(chunks)
    text = content[:4000].decode("utf-8", errors="replace")
    return Response(status=answer.status_code, body=text, headers=dict(answer.headers), content=content)
