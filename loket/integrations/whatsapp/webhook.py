"""WhatsApp Cloud API webhooks: ``/inbound/whatsapp/<key>/``, one URL per channel account.

- ``GET`` is Meta's subscription check: ``hub.mode=subscribe`` with the account's verify token
  is answered with ``hub.challenge``; anything else gets 403.
- ``POST`` carries messages and status updates. The ``X-Hub-Signature-256`` header must be
  the HMAC-SHA256 of the body with the account's app secret (403 and nothing stored
  otherwise). Each message and each status becomes one stored delivery, idempotent on its id
  (a message's wamid; ``status:<wamid>:<status>`` for a status), so that Meta's redeliveries,
  for up to seven days, create nothing new. Only after commit does Meta get its 200.

The inbound worker parses the deliveries (``loket.integrations.whatsapp.inbound``). A template's
status update (``message_template_status_update``) changes that template's status at once
(whatsapp/actions.py): it is not a message, and a failure answers 500, so Meta sends it again.
Other changes (account, quality and name updates) are logged and not stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from loket.integrations.actions import do_accept_deliveries
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.whatsapp.actions import do_update_template_statuses
from loket.integrations.whatsapp.payload import TEMPLATE_STATUS, template_statuses
from loket.integrations.whatsapp.selectors import numbers_of
from loket.lib.secrets import SecretUnreadable

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest, key: str) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, key=key, kind=ChannelAccount.Kind.WHATSAPP, is_active=True)
    try:
        if request.method == "GET":
            return _subscribe(request, account)
        return _receive(request, account)
    except SecretUnreadable:
        logger.error("whatsapp: the secrets of account %s cannot be read (SECRETS_KEY changed?)", account.pk)
        return HttpResponse("The account's secrets must be entered again.", status=503, content_type="text/plain")


def _subscribe(request: HttpRequest, account: ChannelAccount) -> HttpResponse:
    expected = account.secret("verify_token")
    given = request.GET.get("hub.verify_token", "")
    if request.GET.get("hub.mode") != "subscribe" or not expected or not hmac.compare_digest(given, expected):
        return HttpResponseForbidden("Wrong verify token.", content_type="text/plain")
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


def _receive(request: HttpRequest, account: ChannelAccount) -> HttpResponse:
    payload = _verified(account, account.secret("app_secret"), request)
    if isinstance(payload, HttpResponse):
        return payload
    items, others = split(payload)
    if others:
        logger.info("whatsapp: account %s: not stored: %s", account.pk, ", ".join(others))
    accounts = numbers_of(account, {phone_number_id for _id, phone_number_id, _fragment in items})
    do_accept_deliveries(_deliveries(account, items, accounts))
    templates = template_statuses(payload)
    if templates:
        do_update_template_statuses(account, templates)
    return HttpResponse("ok", content_type="text/plain")


def quick_deliveries(request: HttpRequest, account: ChannelAccount, app_secret: str) -> list[InboundDelivery] | None:
    """The acknowledgement path's share (``integrations/ingress.py``): the deliveries of a post
    that needs nothing but storing — signed, JSON, messages and statuses for the URL's own number
    only. None for anything else (a refusal, a template status, another number of the
    organisation): the view above answers those."""
    payload = _verified(account, app_secret, request)
    if isinstance(payload, HttpResponse) or template_statuses(payload):
        return None
    items, others = split(payload)
    if any(phone_number_id not in ("", account.external_id) for _id, phone_number_id, _fragment in items):
        return None
    if others:
        logger.info("whatsapp: account %s: not stored: %s", account.pk, ", ".join(others))
    return _deliveries(account, items, {})


def _verified(account: ChannelAccount, app_secret: str, request: HttpRequest) -> dict[str, Any] | HttpResponse:
    """The body as a JSON object, once its signature is the app secret's; else the refusal."""
    body = request.body
    if not signed_by(app_secret, body, request.headers.get("X-Hub-Signature-256", "")):
        logger.warning("whatsapp: a request to account %s with a wrong signature was refused", account.pk)
        return HttpResponseForbidden("Bad signature.", content_type="text/plain")
    try:
        payload = json.loads(body)
    except ValueError:
        return HttpResponseBadRequest("The body is not JSON.", content_type="text/plain")
    if not isinstance(payload, dict):
        return HttpResponseBadRequest("The body is not a JSON object.", content_type="text/plain")
    return payload


def _deliveries(
    account: ChannelAccount, items: list[tuple[str, str, dict[str, Any]]], accounts: dict[str, ChannelAccount]
) -> list[InboundDelivery]:
    return [
        InboundDelivery(
            organization_id=account.organization_id,
            channel="whatsapp",
            external_id=external_id[:255],
            raw=json.dumps(fragment, ensure_ascii=False).encode(),
            # The number it was sent to, among this organisation's (one Meta app may serve
            # several); a number Loket does not know stays with the account of the URL.
            channel_account=accounts.get(phone_number_id, account),
        )
        for external_id, phone_number_id, fragment in items
    ]


def signed_by(secret: str, body: bytes, header: str) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the app secret>``."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256=").strip().lower(), expected)


def split(payload: dict[str, Any]) -> tuple[list[tuple[str, str, dict[str, Any]]], list[str]]:
    """One webhook body → (external id, phone_number_id, a body with just that message or
    status) per item, and a note for every change that is neither. Never raises: an odd
    change is noted, the others are kept."""
    items: list[tuple[str, str, dict[str, Any]]] = []
    others: list[str] = []
    if payload.get("object") != "whatsapp_business_account":
        return items, [f"object {payload.get('object')!r}"]
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") == TEMPLATE_STATUS:
                continue  # not stored: applied at once (template_statuses)
            if change.get("field") != "messages" or not isinstance(value, dict):
                others.append(str(change.get("field") or "a change without a field"))
                continue
            metadata = value.get("metadata")
            if not isinstance(metadata, dict):
                metadata = {}
            phone_number_id = str(metadata.get("phone_number_id") or "")
            common = {key: part for key, part in value.items() if key not in ("messages", "statuses")}
            for message in _dicts(value.get("messages")):
                fragment = _body(entry, change, {**common, "messages": [message]})
                items.append((str(message.get("id") or _digest(message)), phone_number_id, fragment))
            for status in _dicts(value.get("statuses")):
                fragment = _body(entry, change, {**common, "statuses": [status]})
                key = f"status:{status.get('id') or _digest(status)}:{status.get('status') or ''}"
                items.append((key, phone_number_id, fragment))
            if not value.get("messages") and not value.get("statuses"):
                others.append("a messages change without messages or statuses")
    return items, others


def _body(entry: dict[str, Any], change: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": entry.get("id"), "changes": [{"field": change.get("field"), "value": value}]}],
    }


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _digest(item: dict[str, Any]) -> str:
    """A stable stand-in id for an item without one: the same item delivered twice is stored once."""
    return "sha256:" + hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
