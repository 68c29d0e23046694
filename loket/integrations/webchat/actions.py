"""What a chat visitor does: write (with a file), give their details, read the agent's replies,
and leave a message when nobody can chat.

A visitor's message goes the generic inbound way: stored as a delivery (idempotent on the
widget's own id for it, so a message the browser sends twice after a dropped connection is
stored once), then put on the customer's open case at once, in the same request, so that the
visitor's screen can show it as arrived and the agent's screens hear of it within a second.
A left message goes the same way and is then marked (``LeftMessage``) so that the answer goes
out by e-mail or SMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.cases.actions import do_add_note, do_mark_delivery
from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, IncomingAttachment
from loket.customers.actions import do_update_customer
from loket.customers.models import Channel, Identity, IdentityClaim
from loket.customers.normalize import normalize_email, normalize_phone
from loket.integrations.actions import do_accept_deliveries, do_process_delivery
from loket.integrations.models import ChannelAccount, InboundDelivery, LeftMessage
from loket.integrations.webchat.conversation import visitor_cases, visitor_identity
from loket.integrations.webchat.visitors import identity_value

MAX_TEXT = 5000


@dataclass
class Details:
    """What the pre-chat form asked (all optional), or the leave-a-message form."""

    name: str = ""
    email: str = ""
    phone: str = ""  # E.164


def check_details(name: str, email: str, phone: str = "") -> Details:
    name = " ".join(name.split())[:120]
    if email.strip():
        try:
            email = normalize_email(email)
        except ValidationError:
            raise ValidationError({"email": _("Vul een geldig e-mailadres in.")}) from None
    if phone.strip():
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            raise ValidationError({"phone": _("Vul een geldig telefoonnummer in.")}) from None
    return Details(name=name, email=email.strip(), phone=phone.strip())


def do_receive_chat_message(
    account: ChannelAccount,
    visitor: str,
    *,
    client_id: str,
    text: str = "",
    details: Details | None = None,
    attachments: list[IncomingAttachment] | None = None,
) -> Message:
    """Store what the visitor wrote on their case; returns the message (also for a retry)."""
    text = text.strip()
    if not text and not attachments:
        raise ValidationError({"text": _("Een bericht mag niet leeg zijn.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("Een bericht mag hoogstens %(n)s tekens hebben.") % {"n": MAX_TEXT}})
    if not client_id or len(client_id) > 64:
        raise ValidationError({"client_id": _("Elk bericht heeft een eigen id (hoogstens 64 tekens).")})
    details = details or Details()
    inbound = InboundMessage(
        channel=Channel.CHAT,
        identity_kind=Identity.Kind.EXTERNAL,
        identity_value=identity_value(visitor),
        text=text,
        external_id=f"chat:{visitor}:{client_id}",
        sender_name=details.name,
        attachments=attachments or [],
        team_id=account.team_id,
        received_at=timezone.now(),
    )
    delivery = InboundDelivery(
        organization_id=account.organization_id,
        channel=Channel.CHAT,
        external_id=inbound.external_id,
        payload=inbound.to_payload(),
        channel_account=account,
    )
    accepted = do_accept_deliveries([delivery])[0].delivery
    processed = do_process_delivery(accepted) or accepted
    if processed.status == InboundDelivery.Status.FAILED:
        raise ValidationError(_("Het bericht kon niet worden opgeslagen: %(reason)s") % {"reason": processed.error})
    if processed.message is None:
        # A worker holds it (it claimed the delivery first); it lands within moments.
        processed.refresh_from_db()
    message = processed.message
    if message is None:
        raise ValidationError(_("Het bericht wordt nog verwerkt; probeer het zo opnieuw."))
    for kind, value in ((Identity.Kind.EMAIL, details.email), (Identity.Kind.PHONE, details.phone)):
        if value:
            _offer_identity(account, visitor, kind, value, message)
    return message


def _offer_identity(account: ChannelAccount, visitor: str, kind: str, value: str, message: Message) -> None:
    """The address or number the visitor typed becomes theirs when nobody has it. When another
    customer has it, nothing moves by itself (anyone can type an address): a note on the case
    tells the agent, who links the visitor to that customer if it is the same person (the
    customer panel offers it: ``IdentityClaim``)."""
    identity = visitor_identity(account, visitor)
    if identity is None:
        return
    with transaction.atomic():
        taken = (
            Identity.objects.for_org(account.organization_id)
            .filter(kind=kind, value=value)
            .select_related("customer")
            .first()
        )
        if taken is None:
            Identity.objects.create(
                organization_id=account.organization_id,
                customer_id=identity.customer_id,
                kind=kind,
                value=value,
            )
        elif taken.customer_id != identity.customer_id:
            IdentityClaim.objects.get_or_create(
                organization_id=account.organization_id,
                customer_id=identity.customer_id,
                kind=kind,
                value=value,
            )
            with translation.override(settings.LANGUAGE_CODE):  # for the agents, whatever the visitor reads
                note = _(
                    "De chatbezoeker gaf %(email)s op. Dat adres hoort bij klant %(name)s. Is het dezelfde "
                    "persoon, koppel de bezoeker dan aan die klant (Koppelen aan een bestaande klant…); het "
                    "gesprek gaat verder in dezelfde zaak."
                ) % {"email": value, "name": taken.customer.display_name}
            do_add_note(message.case, actor=None, text=note)


# --- Leaving a message --------------------------------------------------------------------------


def check_left_message(name: str, email: str, phone: str, text: str, *, sms: bool) -> tuple[Details, str]:
    """The leave-a-message form: a question, and an e-mail address or (where the organisation
    texts) a mobile number to answer it at. Every problem is named on its field."""
    errors: dict[str, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = _("Schrijf uw vraag.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("Een bericht mag hoogstens %(n)s tekens hebben.") % {"n": MAX_TEXT}
    details = Details(name=" ".join(name.split())[:120])
    if email.strip():
        try:
            details.email = normalize_email(email)
        except ValidationError:
            errors["email"] = _("Vul een geldig e-mailadres in.")
    if phone.strip():
        if not sms:
            errors["phone"] = _("We kunnen hier niet per sms antwoorden; vul een e-mailadres in.")
        else:
            try:
                details.phone = normalize_phone(phone)
            except ValidationError:
                errors["phone"] = _("Vul een geldig mobiel nummer in.")
            else:
                if not _is_mobile(details.phone):
                    errors["phone"] = _("Dit is geen mobiel nummer: een sms kan er niet heen.")
    if not email.strip() and not phone.strip():
        errors["email"] = (
            _("Vul een e-mailadres of mobiel nummer in, zodat we kunnen antwoorden.")
            if sms
            else _("Vul een e-mailadres in, zodat we kunnen antwoorden.")
        )
    if errors:
        raise ValidationError(errors)
    return details, text


def _is_mobile(e164: str) -> bool:
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def do_leave_message(
    account: ChannelAccount, visitor: str, *, client_id: str, text: str, details: Details, reason: str
) -> Message:
    """Store the visitor's question on their case like any chat message, then mark it left: the
    customer prefers the channel given (e-mail when both were), the reply goes out on it, and a
    note tells the agent. A retry of the same message (same ``client_id``) changes nothing."""
    message = do_receive_chat_message(account, visitor, client_id=client_id, text=text, details=details)
    reply_by, address = (Channel.EMAIL, details.email) if details.email else (Channel.SMS, details.phone)
    with transaction.atomic():
        left, created = LeftMessage.objects.get_or_create(
            message=message,
            defaults={
                "organization_id": account.organization_id,
                "account": account,
                "reply_by": reply_by,
                "address": address,
                "reason": reason,
            },
        )
        if created:
            case = message.case
            do_update_customer(case.customer, actor=None, preferred_channel=reply_by)
            with translation.override(settings.LANGUAGE_CODE):  # for the agents, whatever the visitor reads
                wanted = (
                    _("De bezoeker wil antwoord per e-mail: %(address)s.")
                    if reply_by == Channel.EMAIL
                    else _("De bezoeker wil antwoord per sms: %(address)s.")
                )
                note = " ".join(
                    [
                        _("Bericht achtergelaten in de chat (%(reason)s).") % {"reason": left.get_reason_display()},
                        wanted % {"address": address},
                    ]
                )
            do_add_note(case, actor=None, text=note)
    return message


def do_mark_read(account: ChannelAccount, visitor: str, up_to: int) -> int:
    """The visitor saw the agent's replies up to message ``up_to``: each becomes 'read'."""
    cases = visitor_cases(account, visitor)
    unread = (
        Message.objects.filter(
            organization_id=account.organization_id,
            case_id__in=list(cases),
            kind=Message.Kind.OUTBOUND,
            channel=Channel.CHAT,
            pk__lte=up_to,
        )
        .exclude(delivery_status__in=[Message.Delivery.READ, Message.Delivery.FAILED])
        .select_related("case__organization")
    )
    marked = 0
    for message in unread:
        do_mark_delivery(message, Message.Delivery.READ)
        marked += 1
    return marked
