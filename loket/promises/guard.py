"""The guard: reminds owners, escalates promises at risk and breaks the ones whose window passed.

Each step happens exactly once, whatever the number of workers running the scan:

1. claim a batch of due promises (``next_check_at <= now``) with ``SELECT … FOR UPDATE SKIP
   LOCKED`` in one transaction: another worker skips these rows and takes the next ones
   (PostgreSQL; SQLite has one writer at a time, which serialises the scans);
2. for each, do the steps whose moment has passed and whose stamp is still empty (reminder →
   ``reminded_at``, escalation → ``escalated_at``, break → ``broken_at``), and move
   ``next_check_at`` to its next step (NULL when none is left);
3. write the promises (one UPDATE), the notifications, history rows and events (one INSERT
   each) in the same transaction. A worker that claims the row after this commit finds it
   not due any more (PostgreSQL re-checks the WHERE on the row it waited for).

The scan reads the partial index ``promise_next_check``: closed promises are not in it, so
its cost follows the number of due promises, not the size of the table.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from loket.events.actions import build_event, record_events
from loket.events.models import Event
from loket.lib.db import update_rows
from loket.promises import notify
from loket.promises.actions import (
    BREAK_FIELDS,
    KEPT_BY_OUTBOUND,
    apply_break,
    broken_notifications,
    payload,
)
from loket.promises.models import Notification, Promise, PromiseChange
from loket.promises.schedule import next_check

if TYPE_CHECKING:
    from loket.cases.models import Message

logger = logging.getLogger(__name__)

BATCH = 500
FIELDS = sorted({*BREAK_FIELDS, "reminded_at", "escalated_at", "kept_at", "kept_by_message", "kept_by_contact"})


def due_promises(now: datetime):  # type: ignore[no-untyped-def]
    """The scan's query (also what ``EXPLAIN`` is shown for in the benchmark)."""
    return Promise.objects.filter(next_check_at__lte=now).order_by("next_check_at")


def run_guard(now: datetime | None = None, *, batch: int = BATCH, max_batches: int | None = None) -> int:
    """Process every promise due at ``now`` (default: the current time). Returns how many."""
    done = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        moment = now or timezone.now()
        count = _guard_batch(moment, batch)
        if not count:
            break
        done += count
        batches += 1
    return done


def _guard_batch(now: datetime, batch: int) -> int:
    with transaction.atomic():
        claimed = list(
            due_promises(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("case__organization")[:batch]
        )
        if not claimed:
            return 0
        leads: dict[tuple[int, int | None], list[int]] = {}
        for org_id in {p.organization_id for p in claimed}:
            teams = {p.case.team_id for p in claimed if p.organization_id == org_id}
            for team_id, users in notify.team_leads(org_id, teams).items():
                leads[(org_id, team_id)] = users
        notifications: list[Notification] = []
        changes: list[PromiseChange] = []
        events: list[Event] = []
        bumped: list[int] = []
        for promise in claimed:
            _step(promise, now, leads[(promise.organization_id, promise.case.team_id)], notifications, changes, events)
            if promise.status == Promise.Status.BROKEN:
                bumped.append(promise.case_id)
        update_rows(claimed, FIELDS)
        PromiseChange.objects.bulk_create(changes)
        notify.store(notifications)
        record_events(events)
        if bumped:
            from loket.cases.models import Case

            Case.objects.filter(pk__in=bumped).update(updated_at=now)
    return len(claimed)


def _step(
    promise: Promise,
    now: datetime,
    leads: list[int],
    notifications: list[Notification],
    changes: list[PromiseChange],
    events: list[Event],
) -> None:
    case = promise.case
    owner = notify.owner_of(promise)

    def history(what: str) -> None:
        changes.append(
            PromiseChange(organization_id=promise.organization_id, promise=promise, what=what, status=promise.status)
        )

    def event(type: str) -> None:
        events.append(build_event(case.organization, type, actor=None, case=case, data=payload(promise)))

    if promise.status != Promise.Status.OPEN:
        promise.next_check_at = None
        return
    if promise.due_until <= now:
        message = _kept_in_window(promise) if promise.kind in KEPT_BY_OUTBOUND else None
        if message is not None:
            # Kept after all: the message was sent in time but no listener linked it (it failed).
            promise.status = Promise.Status.KEPT
            promise.kept_at = promise.closed_at = message.created_at
            promise.kept_by_message_id = message.pk
            promise.kept_by_contact_id = message.contact_id
            promise.next_check_at = None
            promise.updated_at = now
            history("kept")
            event("promise.kept")
            return
        apply_break(promise, now)
        history("broken")
        event("promise.broken")
        notifications.extend(broken_notifications(promise, leads))
    else:
        if promise.remind_at is not None and promise.reminded_at is None and promise.remind_at <= now:
            promise.reminded_at = now
            history("reminded")
            event("promise.reminded")
            notifications.extend(notify.build(Notification.Kind.REMINDER, promise, case, owner))
        if promise.risk_at is not None and promise.escalated_at is None and promise.risk_at <= now:
            promise.escalated_at = now
            history("at_risk")
            event("promise.at_risk")
            notifications.extend(notify.build(Notification.Kind.AT_RISK, promise, case, owner))
            notifications.extend(
                notify.build(
                    Notification.Kind.AT_RISK, promise, case, [u for u in leads if u not in owner], as_lead=True
                )
            )
        promise.next_check_at = next_check(promise)
    promise.updated_at = now


def _kept_in_window(promise: Promise) -> Message | None:
    """An outbound message to the customer inside the window that no listener linked yet."""
    from loket.cases.models import Message

    messages = Message.objects.filter(
        organization_id=promise.organization_id,
        case__customer_id=promise.case.customer_id,
        kind=Message.Kind.OUTBOUND,
        automatic=False,
        created_at__lte=promise.due_until,
    )
    if promise.kind == Promise.Kind.REPLY:
        messages = messages.filter(case_id=promise.case_id, created_at__gte=promise.created_at)
    else:
        messages = messages.filter(created_at__gte=promise.due_from or promise.created_at)
    return messages.order_by("created_at").first()
