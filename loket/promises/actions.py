"""Every write on promises: make, keep, break, cancel, renegotiate, report, follow a handover.

``do_*`` change state without permission checks (tasks, listeners, the guard, tests);
``check_*`` validate the input and the actor first and are what views and the API call.
Each writes in one transaction, keeps the promise's history (``PromiseChange``) and records
one event (``promise.*``, on the case's timeline).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Organization, User
from loket.accounts.selectors import business_hours_for
from loket.cases.actions import require_writer
from loket.cases.models import Case, Contact, Message
from loket.customers.models import Channel
from loket.events.actions import record_event
from loket.lib.secrets import encrypt
from loket.promises import notify
from loket.promises.models import Notification, Promise, PromiseChange, PromisePolicy, PromiseReporter
from loket.promises.schedule import next_check, plan, policy_for

MAX_DESCRIPTION = 2000


def payload(promise: Promise) -> dict[str, Any]:
    """What an event (and a webhook) says about a promise."""
    return {
        "promise_id": promise.pk,
        "kind": promise.kind,
        "status": promise.status,
        "description": promise.description,
        "due_from": promise.due_from.isoformat() if promise.due_from else None,
        "due_until": promise.due_until.isoformat(),
        "owner_id": promise.owner_id,
        "channel": promise.channel,
        "external_ref": promise.external_ref,
    }


def _change(promise: Promise, what: str, actor: User | None, note: str = "", **data: Any) -> PromiseChange:
    return PromiseChange.objects.create(
        organization_id=promise.organization_id,
        promise=promise,
        what=what,
        status=promise.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        data=data,
    )


def _event(promise: Promise, type: str, actor: User | None, **extra: Any) -> None:
    record_event(promise.case.organization, type, actor=actor, case=promise.case, data={**payload(promise), **extra})


def _bump_case(case: Case) -> None:
    """Put the case on top of its owner's inbox (the inbox sorts by last change)."""
    case.updated_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at)


# --- Making a promise -------------------------------------------------------------------------


def validate_window(due_from: datetime | None, due_until: datetime | None, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if due_until is None:
        raise ValidationError({"due_until": _("Geef aan wanneer de toezegging uiterlijk is nagekomen.")})
    if due_from is not None and due_until <= due_from:
        raise ValidationError({"due_until": _("Het venster eindigt voordat het begint: kies een latere eindtijd.")})
    if due_until <= now:
        raise ValidationError({"due_until": _("Dit moment is al voorbij: kies een moment in de toekomst.")})


def check_make_promise(
    membership: Membership,
    case: Case,
    *,
    kind: str,
    description: str,
    due_until: datetime | None,
    due_from: datetime | None = None,
    channel: str = "",
    phone: str = "",
    owner: User | None = None,
    owner_pinned: bool = False,
    external_ref: str = "",
    source: str = Promise.Source.DESK,
) -> Promise:
    require_writer(membership)
    if case.organization_id != membership.organization_id:
        raise PermissionDenied
    errors: dict[str, str] = {}
    if kind not in Promise.Kind.values:
        errors["kind"] = _("Onbekende soort toezegging %(kind)s.") % {"kind": repr(kind)}
    if not description.strip():
        errors["description"] = _("Schrijf op wat de klant is toegezegd, in de woorden van de klant.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Houd de omschrijving korter dan %(n)s tekens.") % {"n": MAX_DESCRIPTION}
    if channel and channel not in Channel.values:
        errors["channel"] = _("Onbekend kanaal %(channel)s.") % {"channel": repr(channel)}
    if not case.is_open:
        errors["case"] = _("Deze zaak is afgesloten: heropen haar eerst.")
    if errors:
        raise ValidationError(errors)
    validate_window(due_from, due_until)
    assert due_until is not None
    return do_make_promise(
        case,
        actor=membership.user,
        kind=kind,
        description=description,
        due_from=due_from,
        due_until=due_until,
        channel=channel,
        phone=phone,
        owner=owner,
        owner_pinned=owner_pinned,
        external_ref=external_ref,
        source=source,
    )


def do_make_promise(
    case: Case,
    *,
    actor: User | None,
    kind: str,
    description: str,
    due_until: datetime,
    due_from: datetime | None = None,
    channel: str = "",
    phone: str = "",
    owner: User | None = None,
    owner_pinned: bool = False,
    external_ref: str = "",
    source: str = Promise.Source.DESK,
    replaces: Promise | None = None,
) -> Promise:
    """Make a promise on a case. Its owner is the case's owner unless given (then pinned if asked)."""
    now = timezone.now()
    moments = plan(
        due_from=due_from,
        due_until=due_until,
        policy=policy_for(case.organization_id, kind),
        calendar=business_hours_for(case.organization_id, case.team_id),
        now=now,
    )
    if kind == Promise.Kind.CALLBACK and not channel:
        channel = Channel.PHONE
    with transaction.atomic():
        promise = Promise(
            organization_id=case.organization_id,
            case=case,
            kind=kind,
            description=description.strip(),
            owner_id=owner.pk if owner is not None else case.owner_id,
            owner_pinned=owner_pinned and owner is not None,
            due_from=due_from,
            due_until=due_until,
            channel=channel,
            phone=phone.strip()[:32],
            external_ref=external_ref.strip()[:120],
            source=source,
            replaces=replaces,
            remind_at=moments.remind_at,
            risk_at=moments.risk_at,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        promise.next_check_at = next_check(promise)
        promise.save(force_insert=True)
        _change(promise, "made", actor)
        _event(promise, "promise.made", actor)
    return promise


def check_confirm_to_customer(membership: Membership, promise: Promise) -> Message:
    """Tell the customer what was promised and when, on the case's reply channel.

    Sent as Loket's own (automatic) message: it is not the contact a callback promises, so it
    never keeps one, and it leaves the case's status alone.
    """
    from loket.cases.actions import do_reply, reply_channel, require_reachable
    from loket.integrations.registry import get_adapter

    require_writer(membership)
    case = promise.case
    require_reachable(case)
    adapter = get_adapter(reply_channel(case))
    if adapter is not None:
        refusal = adapter.free_text_refusal(case)
        if refusal:
            raise ValidationError(refusal)
    text = _("Wij hebben u toegezegd: %(what)s — %(when)s.") % {
        "what": promise.description,
        "when": notify.when(promise),
    }
    if adapter is not None:
        adapter.check_reply(case, text)
    return do_reply(case, actor=membership.user, text=text, automatic=True)


# --- Kept -------------------------------------------------------------------------------------


def check_keep_promise(membership: Membership, promise: Promise, *, note: str = "") -> Promise:
    require_writer(membership)
    if promise.status not in (Promise.Status.OPEN, Promise.Status.BROKEN):
        raise ValidationError(
            _("Deze toezegging is al afgehandeld (%(status)s).") % {"status": promise.get_status_display()}
        )
    return do_keep_promise(promise, actor=membership.user, note=note)


def do_keep_promise(
    promise: Promise,
    *,
    actor: User | None,
    note: str = "",
    contact: Contact | None = None,
    message: Message | None = None,
    at: datetime | None = None,
    reporter: str = "",
) -> Promise:
    """Mark a promise kept. After it was broken the late "kept" is recorded and the promise
    stays broken: the customer waited too long, and the kept-rate says so."""
    at = at or timezone.now()
    with transaction.atomic():
        promise = (
            Promise.objects.select_for_update(of=("self",)).select_related("case__organization").get(pk=promise.pk)
        )
        if promise.status == Promise.Status.BROKEN:
            if promise.kept_late_at is None:
                promise.kept_late_at = at
                promise.updated_at = timezone.now()
                promise.save(update_fields=["kept_late_at", "updated_at"])
                _change(promise, "kept_late", actor, note, reporter=reporter)
                _event(promise, "promise.kept_late", actor, reporter=reporter)
            return promise
        if promise.status != Promise.Status.OPEN:
            return promise
        promise.status = Promise.Status.KEPT
        promise.kept_at = at
        promise.closed_at = at
        promise.kept_by_contact = contact
        promise.kept_by_message = message
        promise.next_check_at = None
        promise.updated_at = timezone.now()
        promise.save(
            update_fields=[
                "status",
                "kept_at",
                "closed_at",
                "kept_by_contact",
                "kept_by_message",
                "next_check_at",
                "updated_at",
            ]
        )
        _change(
            promise,
            "kept",
            actor,
            note,
            contact_id=contact.pk if contact else None,
            message_id=message.pk if message else None,
            reporter=reporter,
        )
        _event(
            promise,
            "promise.kept",
            actor,
            contact_id=contact.pk if contact else None,
            message_id=message.pk if message else None,
            reporter=reporter,
        )
    return promise


# Kinds an outbound message to the customer keeps: a callback (by a call or a message inside
# its window), a reply (by the reply, whenever it comes before the deadline).
KEPT_BY_OUTBOUND = (Promise.Kind.CALLBACK, Promise.Kind.REPLY)


def do_detect_kept(message: Message) -> list[Promise]:
    """An outbound message (or a logged outbound call) to a customer: keep what it fulfils.

    A callback promise of the same customer is kept when the message falls inside its window
    (on any of the customer's cases: the agent may call back from the newer case); a reply
    promise of the same case is kept by the reply. A message after a broken promise's window
    is a late "kept", recorded without hiding the break.
    """
    if message.kind != Message.Kind.OUTBOUND or message.automatic:
        return []
    at = message.created_at
    candidates = Promise.objects.filter(
        organization_id=message.organization_id,
        case__customer_id=message.case.customer_id,
        kind__in=KEPT_BY_OUTBOUND,
        status__in=(Promise.Status.OPEN, Promise.Status.BROKEN),
        kept_late_at__isnull=True,
    ).select_related("case__organization")
    kept = []
    for promise in candidates:
        if promise.kind == Promise.Kind.REPLY and promise.case_id != message.case_id:
            continue
        if promise.kind == Promise.Kind.CALLBACK:
            if promise.due_from is not None and at < promise.due_from:
                continue  # before the window: not what was promised
            if promise.status == Promise.Status.BROKEN and at <= promise.due_until:
                continue
        kept.append(do_keep_promise(promise, actor=message.author, contact=message.contact, message=message, at=at))
    return kept


# --- Broken, cancelled, renegotiated ------------------------------------------------------------


def check_break_promise(membership: Membership, promise: Promise, *, note: str = "") -> Promise:
    require_writer(membership)
    if promise.status != Promise.Status.OPEN:
        raise ValidationError(_("Alleen een open toezegging kan als gebroken worden gemarkeerd."))
    return do_break_promise(promise, actor=membership.user, note=note)


def do_break_promise(promise: Promise, *, actor: User | None, note: str = "", at: datetime | None = None) -> Promise:
    """Break an open promise: the team lead hears it, and the owner is asked to contact the
    customer with an apology and a new proposal; the case goes on top of the owner's inbox."""
    with transaction.atomic():
        promise = (
            Promise.objects.select_for_update(of=("self",)).select_related("case__organization").get(pk=promise.pk)
        )
        if promise.status != Promise.Status.OPEN:
            return promise
        apply_break(promise, at or timezone.now())
        promise.save(update_fields=BREAK_FIELDS)
        _change(promise, "broken", actor, note)
        _event(promise, "promise.broken", actor, note=note)
        leads = notify.team_leads(promise.organization_id, [promise.case.team_id])[promise.case.team_id]
        notify.store(broken_notifications(promise, leads))
        _bump_case(promise.case)
    return promise


BREAK_FIELDS = ["status", "broken_at", "closed_at", "broken_escalated_at", "next_check_at", "updated_at"]


def apply_break(promise: Promise, now: datetime) -> None:
    promise.status = Promise.Status.BROKEN
    promise.broken_at = now
    promise.closed_at = now
    promise.broken_escalated_at = now
    promise.next_check_at = None
    promise.updated_at = now


def broken_notifications(promise: Promise, leads: list[int]) -> list[Notification]:
    """The owner's prompt to apologise and propose anew, and the team leads' escalation."""
    owner = notify.owner_of(promise)
    result = notify.build(Notification.Kind.BROKEN, promise, promise.case, owner)
    result += notify.build(
        Notification.Kind.BROKEN, promise, promise.case, [u for u in leads if u not in owner], as_lead=True
    )
    return result


def check_cancel_promise(membership: Membership, promise: Promise, *, reason: str) -> Promise:
    require_writer(membership)
    if not reason.strip():
        raise ValidationError({"reason": _("Geef een reden: waarom vervalt deze toezegging?")})
    if promise.status != Promise.Status.OPEN:
        raise ValidationError(_("Alleen een open toezegging kan worden geannuleerd."))
    return do_cancel_promise(promise, actor=membership.user, reason=reason)


def do_cancel_promise(promise: Promise, *, actor: User | None, reason: str) -> Promise:
    with transaction.atomic():
        promise = (
            Promise.objects.select_for_update(of=("self",)).select_related("case__organization").get(pk=promise.pk)
        )
        if promise.status != Promise.Status.OPEN:
            return promise
        now = timezone.now()
        promise.status = Promise.Status.CANCELLED
        promise.reason = reason.strip()
        promise.closed_at = now
        promise.next_check_at = None
        promise.updated_at = now
        promise.save(update_fields=["status", "reason", "closed_at", "next_check_at", "updated_at"])
        _change(promise, "cancelled", actor, promise.reason)
        _event(promise, "promise.cancelled", actor, reason=promise.reason)
    return promise


def check_renegotiate_promise(
    membership: Membership,
    promise: Promise,
    *,
    due_until: datetime | None,
    due_from: datetime | None = None,
    description: str = "",
    note: str = "",
) -> Promise:
    require_writer(membership)
    if promise.status not in (Promise.Status.OPEN, Promise.Status.BROKEN):
        raise ValidationError(_("Deze toezegging is al afgehandeld; maak een nieuwe."))
    if Promise.objects.filter(replaces=promise).exists():
        raise ValidationError(_("Voor deze toezegging is al een nieuwe afspraak gemaakt."))
    validate_window(due_from, due_until)
    assert due_until is not None
    return do_renegotiate_promise(
        promise, actor=membership.user, due_from=due_from, due_until=due_until, description=description, note=note
    )


def do_renegotiate_promise(
    promise: Promise,
    *,
    actor: User | None,
    due_until: datetime,
    due_from: datetime | None = None,
    description: str = "",
    note: str = "",
) -> Promise:
    """A new promise for a new window that replaces this one. An open promise becomes
    "renegotiated"; a broken one stays broken (the break happened) and points to its successor."""
    with transaction.atomic():
        old = (
            Promise.objects.select_for_update(of=("self",))
            .select_related("case__organization", "owner")
            .get(pk=promise.pk)
        )
        if old.status == Promise.Status.OPEN:
            old.status = Promise.Status.RENEGOTIATED
            old.closed_at = timezone.now()
            old.next_check_at = None
            old.updated_at = timezone.now()
            old.save(update_fields=["status", "closed_at", "next_check_at", "updated_at"])
        new = do_make_promise(
            old.case,
            actor=actor,
            kind=old.kind,
            description=description.strip() or old.description,
            due_from=due_from,
            due_until=due_until,
            channel=old.channel,
            phone=old.phone,
            owner=old.owner if old.owner_pinned else None,
            owner_pinned=old.owner_pinned,
            external_ref=old.external_ref,
            source=old.source,
            replaces=old,
        )
        _change(old, "renegotiated", actor, note, new_promise_id=new.pk)
        _event(old, "promise.renegotiated", actor, new_promise_id=new.pk, note=note)
    return new


# --- Reported by outside systems ---------------------------------------------------------------


def do_report_cannot_keep(promise: Promise, *, actor: User | None, reason: str, reporter: str = "") -> Promise:
    """An outside party says the promise cannot be kept (the replacement is not available):
    the owner is alerted at once and must offer the customer an alternative (renegotiate)."""
    with transaction.atomic():
        promise = (
            Promise.objects.select_for_update(of=("self",)).select_related("case__organization").get(pk=promise.pk)
        )
        if promise.status != Promise.Status.OPEN or promise.cannot_keep_at is not None:
            return promise
        promise.cannot_keep_at = timezone.now()
        promise.reason = reason.strip()[:2000]
        promise.updated_at = promise.cannot_keep_at
        promise.save(update_fields=["cannot_keep_at", "reason", "updated_at"])
        _change(promise, "cannot_keep", actor, promise.reason, reporter=reporter)
        _event(promise, "promise.cannot_be_kept", actor, reason=promise.reason, reporter=reporter)
        recipients = notify.owner_of(promise)
        if not recipients:  # nobody owns the case: its team leads must act
            recipients = notify.team_leads(promise.organization_id, [promise.case.team_id])[promise.case.team_id]
        notify.store(
            notify.build(Notification.Kind.CANNOT_KEEP, promise, promise.case, recipients, reason=promise.reason)
        )
        _bump_case(promise.case)
    return promise


def check_report_outcome(membership: Membership, promise: Promise, *, outcome: str, reason: str = "") -> Promise:
    """An outside system's report: ``kept`` or ``failed`` (cannot be kept)."""
    require_writer(membership)
    return do_report_outcome(promise, outcome=outcome, reason=reason, actor=membership.user, reporter="api")


def do_report_outcome(
    promise: Promise, *, outcome: str, reason: str = "", actor: User | None = None, reporter: str = ""
) -> Promise:
    if outcome == "kept":
        if promise.status not in (Promise.Status.OPEN, Promise.Status.BROKEN):
            raise ValidationError(
                {"outcome": _("Deze toezegging is al afgehandeld (%(status)s).") % {"status": promise.status}}
            )
        return do_keep_promise(promise, actor=actor, note=reason, reporter=reporter)
    if outcome == "failed":
        if promise.status != Promise.Status.OPEN:
            raise ValidationError({"outcome": _("Deze toezegging is niet meer open.")})
        if not reason.strip():
            raise ValidationError({"reason": _("Geef de reden: waarom kan het niet doorgaan?")})
        return do_report_cannot_keep(promise, actor=actor, reason=reason, reporter=reporter)
    raise ValidationError(
        {"outcome": _("Onbekende uitkomst %(outcome)s: kept of failed.") % {"outcome": repr(outcome)}}
    )


# --- Ownership --------------------------------------------------------------------------------


def do_follow_handover(case: Case, *, actor: User | None) -> int:
    """The case changed owner: its open, unpinned promises follow. Returns how many moved."""
    with transaction.atomic():
        moving = list(
            Promise.objects.select_for_update()
            .filter(case=case, status=Promise.Status.OPEN, owner_pinned=False)
            .exclude(owner_id=case.owner_id)
        )
        for promise in moving:
            old = promise.owner_id
            promise.owner_id = case.owner_id
            promise.updated_at = timezone.now()
            promise.save(update_fields=["owner", "updated_at"])
            _change(promise, "owner_changed", actor, from_user_id=old, to_user_id=case.owner_id)
    return len(moving)


def check_mark_notification_read(membership: Membership, notification: Notification) -> Notification:
    if notification.recipient_id != membership.user_id:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk).update(read_at=notification.read_at)
    return notification


def check_create_reporter(membership: Membership, *, name: str) -> tuple[PromiseReporter, str]:
    """An outside system that may report on promises; returns it with its secret (shown once)."""
    if not membership.is_admin:
        raise PermissionDenied(_("Alleen een beheerder kan een melder aanmaken."))
    if not name.strip():
        raise ValidationError({"name": _("Geef de melder een naam.")})
    return do_create_reporter(membership.organization, name=name)


def do_create_reporter(organization: Organization, *, name: str) -> tuple[PromiseReporter, str]:
    secret = secrets.token_urlsafe(32)
    reporter = PromiseReporter.objects.create(
        organization=organization, name=name.strip()[:120], key=secrets.token_urlsafe(18), secret=encrypt(secret)
    )
    return reporter, secret


def check_set_promise_policy(
    membership: Membership, *, kind: str, remind_minutes: int, risk_minutes: int = 0, risk_working_days: int = 0
) -> PromisePolicy:
    """When promises of one kind are reminded and escalated, for promises made from now on."""
    if not membership.is_admin:
        raise PermissionDenied(_("Alleen een beheerder kan de bewaking van toezeggingen instellen."))
    if kind not in Promise.Kind.values:
        raise ValidationError({"kind": _("Onbekende soort toezegging %(kind)s.") % {"kind": repr(kind)}})
    if risk_minutes and risk_working_days:
        raise ValidationError(
            {"risk_working_days": _("Kies minuten voor het einde of werkdagen voor de datum, niet allebei.")}
        )
    row, _created = PromisePolicy.objects.update_or_create(
        organization=membership.organization,
        kind=kind,
        defaults={
            "remind_minutes": remind_minutes,
            "risk_minutes": risk_minutes,
            "risk_working_days": risk_working_days,
        },
    )
    return row
