"""E-mail in: store the raw message for its mailbox, and later turn it into a channel-neutral message.

Every way mail arrives (the SMTP receiver, IMAP, a provider's webhook, an import) calls
``do_accept_email`` with the raw bytes and answers its sender only after it returns: the
message is stored, once per organisation (idempotent on the Message-ID). The inbound worker
parses it (``inbound_from_delivery``); what cannot be parsed into a customer's message is
kept as failed with the reason (the quarantine), raw bytes and all.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from loket.cases.models import Message
from loket.cases.receiving import CASE_NUMBER_IN_SUBJECT, InboundMessage
from loket.customers.normalize import normalize_identity
from loket.integrations.actions import Accepted, do_accept_deliveries
from loket.integrations.base import DeliveryReport, Rejected
from loket.integrations.email.parse import Bounce, message_id_of, parse_email
from loket.integrations.models import InboundDelivery, Mailbox

CASE_NUMBER_IN_ADDRESS = re.compile(r"^[^@+]+\+([a-z][a-z0-9]{0,9}-\d{4}-\d{6})@", re.IGNORECASE)


def find_mailbox(address: str) -> Mailbox | None:
    """The active mailbox for a recipient address (case-insensitive), with its organisation.

    ``service+z-2026-000123@example.nl`` is ``service@example.nl``: Loket's replies ask to be
    answered at that address (the case number after the +, see outbound.py).
    """
    return (
        Mailbox.objects.select_related("organization")
        .filter(address=_without_tag(address.strip().lower()), is_active=True)
        .first()
    )


def _without_tag(address: str) -> str:
    local, at, domain = address.partition("@")
    return local.partition("+")[0] + at + domain


def do_accept_email(mailboxes: list[Mailbox], raw: bytes) -> list[Accepted]:
    """Store a raw e-mail once for each organisation among its recipients' mailboxes."""
    message_id = message_id_of(raw)
    per_organization: dict[int, Mailbox] = {}
    for mailbox in mailboxes:
        per_organization.setdefault(mailbox.organization_id, mailbox)
    return do_accept_deliveries([_delivery(mailbox, raw, message_id) for mailbox in per_organization.values()])


def do_accept_emails(mailbox: Mailbox, raws: list[bytes]) -> list[Accepted]:
    """Store raw e-mails for one mailbox in one transaction (IMAP fetches them in chunks)."""
    return do_accept_deliveries([_delivery(mailbox, raw, message_id_of(raw)) for raw in raws])


def _delivery(mailbox: Mailbox, raw: bytes, message_id: str) -> InboundDelivery:
    return InboundDelivery(
        organization_id=mailbox.organization_id, channel="email", external_id=message_id, raw=raw, mailbox=mailbox
    )


def inbound_from_delivery(delivery: InboundDelivery) -> InboundMessage | DeliveryReport:
    """The registry's parser for channel ``email`` (see loket/integrations/registry.py).

    A bounce of one of Loket's e-mails becomes a report that marks that e-mail failed; any
    other mail (a bounce of something else too) becomes a message on a case.
    """
    inbound, bounce = _parse(delivery)
    if bounce is None:
        return inbound
    return DeliveryReport(
        channel="email",
        external_ids=bounce.original_ids,
        status=Message.Delivery.FAILED,
        error=bounce.reason(),
        fallback=inbound,
    )


def _parse(delivery: InboundDelivery) -> tuple[InboundMessage, Bounce | None]:
    parsed = parse_email(bytes(delivery.raw or b""))
    try:
        address = normalize_identity("email", parsed.from_address)
    except ValidationError:
        raise Rejected(f"the sender address {parsed.from_address!r} is not valid") from None
    mailbox = delivery.mailbox
    inbound = InboundMessage(
        channel="email",
        identity_kind="email",
        identity_value=address,
        sender_name=parsed.from_name,
        subject=parsed.subject,
        text=parsed.text,
        html=parsed.html,
        attachments=parsed.attachments,
        external_id=delivery.external_id,
        received_at=delivery.received_at,
        team_id=mailbox.team_id if mailbox is not None else None,
        # In-Reply-To first, then References from the most recent: the first known one wins.
        thread_ids=list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))[:50],
        case_number=_case_number(parsed.subject, [*parsed.to, *parsed.cc, *parsed.delivered_to]),
        automatic=parsed.automatic,
        cc=parsed.cc,
    )
    return inbound, parsed.bounce


def _case_number(subject: str, recipients: list[str]) -> str:
    """The case number in the subject, else in a recipient address (``service+z-2026-000123@…``)."""
    match = CASE_NUMBER_IN_SUBJECT.search(subject)
    if match:
        return match.group(1)
    for address in recipients:
        tagged = CASE_NUMBER_IN_ADDRESS.match(address)
        if tagged:
            return tagged.group(1).upper()
    return ""
