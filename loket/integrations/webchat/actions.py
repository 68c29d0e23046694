"""What a chat visitor does: write (with a file), give their details, read the agent's replies.

A visitor's message goes the generic inbound way: stored as a delivery (idempotent on the
widget's own id for it, so a message the browser sends twice after a dropped connection is
stored once), then put on the customer's open case at once, in the same request, so that the
visitor's screen can show it as arrived and the agent's screens hear of it within a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.cases.actions import do_add_note, do_mark_delivery
from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, IncomingAttachment
from loket.customers.models import Channel, Identity, IdentityClaim
from loket.customers.normalize import normalize_email
from loket.integrations.actions import do_accept_deliveries, do_process_delivery
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.webchat.conversation import visitor_cases, visitor_identity
from loket.integrations.webchat.visitors import identity_value

MAX_TEXT = 5000


@dataclass
class Details:
    """What the pre-chat form asked: all optional."""

    name: str = ""
    email: str = ""


def check_details(name: str, email: str) -> Details:
    name = " ".join(name.split())[:120]
    if email.strip():
        try:
            email = normalize_email(email)
        except ValidationError:
            raise ValidationError({"email": _("Vul een geldig e-mailadres in.")}) from None
    return Details(name=name, email=email.strip())


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
    if details.email:
        _offer_email(account, visitor, details.email, message)
    return message


def _offer_email(account: ChannelAccount, visitor: str, email: str, message: Message) -> None:
    """The address the visitor typed becomes theirs when nobody has it. When another customer
    has it, nothing moves by itself (anyone can type an address): a note on the case tells the
    agent, who links the visitor to that customer if it is the same person (the customer panel
    offers it: ``IdentityClaim``)."""
    identity = visitor_identity(account, visitor)
    if identity is None:
        return
    with transaction.atomic():
        taken = (
            Identity.objects.for_org(account.organization_id)
            .filter(kind=Identity.Kind.EMAIL, value=email)
            .select_related("customer")
            .first()
        )
        if taken is None:
            Identity.objects.create(
                organization_id=account.organization_id,
                customer_id=identity.customer_id,
                kind=Identity.Kind.EMAIL,
                value=email,
            )
        elif taken.customer_id != identity.customer_id:
            IdentityClaim.objects.get_or_create(
                organization_id=account.organization_id,
                customer_id=identity.customer_id,
                kind=Identity.Kind.EMAIL,
                value=email,
            )
            note = _(
                "De chatbezoeker gaf %(email)s op. Dat adres hoort bij klant %(name)s. Is het dezelfde "
                "persoon, koppel de bezoeker dan aan die klant (Koppelen aan een bestaande klant…); het "
                "gesprek gaat verder in dezelfde zaak."
            ) % {"email": email, "name": taken.customer.display_name}
            do_add_note(message.case, actor=None, text=note)


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
