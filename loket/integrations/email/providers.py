"""E-mail from providers' inbound webhooks (Mailgun, Postmark, SendGrid), through django-anymail.

``POST /inbound/email/<provider>/`` is anymail's inbound view for that provider: it checks the
request (Mailgun's HMAC signature with ``ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY``; HTTP basic auth
with ``ANYMAIL_WEBHOOK_SECRET`` for every provider) and parses the payload into a message, which
the receiver below stores raw for the mailbox of its recipient (``do_accept_email``, the same
path as the SMTP receiver). Only then does the provider get its 200; anything else makes it
retry later. Answers:

- 403 and nothing stored: a forged request (bad signature or credentials);
- 404: the provider is not configured here (no secret set: Loket refuses unauthenticated
  webhooks, where anymail would only warn), or no active mailbox has the recipient's address
  (the provider retries, so mail arrives once the mailbox is added).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from anymail.exceptions import AnymailNotSupportedWarning, AnymailWebhookValidationFailure
from anymail.inbound import AnymailInboundMessage
from anymail.signals import inbound
from anymail.webhooks.base import AnymailCoreWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from loket.integrations.email.inbound import do_accept_email, find_mailbox

logger = logging.getLogger(__name__)

PROVIDERS: dict[str, type[AnymailCoreWebhookView]] = {
    "mailgun": MailgunInboundWebhookView,
    "postmark": PostmarkInboundWebhookView,
    "sendgrid": SendGridInboundWebhookView,
}


class UnknownMailbox(Exception):
    pass


def configured(provider: str) -> bool:
    """Loket takes a provider's webhook only when it can tell a forged one from a real one."""
    anymail = getattr(settings, "ANYMAIL", {})
    if provider == "mailgun":
        return bool(anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY"))
    return bool(anymail.get("WEBHOOK_SECRET"))


@csrf_exempt
@require_POST
def provider_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    view_class = PROVIDERS.get(provider)
    if view_class is None or not configured(provider):
        return HttpResponse("Unknown or unconfigured e-mail provider.\n", status=404, content_type="text/plain")
    try:
        with warnings.catch_warnings():
            # anymail 15 no longer supports SendGrid officially; its inbound parse still works
            # (tested here with SendGrid's documented raw payload).
            warnings.simplefilter("ignore", AnymailNotSupportedWarning)
            response: HttpResponse = view_class.as_view()(request)
    except AnymailWebhookValidationFailure as failure:
        logger.warning("inbound e-mail webhook from %s refused: %s", provider, failure)
        return HttpResponse("Forbidden: the request's signature or credentials do not match.\n", status=403)
    except UnknownMailbox as unknown:
        return HttpResponse(f"No mailbox here for {unknown}.\n", status=404, content_type="text/plain")
    return response


def store_inbound(sender: object, event: Any, esp_name: str, **kwargs: Any) -> None:
    """anymail's inbound signal: store the raw message for its recipients' mailboxes."""
    message: AnymailInboundMessage = event.message
    recipients = [message.envelope_recipient] if message.envelope_recipient else []
    recipients += [address.addr_spec for address in [*message.to, *message.cc]]
    mailboxes = [mailbox for address in recipients if (mailbox := find_mailbox(address)) is not None]
    if not mailboxes:
        raise UnknownMailbox(", ".join(recipients) or "(no recipient)")
    do_accept_email(mailboxes, _raw(message))


def _raw(message: AnymailInboundMessage) -> bytes:
    try:
        return message.as_bytes()
    except (UnicodeError, ValueError, LookupError):  # a header Python cannot serialise again
        return message.as_string().encode("utf-8", errors="surrogateescape")


inbound.connect(store_inbound, dispatch_uid="loket.email.store_inbound")
