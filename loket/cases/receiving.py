"""Receiving: every inbound message, from every channel, onto the customer's case.

The write actions for inbound traffic (see actions.py for the others): ``InboundMessage`` is
what every channel adapter parses its traffic into; ``do_receive_messages`` stores a batch of
them (the inbound worker's path), ``do_receive_message`` one.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from loket.accounts.models import Organization
from loket.cases.actions import _default_team
from loket.cases.models import Attachment, Case, Contact, Message
from loket.cases.numbering import next_case_numbers
from loket.customers.actions import resolve_identities
from loket.customers.models import Identity
from loket.events.actions import build_event, record_events
from loket.lib.db import update_rows
from loket.lib.html import sanitize_html

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


@dataclass
class IncomingAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""  # e-mail: an image the HTML shows inline (<img src="cid:…">)


@dataclass
class InboundMessage:
    """A channel-neutral inbound message: what every channel adapter parses its traffic into."""

    channel: str
    identity_kind: str
    identity_value: str
    text: str = ""
    html: str = ""
    external_id: str = ""
    subject: str = ""
    sender_name: str = ""
    attachments: list[IncomingAttachment] = field(default_factory=list)
    received_at: datetime | None = None
    team_id: int | None = None  # the team a new case goes to (a mailbox's); else the default team
    # Threading: provider ids of earlier messages this one answers (e-mail In-Reply-To and
    # References), and a case number the customer quoted (the subject's "[Z-2026-000123]").
    thread_ids: list[str] = field(default_factory=list)
    case_number: str = ""
    # Sent by a machine (an out-of-office reply, a bounce, bulk mail): stored, but it never
    # reopens a resolved case by itself and is never answered automatically.
    automatic: bool = False
    cc: list[str] = field(default_factory=list)  # other recipients (e-mail), kept on the message

    def __post_init__(self) -> None:
        # NUL characters arrive in real traffic (broken mail, a client's bug) and PostgreSQL
        # stores none in text or JSON: drop them here, once, for every channel.
        for name in ("identity_value", "text", "html", "external_id", "subject", "sender_name"):
            value = getattr(self, name)
            if "\x00" in value:
                setattr(self, name, value.replace("\x00", ""))
        for attachment in self.attachments:
            attachment.filename = attachment.filename.replace("\x00", "")
            attachment.content_type = attachment.content_type.replace("\x00", "")
            attachment.content_id = attachment.content_id.replace("\x00", "")

    def to_payload(self) -> dict[str, Any]:
        """JSON for storing the message before it is processed (``InboundDelivery.payload``)."""
        return {
            "channel": self.channel,
            "identity_kind": self.identity_kind,
            "identity_value": self.identity_value,
            "text": self.text,
            "html": self.html,
            "external_id": self.external_id,
            "subject": self.subject,
            "sender_name": self.sender_name,
            "attachments": [
                {
                    "filename": item.filename,
                    "content_type": item.content_type,
                    "content": base64.b64encode(item.content).decode("ascii"),
                    "content_id": item.content_id,
                }
                for item in self.attachments
            ],
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "team_id": self.team_id,
            "thread_ids": self.thread_ids,
            "case_number": self.case_number,
            "automatic": self.automatic,
            "cc": self.cc,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> InboundMessage:
        fields = dict(payload)
        fields["attachments"] = [
            IncomingAttachment(
                filename=item["filename"],
                content_type=item.get("content_type") or "application/octet-stream",
                content=base64.b64decode(item["content"]),
                content_id=item.get("content_id", ""),
            )
            for item in payload.get("attachments", [])
        ]
        received_at = payload.get("received_at")
        fields["received_at"] = datetime.fromisoformat(received_at) if received_at else None
        return cls(**fields)


@dataclass
class ReceiveResult:
    message: Message
    created: bool  # False: a retry of a message stored before (the first one is returned)
    case_opened: bool = False  # this message opened its case (a first message, answered by an acknowledgement)


def _store_attachments(messages: Iterable[tuple[Message, Iterable[IncomingAttachment]]]) -> None:
    """Each attachment's file into storage, then one INSERT for all of them."""
    from loket.cases.files import content_type_of, safe_filename

    rows = []
    for message, attachments in messages:
        for item in attachments:
            attachment = Attachment(
                organization_id=message.organization_id,
                message=message,
                filename=safe_filename(item.filename),
                content_type=content_type_of(item.content, item.content_type, item.filename),
                content_id=item.content_id[:255],
                size=len(item.content),
            )
            attachment.file.save(attachment.filename, ContentFile(item.content), save=False)
            rows.append(attachment)
    Attachment.objects.bulk_create(rows)


def do_receive_message(organization: Organization, inbound: InboundMessage) -> ReceiveResult:
    """Store an inbound message in the customer's open case, or open a new case.

    Idempotent on (channel, external_id): a provider's retry returns the first message and
    creates nothing. Returns only after the message is committed, so a caller may acknowledge.
    The unique constraint decides, not a look-up first: a retry is rare, a look-up on every
    message is not, and only the constraint is safe against two deliveries at the same time.
    """
    for _attempt in range(2):
        try:
            return do_receive_messages(organization, [inbound])[0]
        except IntegrityError:
            # A retry (or a concurrent delivery) of a provider message id we already stored:
            # everything this attempt wrote is rolled back; answer with the first message.
            existing = _existing_message(organization, inbound.channel, inbound.external_id)
            if existing is not None:
                return ReceiveResult(existing, created=False)
            # Otherwise a concurrent message of the same new sender won the identity: go again.
    return do_receive_messages(organization, [inbound])[0]


def _existing_message(organization: Organization, channel: str, external_id: str) -> Message | None:
    if not external_id:
        return None
    return (
        Message.objects.for_org(organization)
        .select_related("case")
        .filter(channel=channel, external_id=external_id[:255])
        .first()
    )


def do_receive_messages(organization: Organization, inbounds: Sequence[InboundMessage]) -> list[ReceiveResult]:
    """Store a batch of inbound messages, each in its customer's open case or a new case.

    One transaction and a fixed number of queries for the whole batch: identities are
    resolved in one look-up, open cases locked in one SELECT, new cases, contacts, messages,
    attachments and events each written in one INSERT, the cases' counters in one UPDATE. A
    message whose (channel, external_id) occurs twice in the batch is stored once. Raises
    IntegrityError, with nothing written, when a message was stored before (a retry) or a
    concurrent transaction created one of the same new senders first; callers then go one by
    one (``do_receive_message``), which sorts the retries out.
    """
    if not inbounds:
        return []
    now = timezone.now()
    first_of: dict[tuple[str, str], int] = {}
    fresh: list[int] = []
    for index, inbound in enumerate(inbounds):
        key = (inbound.channel, inbound.external_id[:255])
        if inbound.external_id and key in first_of:
            continue
        first_of[key] = index
        fresh.append(index)
    with transaction.atomic():
        identities = resolve_identities(
            organization,
            [(inbounds[i].identity_kind, inbounds[i].identity_value, inbounds[i].sender_name) for i in fresh],
        )
        senders = [(inbounds[i], identity) for i, identity in zip(fresh, identities, strict=True)]
        case_for, opened = _cases_for(organization, senders)
        contacts = _open_contacts_for(
            organization,
            [(case, inbound.channel, identity) for (inbound, identity), case in zip(senders, case_for, strict=True)],
        )
        messages = Message.objects.bulk_create(
            [
                Message(
                    organization=organization,
                    case=case,
                    contact=contacts[(case.pk, inbounds[i].channel)],
                    kind=Message.Kind.INBOUND,
                    channel=inbounds[i].channel,
                    identity=identity,
                    text=inbounds[i].text,
                    html=sanitize_html(inbounds[i].html),
                    external_id=inbounds[i].external_id[:255],
                    cc=inbounds[i].cc[:50],
                    automatic=inbounds[i].automatic,
                    created_at=inbounds[i].received_at or now,
                )
                for i, identity, case in zip(fresh, identities, case_for, strict=True)
            ]
        )
        _store_attachments((message, inbounds[i].attachments) for i, message in zip(fresh, messages, strict=True))
        touched: dict[int, Case] = {}
        for message in messages:
            case = message.case
            case.last_message_at = now
            case.last_inbound_channel = message.channel
            case.message_count += 1
            if case.status == Case.Status.WAITING_CUSTOMER:
                case.status = Case.Status.OPEN
            case.updated_at = now
            touched[case.pk] = case
        # Every case here is locked: selected FOR UPDATE, or created in this transaction.
        update_rows(
            list(touched.values()),
            [
                "updated_at",
                "last_message_at",
                "last_inbound_channel",
                "message_count",
                "contact_count",
                "status",
                "resolved_at",
            ],
        )
        record_events(
            [
                build_event(
                    organization,
                    "case.message_received",
                    actor=None,
                    case=message.case,
                    data={"message_id": message.pk, "channel": message.channel, "number": message.case.number},
                )
                for message in messages
            ]
        )
    stored = dict(zip(fresh, messages, strict=True))
    results = []
    first_message_of: dict[int, int] = {}  # new case id → the index of its first message
    for index, inbound in enumerate(inbounds):
        first = first_of[(inbound.channel, inbound.external_id[:255])] if inbound.external_id else index
        message = stored[first]
        is_first = message.case_id in opened and first_message_of.setdefault(message.case_id, first) == first
        results.append(ReceiveResult(message, created=first == index, case_opened=is_first and first == index))
    return results


def _cases_for(
    organization: Organization, senders: list[tuple[InboundMessage, Identity]]
) -> tuple[list[Case], set[int]]:
    """The case (locked) each message goes to, in the order of ``senders``; and the new cases' ids.

    A message that answers an earlier one (its thread ids name a message of a case) goes to that
    case, whoever sends it: those ids are only known to who received the earlier message. A
    case number in the subject counts when the sender is that case's customer. A resolved case
    a message goes to is reopened. Otherwise: the customer's open case, or a new case.
    """
    threaded = _threaded_case_ids(organization, senders)
    customer_ids = {identity.customer_id for _inbound, identity in senders}
    case_of: dict[int, Case] = {}
    by_id: dict[int, Case] = {}
    # Locked in primary-key order, as every transaction that locks several cases does, so that
    # two workers with overlapping batches wait for each other instead of deadlocking.
    for case in (
        Case.objects.for_org(organization)
        .select_for_update()
        .filter(
            Q(customer_id__in=customer_ids, status__in=Case.OPEN_STATUSES)
            | Q(pk__in=set(threaded.values()), status__in=[*Case.OPEN_STATUSES, Case.Status.RESOLVED])
        )
        .order_by("pk")
    ):
        by_id[case.pk] = case
        if case.status in Case.OPEN_STATUSES:
            latest = case_of.get(case.customer_id)
            if latest is None or case.updated_at >= latest.updated_at:
                case_of[case.customer_id] = case
    chosen: dict[int, Case] = {}
    reopened: list[Case] = []
    for index, (inbound, _identity) in enumerate(senders):
        case = by_id.get(threaded.get(index, 0))
        if case is not None:
            if case.status == Case.Status.RESOLVED and not inbound.automatic:
                case.status = Case.Status.OPEN
                case.resolved_at = None
                reopened.append(case)
            chosen[index] = case
    record_events(
        [
            build_event(organization, "case.reopened", actor=None, case=case, data={"number": case.number})
            for case in reopened
        ]
    )
    new_cases = _new_cases(organization, senders, case_of, chosen)
    cases = [
        chosen.get(index) or case_of.get(identity.customer_id) or new_cases[identity.customer_id]
        for index, (_inbound, identity) in enumerate(senders)
    ]
    return cases, {case.pk for case in new_cases.values()}


CASE_NUMBER_IN_SUBJECT = re.compile(r"\[([A-Z][A-Z0-9]{0,9}-\d{4}-\d{6})\]")


def _threaded_case_ids(organization: Organization, senders: list[tuple[InboundMessage, Identity]]) -> dict[int, int]:
    """Sender index → the id of the case its thread ids or quoted case number point to."""
    thread_ids = {tid for inbound, _identity in senders for tid in inbound.thread_ids}
    numbers = {inbound.case_number for inbound, _identity in senders if inbound.case_number}
    by_thread: dict[str, int] = {}
    if thread_ids:
        by_thread = dict(
            Message.objects.for_org(organization)
            .filter(external_id__in=thread_ids)
            .values_list("external_id", "case_id")
        )
    by_number: dict[str, tuple[int, int]] = {}
    if numbers:
        by_number = {
            number: (pk, customer_id)
            for pk, number, customer_id in Case.objects.for_org(organization)
            .filter(number__in=numbers)
            .values_list("pk", "number", "customer_id")
        }
    result: dict[int, int] = {}
    for index, (inbound, identity) in enumerate(senders):
        # The most recent reference first: In-Reply-To, then References from the end.
        for tid in inbound.thread_ids:
            if tid in by_thread:
                result[index] = by_thread[tid]
                break
        else:
            found = by_number.get(inbound.case_number)
            if found is not None and found[1] == identity.customer_id:
                result[index] = found[0]
    return result


def _new_cases(
    organization: Organization,
    senders: list[tuple[InboundMessage, Identity]],
    case_of: dict[int, Case],
    chosen: dict[int, Case],
) -> dict[int, Case]:
    """Customer id → a new case, for customers with a message that has no case to go to."""
    first_messages: dict[int, InboundMessage] = {}
    for index, (inbound, identity) in enumerate(senders):
        if index not in chosen and identity.customer_id not in case_of:
            first_messages.setdefault(identity.customer_id, inbound)
    if not first_messages:
        return {}
    default_team = _default_team(organization)
    numbers = next_case_numbers(organization, len(first_messages))
    new_cases = Case.objects.bulk_create(
        [
            Case(
                organization=organization,
                number=number,
                subject=_subject_of(inbound),
                status=Case.Status.NEW,
                customer_id=customer_id,
                team_id=inbound.team_id or default_team.pk,
                **({"created_at": inbound.received_at} if inbound.received_at is not None else {}),
            )
            for (customer_id, inbound), number in zip(first_messages.items(), numbers, strict=True)
        ]
    )
    record_events(
        [
            build_event(
                organization,
                "case.opened",
                actor=None,
                case=case,
                data={"number": case.number, "subject": case.subject, "owner_id": None, "team_id": case.team_id},
                at=inbound.received_at,
            )
            for case, inbound in zip(new_cases, first_messages.values(), strict=True)
        ]
    )
    return {case.customer_id: case for case in new_cases}


def _subject_of(inbound: InboundMessage) -> str:
    subject = inbound.subject or (inbound.text.strip().splitlines() or [""])[0][:80]
    return (subject.strip() or "(geen onderwerp)")[:250]


def _open_contacts_for(
    organization: Organization, wanted: list[tuple[Case, str, Identity]]
) -> dict[tuple[int, str], Contact]:
    """(case id, channel) → the running inbound contact, or a new one counted on its case.

    The caller holds the cases locked and saves ``contact_count`` with its other changes.
    """
    contacts: dict[tuple[int, str], Contact] = {}
    for contact in Contact.objects.filter(
        case_id__in={case.pk for case, _channel, _identity in wanted}, ended_at__isnull=True
    ).order_by("-started_at", "-pk"):
        contacts.setdefault((contact.case_id, contact.channel), contact)
    new: list[Contact] = []
    for case, channel, identity in wanted:
        if (case.pk, channel) in contacts:
            continue
        contact = Contact(
            organization=organization,
            case=case,
            channel=channel,
            direction=Contact.Direction.INBOUND,
            identity=identity,
            handled_by_id=case.owner_id,
        )
        contacts[(case.pk, channel)] = contact
        case.contact_count += 1
        new.append(contact)
    Contact.objects.bulk_create(new)
    return contacts
