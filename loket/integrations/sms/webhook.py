"""Twilio's SMS webhooks: ``/inbound/sms/<key>/`` (incoming messages) and
``/inbound/sms/<key>/status/`` (status callbacks of Loket's messages), one pair per account.

Both take Twilio's form-encoded ``POST`` and do the same, so a URL pasted in the wrong field
still works:

1. The key names the account; an unknown key or a switched-off account is 404 (as WhatsApp's).
2. ``X-Twilio-Signature`` must be the signature of the URL Twilio called plus the parameters
   with the account's auth token (``twilio.request_validator.RequestValidator``); otherwise
   403 and nothing is stored. The URL is the request's as Django sees it
   (``build_absolute_uri``): behind a proxy, Django must see the public scheme and host
   (``BEHIND_TLS_PROXY``, the proxy passing ``Host``), see docs/channels/sms.md.
3. The ``AccountSid`` must be the account's (403 otherwise: another Twilio account's traffic).
4. The body is stored as it came, one delivery idempotent on the message's sid (a status:
   ``status:<sid>:<status>``), so Twilio's retries create nothing new; what is in it is read by
   the inbound worker (``loket.integrations.sms.inbound``), which quarantines what cannot be
   read, after Twilio has had its answer.
5. Only after commit: 200 with an empty TwiML ``<Response/>``, so Twilio sends nothing back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from loket.integrations.actions import do_accept_deliveries
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.selectors import access_channel_account_by_key
from loket.integrations.sms.config import SmsConfig
from loket.integrations.sms.payload import delivery_id, is_status, parse_body
from loket.lib.secrets import SecretUnreadable

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@csrf_exempt
@require_POST
def sms_webhook(request: HttpRequest, key: str) -> HttpResponse:
    account = access_channel_account_by_key(ChannelAccount.Kind.SMS, key)
    try:
        token = account.secret("auth_token")
    except SecretUnreadable:
        logger.error("sms: the secrets of account %s cannot be read (SECRETS_KEY changed?)", account.pk)
        return HttpResponse("The account's secrets must be entered again.", status=503, content_type="text/plain")
    params = _verified(request, account, token, request.POST)
    if isinstance(params, HttpResponse):
        return params
    # Ours: To of a message, From of a status; among the organisation's numbers (a Messaging
    # Service may send several numbers' traffic to one URL), else the account of the URL.
    number = _our_number(params)
    owner = account
    if number and number != account.external_id:
        owner = (
            ChannelAccount.objects.for_org(account.organization_id)
            .filter(kind=ChannelAccount.Kind.SMS, external_id=number, is_active=True)
            .first()
        ) or account
    do_accept_deliveries([_delivery(account, owner, params, request.body)])
    return twiml()


def quick_deliveries(request: HttpRequest, account: ChannelAccount, auth_token: str) -> list[InboundDelivery] | None:
    """The acknowledgement path's share (``integrations/ingress.py``): the delivery of a post
    that needs nothing but storing — signed, this Twilio account's, for the URL's own number.
    None for anything else: the view above answers it."""
    # The form read once, as a plain dict: a repeated parameter (which Twilio does not send)
    # fails the signature here and is left to the view, which reads every value.
    params = _verified(request, account, auth_token, parse_body(request.body))
    if isinstance(params, HttpResponse):
        return None
    number = _our_number(params)
    if number and number != account.external_id:
        return None
    return [_delivery(account, account, params, request.body)]


def twiml() -> HttpResponse:
    """Twilio's answer once stored: an empty TwiML ``<Response/>``, so Twilio sends nothing back."""
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _verified(
    request: HttpRequest, account: ChannelAccount, token: str, form: Mapping[str, Any]
) -> dict[str, str] | HttpResponse:
    """The parameters, once the signature of the URL and ``form`` is the auth token's and the
    AccountSid the account's."""
    url = request.build_absolute_uri()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not RequestValidator(token).validate(url, form, signature):
        logger.warning("sms: a request to %s with a wrong signature was refused (account %s)", url, account.pk)
        return HttpResponseForbidden("Bad signature.", content_type="text/plain")
    params = parse_body(request.body)
    given = params.get("AccountSid", "")
    if given and given != SmsConfig.of(account).account_sid:
        logger.warning("sms: account %s got traffic of Twilio account %s; refused", account.pk, given)
        return HttpResponseForbidden("Wrong AccountSid.", content_type="text/plain")
    return params


def _our_number(params: dict[str, str]) -> str:
    return params.get("From" if is_status(params) else "To", "").strip()


def _delivery(account: ChannelAccount, owner: ChannelAccount, params: dict[str, str], body: bytes) -> InboundDelivery:
    return InboundDelivery(
        organization_id=account.organization_id,
        channel="sms",
        external_id=delivery_id(params)[:255],
        raw=body,
        channel_account=owner,
    )
