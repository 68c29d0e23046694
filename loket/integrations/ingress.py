"""The webhooks' acknowledgement path: an ASGI layer in front of Django for the posts that
WhatsApp (``/inbound/whatsapp/<key>/``) and Twilio (``/inbound/sms/<key>/``, ``…/status/``)
send most, answered on the event loop.

Why: Django runs a synchronous view under ASGI in a thread of its own, through the whole
middleware chain. Measured on the 2-core bench machine, a view that does nothing cost 3.25 ms of
CPU per request: a ceiling of about 340 requests a second, a third of what one number may post
in a campaign (docs/performance.md, "Messaging channels"). A provider's webhook needs none of
what that buys (session, user, CSRF, templates): only the request as Django reads it, the
account, the signature and a commit.

What it does, for a ``POST`` to one of those URLs:

1. The request as Django would read it (``ASGIRequest``: the host checked against
   ``ALLOWED_HOSTS``, the scheme behind a TLS proxy, the form parsed) — so the URL Twilio
   signed is rebuilt exactly as the view rebuilds it.
2. The account by the URL's key, remembered per process for ``INBOUND_ACCOUNT_MEMORY_SECONDS``
   (30 s): an account switched off or given a new secret on another server process takes effect
   within that time (in this process at once: ``forget_accounts``); a post refused meanwhile is
   sent again by the provider.
3. The channel's own check and parsing, the same functions its view uses
   (``whatsapp.webhook.quick_deliveries``, ``sms.webhook.quick_deliveries``).
4. The deliveries stored by the intake (``intake.py``: one transaction for all posts of the
   moment), then the 200 — never before the commit. A database error answers 500 and stores
   nothing, so the provider sends the post again.

Everything else goes to Django unchanged and gets the answer it always got: Meta's ``GET``
subscription check, a refused signature, a body that is not JSON, a template status, a number
other than the URL's, an unknown key, a host Django refuses, a plain-HTTP post that Django
would redirect, a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``. ``INBOUND_FAST_PATH=false``
sends every request to Django.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse

from loket.integrations.intake import intake
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.lib.secrets import SecretUnreadable

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

ROUTES = re.compile(r"^/inbound/(?P<kind>whatsapp|sms)/(?P<key>[^/]+)/(?:status/)?$")
SECRET_NAME: dict[str, str] = {ChannelAccount.Kind.WHATSAPP: "app_secret", ChannelAccount.Kind.SMS: "auth_token"}


class Known:
    """An account as the path remembers it: the row and its secret, read once."""

    def __init__(self, account: ChannelAccount, secret: str, until: float) -> None:
        self.account, self.secret, self.until = account, secret, until


_accounts: dict[tuple[str, str], Known | None] = {}
_misses: dict[tuple[str, str], float] = {}


def forget_accounts() -> None:
    """Read every account afresh on its next post (called when an account is saved)."""
    _accounts.clear()
    _misses.clear()


def _load(kind: str, key: str) -> Known | None:
    account = ChannelAccount.objects.filter(kind=kind, key=key, is_active=True).first()
    if account is None:
        return None
    try:
        secret = account.secret(SECRET_NAME[kind])
    except SecretUnreadable:
        return None  # Django's view says so (503)
    return Known(account, secret, time.monotonic() + settings.INBOUND_ACCOUNT_MEMORY_SECONDS)


async def _known(kind: str, key: str) -> Known | None:
    now = time.monotonic()
    known = _accounts.get((kind, key))
    if known is not None and known.until > now:
        return known
    if _misses.get((kind, key), 0) > now:
        return None
    known = await asyncio.wrap_future(intake.call(lambda: _load(kind, key)))
    if known is None:
        _misses[(kind, key)] = now + settings.INBOUND_ACCOUNT_MEMORY_SECONDS
        _accounts.pop((kind, key), None)
    else:
        _accounts[(kind, key)] = known
    return known


def _quick(kind: str, request: HttpRequest, known: Known) -> list[InboundDelivery] | None:
    if kind == ChannelAccount.Kind.WHATSAPP:
        from loket.integrations.whatsapp.webhook import quick_deliveries as whatsapp_deliveries

        return whatsapp_deliveries(request, known.account, known.secret)
    from loket.integrations.sms.webhook import quick_deliveries as sms_deliveries

    return sms_deliveries(request, known.account, known.secret)


def _answer_for(kind: str) -> HttpResponse:
    if kind == ChannelAccount.Kind.WHATSAPP:
        return HttpResponse("ok", content_type="text/plain")
    from loket.integrations.sms.webhook import twiml

    return twiml()


class Ingress:
    """ASGI: the acknowledgement path for the posts it can answer, Django for everything else."""

    def __init__(self, django: Any) -> None:
        self.django = django

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = ROUTES.match(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST" or not settings.INBOUND_FAST_PATH:
            await self.django(scope, receive, send)
            return
        body, complete = await _read(scope, receive)
        if body is None:
            return  # the client went away before it finished sending
        if not complete:
            await self.django(scope, _replay(body, receive, more=True), send)  # too large: Django refuses it
            return
        response = await self._handle(route["kind"], route["key"], scope, body)
        if response is None:
            await self.django(scope, _replay(body, receive), send)
            return
        await _send(send, response)

    async def _handle(self, kind: str, key: str, scope: Scope, body: bytes) -> HttpResponse | None:
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            request.get_host()
        except DisallowedHost:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None
        known = await _known(kind, key)
        if known is None:
            return None
        deliveries = _quick(kind, request, known)
        if deliveries is None:
            return None
        if deliveries:
            try:
                await asyncio.wrap_future(intake.store(deliveries))
            except Exception:
                logger.exception("%s: a post to account %s could not be stored; answered 500", kind, known.account.pk)
                return HttpResponse("Not stored; send it again.", status=500, content_type="text/plain")
        return _answer_for(kind)


async def _read(scope: Scope, receive: Receive) -> tuple[bytes | None, bool]:
    """The body, and whether it is complete (False: it passed the upload limit)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if limit is not None and size > limit:
            return b"".join(chunks), False


def _replay(body: bytes, receive: Receive, *, more: bool = False) -> Receive:
    """``receive`` for Django: the part of the body already read first, then the rest."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


async def _send(send: Send, response: HttpResponse) -> None:
    content = response.content
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": content})
