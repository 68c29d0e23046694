"""WhatsApp in: a stored webhook item (one message or one status) → a message on a case, or a
report on one of Loket's own messages. The registry's parser for channel ``whatsapp``."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, IncomingAttachment
from loket.customers.normalize import normalize_identity
from loket.integrations.base import DeliveryReport, Rejected
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.whatsapp.media import MediaUnavailable, download
from loket.integrations.whatsapp.payload import WaMessage, WaStatus, parse_webhook

STATUSES = {
    "sent": Message.Delivery.SENT,
    "delivered": Message.Delivery.DELIVERED,
    "read": Message.Delivery.READ,
    "failed": Message.Delivery.FAILED,
}


def inbound_from_delivery(delivery: InboundDelivery) -> InboundMessage | DeliveryReport:
    try:
        body = json.loads(bytes(delivery.raw or b""))
    except ValueError:
        raise Rejected("the stored webhook item is not JSON") from None
    webhook = parse_webhook(body if isinstance(body, dict) else {})
    if webhook.messages:
        return _message(delivery, webhook.messages[0])
    if webhook.statuses:
        return _report(webhook.statuses[0])
    raise Rejected("no message and no status in this webhook item")


def _message(delivery: InboundDelivery, message: WaMessage) -> InboundMessage:
    kind, value = _sender(message)
    account = delivery.channel_account
    attachments, missing = _media(account, message)
    text = _text(message)
    if missing:
        text = f"{text}\n" + _("[het bestand kon niet worden opgehaald: %(reason)s]") % {"reason": missing}
    return InboundMessage(
        channel="whatsapp",
        identity_kind=kind,
        identity_value=value,
        sender_name=message.name or message.username,
        # A new case is named after the customer's own words (a caption, not "[afbeelding]").
        subject=next((line.strip()[:80] for line in message.text.splitlines() if line.strip()), ""),
        text=text,
        attachments=attachments,
        external_id=message.id or delivery.external_id,
        received_at=message.timestamp or delivery.received_at,
        team_id=account.team_id if account is not None else None,
        # An answer to a message, a reaction, an edit: to that message's case.
        thread_ids=[tid for tid in (message.reply_to, message.reaction_to, message.refers_to) if tid],
    )


def _media(account: ChannelAccount | None, message: WaMessage) -> tuple[list[IncomingAttachment], str]:
    """The message's file from Meta, or why it cannot be had. A failure that may pass (no
    answer, Meta's error, a token to fix) raises: the delivery is tried again with backoff."""
    if message.media is None or not message.media.id:
        return [], ""
    if account is None:
        return [], _("geen WhatsApp-account om het mee op te halen")
    try:
        return [download(account, message.media)], ""
    except MediaUnavailable as unavailable:
        return [], unavailable.reason


def _sender(message: WaMessage) -> tuple[str, str]:
    """The customer's phone number; a customer WhatsApp shows only by a business-scoped user id
    (no number: WhatsApp usernames) gets an external id ``whatsapp-user:<id>``."""
    if message.from_:
        try:
            return "whatsapp", normalize_identity("whatsapp", "+" + message.from_.lstrip("+"))
        except ValidationError:
            raise Rejected(f"the sender's number {message.from_!r} is not a phone number") from None
    if message.user_id:
        return "external", f"whatsapp-user:{message.user_id}"
    raise Rejected(f"a {message.type or 'WhatsApp'} message without a sender")


def _text(message: WaMessage) -> str:
    """What the agent reads on the timeline: for media, what was sent (the file itself is an
    attachment of the message) with its caption."""
    if message.type == "reaction":
        if message.reaction_removed:
            return _("[reactie verwijderd]")
        return _("[reactie %(emoji)s]") % {"emoji": message.text}
    if message.type == "revoke":
        return _("[de klant heeft een bericht verwijderd]")
    if message.type == "system" and message.system is not None:
        return message.system.body or f"[{message.system.kind}]"
    text = message.text
    if message.media is not None:
        kind = {
            "image": _("afbeelding"),
            "audio": _("spraakbericht") if message.media.voice else _("geluid"),
            "video": _("video"),
            "document": _("document"),
            "sticker": _("sticker"),
        }.get(message.content_type, message.content_type)
        label = f"[{kind}: {message.media.filename}]" if message.media.filename else f"[{kind}]"
        text = f"{label}\n{text}" if text else label
    if message.errors and not text:
        text = _("[een bericht dat WhatsApp niet doorgeeft: %(reason)s]") % {
            "reason": "; ".join(error.title for error in message.errors)
        }
    if message.type == "edit":
        text = _("[bewerkt] %(text)s") % {"text": text}
    return text or f"[{message.type}]"


def _report(status: WaStatus) -> DeliveryReport:
    error = "; ".join(
        " ".join(str(part) for part in (error.code, error.title, error.detail) if part) for error in status.errors
    )
    known = STATUSES.get(status.status)
    # A status Loket does not track ("deleted", a new one) reports on nothing: stored, done.
    return DeliveryReport(
        channel="whatsapp",
        external_ids=[status.id] if known and status.id else [],
        status=known or Message.Delivery.NONE,
        error=error,
    )
