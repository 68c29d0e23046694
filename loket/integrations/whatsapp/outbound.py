"""WhatsApp out: a reply from the case view, sent as a text message through the Graph API.

From the number the customer last wrote to on this case (its ``ChannelAccount``), to the
WhatsApp number they wrote from, through the one outbound HTTP seam (``loket.lib.http``).
The answer's wamid becomes the message's provider id, so the status webhooks (sent,
delivered, read, failed) find it.

Errors, by Meta's error code (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):
permanent for what this message can never get past (131047: more than 24 hours since the
customer last wrote, so only a template may be sent; 131026: the receiver cannot get it;
100/131008/131009/131051: a bad parameter or type; 131021: sending to oneself); everything
else is retried with backoff: rate limits (4, 80007, 130429, 131048, 131056), an expired or
wrong access token (190, 0: fix it in the account and the reply goes out), Meta's own errors,
no answer at all.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _

from loket.cases.models import Message
from loket.customers.models import Identity
from loket.integrations.base import ChannelAdapter, DeliveryError
from loket.integrations.models import ChannelAccount
from loket.integrations.selectors import reply_account, reply_identity
from loket.lib import http
from loket.lib.secrets import SecretUnreadable

PERMANENT_CODES = {100, 131008, 131009, 131021, 131026, 131047, 131051}
MAX_TEXT = 4096  # characters Meta takes in one text message


class WhatsAppAdapter(ChannelAdapter):
    channel = "whatsapp"
    label = "WhatsApp"

    def send(self, message: Message) -> str:
        account = _account_for(message)
        to = _recipient(message)
        if len(message.text) > MAX_TEXT:
            raise DeliveryError(
                _("Een WhatsApp-bericht is hoogstens %(max)s tekens lang.") % {"max": MAX_TEXT}, permanent=True
            )
        try:
            token = account.secret("access_token")
        except SecretUnreadable:
            raise DeliveryError(
                _("De sleutels van het WhatsApp-account moeten opnieuw worden ingevoerd."), permanent=False
            ) from None
        if not token:
            raise DeliveryError(_("Het WhatsApp-account heeft geen access token."), permanent=False)
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to.lstrip("+"),
            "type": "text",
            "text": {"body": message.text, "preview_url": False},
        }
        url = f"{settings.WHATSAPP_GRAPH_URL.rstrip('/')}/{account.external_id}/messages"
        try:
            answer = http.post(
                url,
                content=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        except http.HttpError as error:
            raise DeliveryError(str(error), permanent=False) from error
        return _wamid(answer)


def _account_for(message: Message) -> ChannelAccount:
    """The number the customer last wrote to on this case; else the organisation's only one."""
    account = reply_account(message.case, ChannelAccount.Kind.WHATSAPP)
    if account is None:
        raise DeliveryError(_("Er is geen WhatsApp-nummer gekoppeld om dit bericht van te sturen."), permanent=True)
    return account


def _recipient(message: Message) -> str:
    """The WhatsApp number the customer last wrote from on this case; else their only one."""
    identity = reply_identity(message.case, "whatsapp", Identity.Kind.WHATSAPP)
    if identity is None:
        raise DeliveryError(_("De klant heeft geen WhatsApp-nummer."), permanent=True)
    return identity.value


def _wamid(answer: http.Response) -> str:
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = {}
    if 200 <= answer.status < 300:
        messages = data.get("messages") if isinstance(data, dict) else None
        if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
            return str(messages[0]["id"])
        raise DeliveryError(f"WhatsApp answered {answer.status} without a message id", permanent=False)
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        raise DeliveryError(f"WhatsApp answered {answer.status}: {answer.body[:300]}", permanent=False)
    code = error.get("code")
    details = error.get("error_data", {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
    reason = " ".join(str(part) for part in (code, error.get("message", ""), details) if part)
    raise DeliveryError(reason[:500], permanent=code in PERMANENT_CODES and answer.status < 500)
