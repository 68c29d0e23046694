"""SMS in: a stored Twilio webhook (an incoming SMS/MMS, or a status callback) → a message on a
case, or a report on one of Loket's own messages. The registry's parser for channel ``sms``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, IncomingAttachment
from loket.customers.models import Identity
from loket.customers.normalize import normalize_identity
from loket.integrations.base import DeliveryReport, Rejected
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.sms.errors import OPTED_OUT, describe
from loket.integrations.sms.media import MediaUnavailable, download
from loket.integrations.sms.payload import TwMessage, TwStatus, parse_body, parse_params

# Twilio's MessageStatus → how far Loket's message got. "queued", "accepted", "sending" …
# say no more than Loket knows once Twilio took the message: they report on nothing.
STATUSES = {
    "sent": Message.Delivery.SENT,
    "delivered": Message.Delivery.DELIVERED,
    "read": Message.Delivery.READ,
    "undelivered": Message.Delivery.FAILED,
    "failed": Message.Delivery.FAILED,
}


def inbound_from_delivery(delivery: InboundDelivery) -> InboundMessage | DeliveryReport:
    parsed = parse_params(parse_body(bytes(delivery.raw or b"")))
    if isinstance(parsed, TwStatus):
        return _report(parsed)
    return _message(delivery, parsed)


def _message(delivery: InboundDelivery, message: TwMessage) -> InboundMessage:
    if not message.account_sid:
        raise Rejected("no AccountSid: not a Twilio webhook")
    if message.from_.startswith("whatsapp:"):
        raise Rejected("WhatsApp through Twilio is not supported (yet): connect the number to WhatsApp's Cloud API")
    kind, value = _sender(message.from_)
    account = delivery.channel_account
    attachments, missing = _media(account, message)
    text = "\n".join(part for part in (*_labels(message), message.body) if part)
    if missing:
        text = f"{text}\n" + _("[het bestand kon niet worden opgehaald: %(reason)s]") % {"reason": "; ".join(missing)}
    return InboundMessage(
        channel="sms",
        identity_kind=kind,
        identity_value=value,
        # A new case is named after the customer's own words, not "[afbeelding]".
        subject=next((line.strip()[:80] for line in message.body.splitlines() if line.strip()), ""),
        text=text.strip() or _("[leeg bericht]"),
        attachments=attachments,
        external_id=message.sid or delivery.external_id,
        received_at=delivery.received_at,
        team_id=account.team_id if account is not None else None,
    )


def _sender(number: str) -> tuple[str, str]:
    """The customer's number in E.164 (identity kind phone). A sender that is no phone number
    (an alphanumeric sender id, a short code) is kept as an external identity ``sms:<sender>``:
    stored and readable, though no SMS can answer it."""
    if not number:
        raise Rejected("an SMS without a sender (no From)")
    try:
        return Identity.Kind.PHONE, normalize_identity(Identity.Kind.PHONE, number)
    except ValidationError:
        return Identity.Kind.EXTERNAL, f"sms:{number}"[:320]


def _media(account: ChannelAccount | None, message: TwMessage) -> tuple[list[IncomingAttachment], list[str]]:
    """The MMS files, and for each one that cannot be had, why. A failure that may pass (no
    answer, Twilio's error, credentials to fix) raises: the delivery is tried again with backoff."""
    attachments, missing = [], []
    for media in message.media:
        if account is None:
            missing.append(_("geen sms-account om het mee op te halen"))
            continue
        try:
            attachments.append(download(account, media))
        except MediaUnavailable as unavailable:
            missing.append(unavailable.reason)
    return attachments, missing


def _labels(message: TwMessage) -> list[str]:
    labels = []
    for media in message.media:
        kind = media.content_type.split("/", 1)[0]
        label = {"image": _("afbeelding"), "video": _("video"), "audio": _("geluid")}.get(kind, _("bestand"))
        labels.append(f"[{label}]")
    return labels


def _report(status: TwStatus) -> DeliveryReport:
    known = STATUSES.get(status.status)
    failed = known == Message.Delivery.FAILED
    opted_out = None
    if status.error_code == OPTED_OUT and status.to:
        try:
            opted_out = (Identity.Kind.PHONE, normalize_identity(Identity.Kind.PHONE, status.to))
        except ValidationError:
            opted_out = None
    return DeliveryReport(
        channel="sms",
        external_ids=[status.sid] if known and status.sid else [],
        status=known or Message.Delivery.NONE,
        error=describe(status.error_code, status.error_message) if failed else "",
        opted_out=opted_out,
    )
