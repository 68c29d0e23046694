"""Every write on cases, contacts, messages and handovers.

``do_*`` functions change state without permission checks (tasks, channel adapters, tests);
``check_*`` functions validate the actor's permission first and are what views and the API call.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Organization, Team, User
from loket.cases.models import Case, Contact, Handover, Message, Tag
from loket.cases.numbering import next_case_number
from loket.customers.models import Channel, Customer, Identity
from loket.events.actions import record_event
from loket.integrations.registry import get_adapter
from loket.lib.html import sanitize_html

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)


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


# --- Contacts and counters (receiving and replying) ---------------------------------------


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


# --- Replying and notes -----------------------------------------------------------------------


def reply_channel(case: Case, channel: str = "") -> str:
    """The channel a reply goes out on: the one chosen, else the one the customer last used
    (unless that channel says to answer elsewhere: a chat visitor who left a message)."""
    if channel:
        return channel
    last = case.last_inbound_channel
    if last:
        adapter = get_adapter(last)
        return (adapter.reply_instead(case) if adapter is not None else "") or last
    return case.customer.preferred_channel or Channel.EMAIL


def require_reachable(case: Case) -> None:
    """A message to the customer is refused when the customer has died (write to the next of kin)."""
    if case.customer.is_deceased:
        raise ValidationError(
            _(
                "Deze klant is overleden: een bericht aan de klant zelf wordt niet verstuurd. "
                "Schrijf de nabestaande aan."
            )
        )


def check_reply(membership: Membership, case: Case, *, text: str, channel: str = "") -> Message:
    """A free-form reply. Refused, with the channel's reason, where the channel takes none now
    (WhatsApp more than 24 hours after the customer last wrote: only a template) or can never
    deliver it (an SMS number that opted out, a text of more than ten SMS parts)."""
    require_writer(membership)
    if not text.strip():
        raise ValidationError({"text": _("Een antwoord mag niet leeg zijn.")})
    if channel and channel not in Channel.values:
        raise ValidationError({"channel": _("Onbekend kanaal %(channel)s.") % {"channel": repr(channel)}})
    require_reachable(case)
    channel = reply_channel(case, channel)
    adapter = get_adapter(channel)
    if adapter is not None:
        refusal = adapter.free_text_refusal(case)
        if refusal:
            raise ValidationError(refusal)
        adapter.check_reply(case, text)  # what the channel can never deliver fails here, not later
    return do_reply(case, actor=membership.user, text=text, channel=channel)


def do_reply(
    case: Case, *, actor: User | None, text: str, channel: str = "", html: str = "", automatic: bool = False
) -> Message:
    """An outbound message to the customer, on the channel they last used unless chosen.

    The message is stored as queued and handed to the channel's adapter after commit; it ends
    as sent or as visibly failed, never silently dropped. An ``automatic`` message (Loket's
    acknowledgement of a new case) is not a contact: it leaves the case's status as it is.
    """
    channel = reply_channel(case, channel)
    with transaction.atomic():
        _lock_counters(case)
        contact = None
        update = ["last_message_at", "message_count"]
        if not automatic:
            contact = _open_contact(case, channel, Contact.Direction.OUTBOUND, identity=None, user=actor)
            update.append("contact_count")
        message = Message.objects.create(
            organization_id=case.organization_id,
            case=case,
            contact=contact,
            kind=Message.Kind.OUTBOUND,
            channel=channel,
            author=actor,
            text=text,
            html=sanitize_html(html),
            automatic=automatic,
            delivery_status=Message.Delivery.QUEUED,
        )
        case.last_message_at = message.created_at
        case.message_count += 1
        if case.status in (Case.Status.NEW, Case.Status.OPEN) and not automatic:
            case.status = Case.Status.WAITING_CUSTOMER
            update.append("status")
        _touch(case, fields=update)
        record_event(
            case.organization,
            "case.reply_sent",
            actor=actor,
            case=case,
            data={"message_id": message.pk, "channel": channel, "number": case.number, "automatic": automatic},
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


# How far an outbound message got. Reports can arrive out of order (WhatsApp sends "sent",
# "delivered" and "read" as separate webhooks): a report never moves a message back.
DELIVERY_PROGRESS: dict[str, int] = {"queued": 1, "sent": 2, "delivered": 3, "read": 4}


def do_mark_delivery(message: Message, status: str, error: str = "") -> Message:
    """Record what the channel reported for an outbound message (sent, delivered, read, failed)."""
    progress = DELIVERY_PROGRESS.get(status)
    if progress is not None and progress < DELIVERY_PROGRESS.get(message.delivery_status, 0):
        return message  # a late "sent" after "read": nothing new
    failed = message.delivery_status == Message.Delivery.FAILED
    if failed and progress is not None and progress <= DELIVERY_PROGRESS["sent"]:
        return message  # a late "queued" or "sent" after "failed" (Twilio's callbacks race) hides no failure
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
