"""Every write on cases, contacts, messages and handovers.

``do_*`` functions change state without permission checks (tasks, channel adapters, tests);
``check_*`` functions validate the actor's permission first and are what views and the API call.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Organization, Team, User
from loket.cases.models import Attachment, Case, Contact, Handover, Message, Tag
from loket.cases.numbering import next_case_number, next_case_numbers
from loket.customers.actions import resolve_identities
from loket.customers.models import Channel, Customer, Identity
from loket.events.actions import build_event, record_event, record_events
from loket.lib.db import update_rows
from loket.lib.html import sanitize_html

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

logger = logging.getLogger(__name__)

IDENTITY_KIND_FOR_CHANNEL = {
    Channel.EMAIL: Identity.Kind.EMAIL,
    Channel.PHONE: Identity.Kind.PHONE,
    Channel.SMS: Identity.Kind.PHONE,
    Channel.WHATSAPP: Identity.Kind.WHATSAPP,
    Channel.SOCIAL: Identity.Kind.SOCIAL,
}


@dataclass
class IncomingAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


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
            )
            for item in payload.get("attachments", [])
        ]
        received_at = payload.get("received_at")
        fields["received_at"] = datetime.fromisoformat(received_at) if received_at else None
        return cls(**fields)


@dataclass
class ReceiveResult:
    message: Message
    created: bool


def require_writer(membership: Membership) -> None:
    if not membership.can_write:
        raise PermissionDenied(_("Alleen-lezen: deze rol mag niets wijzigen."))


def _default_team(organization: Organization) -> Team:
    if organization.default_team_id is not None:
        return organization.default_team  # type: ignore[return-value]
    team = Team.objects.for_org(organization).order_by("pk").first()
    if team is None:
        team = Team.objects.create(organization=organization, name="Algemeen")
    return team


def _touch(case: Case, *, fields: Iterable[str] = ()) -> None:
    case.updated_at = timezone.now()
    case.save(update_fields=["updated_at", *fields])


# --- Opening a case ----------------------------------------------------------------------------


def do_open_case(
    organization: Organization,
    customer: Customer,
    *,
    subject: str,
    actor: User | None,
    owner: User | None = None,
    team: Team | None = None,
    priority: str = Case.Priority.NORMAL,
    reason: str = "",
    tags: list[str] | None = None,
    opened_at: datetime | None = None,
) -> Case:
    """Open a case for a customer. Without an owner it waits in a team's queue.

    ``opened_at`` is when the customer's first message arrived, when that was earlier than
    now (an imported or delayed message): the case and its "opened" event carry that time,
    so the timeline starts where the customer started.
    """
    if customer.organization_id != organization.pk:
        raise ValidationError(_("De klant hoort niet bij deze organisatie."))
    with transaction.atomic():
        case = Case.objects.create(
            organization=organization,
            number=next_case_number(organization),
            subject=(subject.strip() or "(geen onderwerp)")[:250],
            status=Case.Status.OPEN if owner else Case.Status.NEW,
            priority=priority,
            reason=reason,
            customer=customer,
            owner=owner,
            team=team if (team or owner) else _default_team(organization),
            **({"created_at": opened_at} if opened_at is not None else {}),
        )
        if tags:
            case.tags.set(_tags(organization, tags))
        record_event(
            organization,
            "case.opened",
            actor=actor,
            case=case,
            data={"number": case.number, "subject": case.subject, "owner_id": case.owner_id, "team_id": case.team_id},
            at=opened_at,
        )
    return case


def check_open_case(
    membership: Membership,
    customer: Customer,
    *,
    subject: str,
    owner: User | None = None,
    assign_to_actor: bool = True,
    **kwargs: object,
) -> Case:
    """Open a case; without ``owner`` the actor owns it (the desk), or, with
    ``assign_to_actor=False`` (the API), it waits in the team's queue."""
    require_writer(membership)
    if not subject.strip():
        raise ValidationError({"subject": _("Geef de zaak een onderwerp.")})
    if customer.organization_id != membership.organization_id:
        raise PermissionDenied
    return do_open_case(
        membership.organization,
        customer,
        subject=subject,
        actor=membership.user,
        owner=owner or (membership.user if assign_to_actor else None),
        **kwargs,  # type: ignore[arg-type]
    )


def _tags(organization: Organization, names: Iterable[str]) -> list[Tag]:
    result = []
    for name in {n.strip().lower()[:60] for n in names if n.strip()}:
        tag, _created = Tag.objects.get_or_create(organization=organization, name=name)
        result.append(tag)
    return result


# --- Receiving --------------------------------------------------------------------------------


def _lock_counters(case: Case) -> None:
    """Lock the case row and load its current counters, so increments in Python are exact."""
    row = Case.objects.select_for_update().values("message_count", "contact_count", "handover_count").get(pk=case.pk)
    for name, value in row.items():
        setattr(case, name, value)


def _open_contact(case: Case, channel: str, direction: str, *, identity: Identity | None, user: User | None) -> Contact:
    """The running contact on this channel, or a new one.

    A new contact is counted on ``case.contact_count`` in memory only: the caller holds the
    case row locked and saves ``contact_count`` with its other changes (one UPDATE).
    """
    contact = case.contacts.filter(channel=channel, ended_at__isnull=True).order_by("-started_at").first()
    if contact is None:
        contact = Contact.objects.create(
            organization_id=case.organization_id,
            case=case,
            channel=channel,
            direction=direction,
            identity=identity,
            handled_by_id=user.pk if user is not None else case.owner_id,
        )
        case.contact_count += 1
    return contact


def _store_attachments(message: Message, attachments: Iterable[IncomingAttachment]) -> None:
    from loket.cases.files import safe_filename

    for item in attachments:
        attachment = Attachment(
            organization_id=message.organization_id,
            message=message,
            filename=safe_filename(item.filename),
            content_type=item.content_type[:150] or "application/octet-stream",
            size=len(item.content),
        )
        attachment.file.save(attachment.filename, ContentFile(item.content), save=False)
        attachment.save()


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

    One transaction and a fixed number of queries for the whole batch (plus one per
    attachment): identities are resolved in one look-up, open cases locked in one SELECT,
    new cases, contacts, messages and events each written in one INSERT, the cases' counters
    in one UPDATE. A message whose (channel, external_id) occurs twice in the batch is stored
    once. Raises IntegrityError, with nothing written, when a message was stored before (a
    retry) or a concurrent transaction created one of the same new senders first; callers
    then go one by one (``do_receive_message``), which sorts the retries out.
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
        case_for = _cases_for(organization, senders)
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
                    created_at=inbounds[i].received_at or now,
                )
                for i, identity, case in zip(fresh, identities, case_for, strict=True)
            ]
        )
        touched: dict[int, Case] = {}
        for i, message in zip(fresh, messages, strict=True):
            _store_attachments(message, inbounds[i].attachments)
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
    for index, inbound in enumerate(inbounds):
        first = first_of[(inbound.channel, inbound.external_id[:255])] if inbound.external_id else index
        results.append(ReceiveResult(stored[first], created=first == index))
    return results


def _cases_for(organization: Organization, senders: list[tuple[InboundMessage, Identity]]) -> list[Case]:
    """The case (locked) each message goes to, in the order of ``senders``.

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
    return [
        chosen.get(index) or case_of.get(identity.customer_id) or new_cases[identity.customer_id]
        for index, (_inbound, identity) in enumerate(senders)
    ]


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


# --- Replying and notes -----------------------------------------------------------------------


def check_reply(membership: Membership, case: Case, *, text: str, channel: str = "") -> Message:
    require_writer(membership)
    if not text.strip():
        raise ValidationError({"text": _("Een antwoord mag niet leeg zijn.")})
    if channel and channel not in Channel.values:
        raise ValidationError({"channel": _("Onbekend kanaal %(channel)s.") % {"channel": repr(channel)}})
    if case.customer.is_deceased:
        raise ValidationError(
            _(
                "Deze klant is overleden: een bericht aan de klant zelf wordt niet verstuurd. "
                "Schrijf de nabestaande aan."
            )
        )
    return do_reply(case, actor=membership.user, text=text, channel=channel)


def do_reply(case: Case, *, actor: User | None, text: str, channel: str = "", html: str = "") -> Message:
    """An outbound message to the customer, on the channel they last used unless chosen.

    The message is stored as queued and handed to the channel's adapter after commit; it ends
    as sent or as visibly failed, never silently dropped.
    """
    channel = channel or case.last_inbound_channel or case.customer.preferred_channel or Channel.EMAIL
    with transaction.atomic():
        _lock_counters(case)
        contact = _open_contact(case, channel, Contact.Direction.OUTBOUND, identity=None, user=actor)
        message = Message.objects.create(
            organization_id=case.organization_id,
            case=case,
            contact=contact,
            kind=Message.Kind.OUTBOUND,
            channel=channel,
            author=actor,
            text=text,
            html=sanitize_html(html),
            delivery_status=Message.Delivery.QUEUED,
        )
        update = ["last_message_at", "message_count", "contact_count"]
        case.last_message_at = message.created_at
        case.message_count += 1
        if case.status in (Case.Status.NEW, Case.Status.OPEN):
            case.status = Case.Status.WAITING_CUSTOMER
            update.append("status")
        _touch(case, fields=update)
        record_event(
            case.organization,
            "case.reply_sent",
            actor=actor,
            case=case,
            data={"message_id": message.pk, "channel": channel, "number": case.number},
        )
        transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


def _enqueue_delivery(message_id: int) -> None:
    from loket.cases.tasks import deliver_message

    deliver_message.enqueue(message_id)


def check_add_note(membership: Membership, case: Case, *, text: str) -> Message:
    require_writer(membership)
    if not text.strip():
        raise ValidationError({"text": _("Een notitie mag niet leeg zijn.")})
    return do_add_note(case, actor=membership.user, text=text)


def do_add_note(case: Case, *, actor: User | None, text: str) -> Message:
    with transaction.atomic():
        _lock_counters(case)
        message = Message.objects.create(
            organization_id=case.organization_id,
            case=case,
            kind=Message.Kind.NOTE,
            channel=Channel.API if actor is None else (case.last_inbound_channel or Channel.EMAIL),
            author=actor,
            text=text,
        )
        case.message_count += 1
        _touch(case, fields=["message_count"])
        record_event(case.organization, "case.note_added", actor=actor, case=case, data={"message_id": message.pk})
    return message


def do_mark_delivery(message: Message, status: str, error: str = "") -> Message:
    """Record what the channel reported for an outbound message (sent, delivered, failed)."""
    Message.objects.filter(pk=message.pk).update(delivery_status=status, delivery_error=error[:2000])
    message.delivery_status = status
    message.delivery_error = error
    with transaction.atomic():
        record_event(
            message.case.organization,
            "case.delivery_updated",
            actor=None,
            case=message.case,
            data={"message_id": message.pk, "status": status, "error": error[:500]},
        )
    return message


# --- Ownership --------------------------------------------------------------------------------


def check_hand_over(
    membership: Membership,
    case: Case,
    *,
    to_user: User | None = None,
    to_team: Team | None = None,
    reason: str,
    note: str = "",
) -> Handover:
    require_writer(membership)
    errors = {}
    if to_user is None and to_team is None:
        errors["to_user"] = _("Kies een collega of een team.")
    if reason not in Handover.Reason.values:
        errors["reason"] = _("Kies een reden voor de overdracht.")
    if reason == Handover.Reason.OTHER and not note.strip():
        errors["note"] = _("Licht de reden toe.")
    if to_user is not None and to_user.pk == case.owner_id and to_team is None:
        errors["to_user"] = _("Deze collega is al eigenaar.")
    if (
        to_user is not None
        and not to_user.memberships.filter(organization_id=case.organization_id, is_active=True)
        .exclude(role="viewer")
        .exists()
    ):
        errors["to_user"] = _("Deze collega kan geen zaken behandelen.")
    if to_team is not None and to_team.organization_id != case.organization_id:
        errors["to_team"] = _("Onbekend team.")
    if errors:
        raise ValidationError(errors)
    return do_hand_over(case, actor=membership.user, to_user=to_user, to_team=to_team, reason=reason, note=note)


def do_hand_over(
    case: Case,
    *,
    actor: User | None,
    to_user: User | None = None,
    to_team: Team | None = None,
    reason: str,
    note: str = "",
) -> Handover:
    """Change the one owner. To a team alone, the case waits unassigned in that team's queue."""
    with transaction.atomic():
        _lock_counters(case)
        handover = Handover.objects.create(
            organization_id=case.organization_id,
            case=case,
            from_user_id=case.owner_id,
            to_user=to_user,
            to_team=to_team,
            reason=reason,
            note=note.strip(),
            actor=actor,
        )
        from_user_id = case.owner_id
        case.owner = to_user
        if to_team is not None:
            case.team = to_team
        elif case.team_id is None:
            case.team = _default_team(case.organization)
        case.handover_count += 1
        _touch(case, fields=["owner", "team", "handover_count"])
        # The next contact is handled by the new owner.
        case.contacts.filter(ended_at__isnull=True).update(handled_by=to_user)
        record_event(
            case.organization,
            "case.handed_over",
            actor=actor,
            case=case,
            data={
                "handover_id": handover.pk,
                "from_user_id": from_user_id,
                "to_user_id": to_user.pk if to_user else None,
                "to_user": to_user.display_name if to_user else None,
                "to_team_id": to_team.pk if to_team else None,
                "to_team": to_team.name if to_team else None,
                "reason": reason,
                "note": handover.note,
            },
        )
    return handover


def check_take_case(membership: Membership, case: Case) -> Case:
    """Take an unassigned case from the team queue. Not a handover: nobody owned it."""
    require_writer(membership)
    if case.owner_id is not None:
        raise ValidationError(_("Deze zaak heeft al een eigenaar; vraag om een overdracht."))
    with transaction.atomic():
        case.owner = membership.user
        fields = ["owner"]
        if case.status == Case.Status.NEW:
            case.status = Case.Status.OPEN
            fields.append("status")
        _touch(case, fields=fields)
        record_event(
            case.organization, "case.assigned", actor=membership.user, case=case, data={"owner_id": case.owner_id}
        )
    return case


# --- Status -----------------------------------------------------------------------------------


def check_change_status(membership: Membership, case: Case, status: str) -> Case:
    require_writer(membership)
    if status not in Case.Status.values:
        raise ValidationError({"status": _("Onbekende status %(status)s.") % {"status": repr(status)}})
    if status == Case.Status.RESOLVED:
        return do_resolve_case(case, actor=membership.user)
    if case.status in Case.DONE_STATUSES and status in Case.OPEN_STATUSES:
        return do_reopen_case(case, actor=membership.user, status=status)
    return do_change_status(case, status, actor=membership.user)


def do_change_status(case: Case, status: str, *, actor: User | None) -> Case:
    if case.status == status:
        return case
    with transaction.atomic():
        old = case.status
        case.status = status
        _touch(case, fields=["status"])
        record_event(case.organization, "case.status_changed", actor=actor, case=case, data={"from": old, "to": status})
    return case


def do_resolve_case(case: Case, *, actor: User | None) -> Case:
    """Resolve the case and end its running contacts (each ended contact is countable)."""
    if case.status == Case.Status.RESOLVED:
        return case
    with transaction.atomic():
        now = timezone.now()
        case.status = Case.Status.RESOLVED
        case.resolved_at = now
        _touch(case, fields=["status", "resolved_at"])
        case.contacts.filter(ended_at__isnull=True).update(ended_at=now)
        record_event(
            case.organization,
            "case.resolved",
            actor=actor,
            case=case,
            data={
                "number": case.number,
                "contacts": case.contact_count,
                "handovers": case.handover_count,
                "first_contact_resolution": case.first_contact_resolution,
            },
        )
    return case


def check_resolve_case(membership: Membership, case: Case) -> Case:
    require_writer(membership)
    return do_resolve_case(case, actor=membership.user)


def check_reopen_case(membership: Membership, case: Case) -> Case:
    require_writer(membership)
    if case.status not in Case.DONE_STATUSES:
        raise ValidationError({"status": _("Deze zaak is niet opgelost of gesloten.")})
    return do_reopen_case(case, actor=membership.user)


def do_reopen_case(case: Case, *, actor: User | None, status: str = Case.Status.OPEN) -> Case:
    with transaction.atomic():
        case.status = status
        case.resolved_at = None
        _touch(case, fields=["status", "resolved_at"])
        record_event(case.organization, "case.reopened", actor=actor, case=case, data={"number": case.number})
    return case


def check_update_case(
    membership: Membership,
    case: Case,
    *,
    subject: str | None = None,
    priority: str | None = None,
    reason: str | None = None,
    tags: list[str] | None = None,
) -> Case:
    require_writer(membership)
    if subject is not None and not subject.strip():
        raise ValidationError({"subject": _("Het onderwerp mag niet leeg zijn.")})
    if priority is not None and priority not in Case.Priority.values:
        raise ValidationError({"priority": _("Onbekende prioriteit %(priority)s.") % {"priority": repr(priority)}})
    return do_update_case(case, actor=membership.user, subject=subject, priority=priority, reason=reason, tags=tags)


def do_update_case(
    case: Case,
    *,
    actor: User | None,
    subject: str | None = None,
    priority: str | None = None,
    reason: str | None = None,
    tags: list[str] | None = None,
) -> Case:
    changed: dict[str, object] = {}
    with transaction.atomic():
        for name, value in (("subject", subject), ("priority", priority), ("reason", reason)):
            if value is not None and getattr(case, name) != value.strip():
                changed[name] = value.strip()
                setattr(case, name, value.strip())
        if tags is not None:
            new = _tags(case.organization, tags)
            old_names = sorted(t.name for t in case.tags.all())
            new_names = sorted(t.name for t in new)
            if old_names != new_names:
                case.tags.set(new)
                changed["tags"] = new_names
        if not changed:
            return case
        _touch(case, fields=[k for k in changed if k != "tags"])
        record_event(case.organization, "case.updated", actor=actor, case=case, data=changed)
    return case
