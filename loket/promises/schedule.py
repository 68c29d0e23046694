"""When the guard reminds the owner and escalates a promise: per kind, configurable per organisation.

Pure apart from reading the policy: ``plan`` takes the promise's window, the policy and the
team's opening hours (``accounts/hours.py``), and returns the moments. "One working day
before a delivery date" is the opening of the last working day before the date, so a delivery
on Tuesday after Easter Monday escalates when the team opens on the Thursday before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loket.accounts import hours
from loket.promises.models import Promise, PromisePolicy


@dataclass(frozen=True)
class Policy:
    remind_minutes: int
    risk_minutes: int = 0
    risk_working_days: int = 0


K = Promise.Kind
DEFAULTS: dict[str, Policy] = {
    # A callback: remind a quarter before the window opens, escalate a quarter before it closes.
    K.CALLBACK: Policy(remind_minutes=15, risk_minutes=15),
    K.REPLY: Policy(remind_minutes=120, risk_minutes=30),
    # Things that happen on a date: remind the day before, escalate one working day before.
    K.PICKUP: Policy(remind_minutes=24 * 60, risk_working_days=1),
    K.DELIVERY: Policy(remind_minutes=24 * 60, risk_working_days=1),
    K.REPLACEMENT: Policy(remind_minutes=24 * 60, risk_working_days=1),
    K.REFUND: Policy(remind_minutes=24 * 60, risk_working_days=1),
    K.VISIT: Policy(remind_minutes=24 * 60, risk_working_days=1),
    K.OTHER: Policy(remind_minutes=60, risk_minutes=60),
}


def policies_for(organization_id: int) -> dict[str, Policy]:
    """Every kind's policy: the organisation's own, else the default. One query."""
    own = {
        row.kind: Policy(row.remind_minutes, row.risk_minutes, row.risk_working_days)
        for row in PromisePolicy.objects.for_org(organization_id)
    }
    return {kind: own.get(kind, DEFAULTS[kind]) for kind in Promise.Kind.values}


def policy_for(organization_id: int, kind: str) -> Policy:
    row = PromisePolicy.objects.for_org(organization_id).filter(kind=kind).first()
    if row is None:
        return DEFAULTS[kind]
    return Policy(row.remind_minutes, row.risk_minutes, row.risk_working_days)


@dataclass(frozen=True)
class Plan:
    remind_at: datetime | None
    risk_at: datetime | None


def plan(
    *, due_from: datetime | None, due_until: datetime, policy: Policy, calendar: hours.Calendar, now: datetime
) -> Plan:
    """The reminder and the escalation of a promise made ``now``; a moment already past is
    dropped (whoever makes a promise for within the hour needs no reminder of it)."""
    start = due_from or due_until
    remind_at: datetime | None = start - timedelta(minutes=policy.remind_minutes)
    if policy.risk_working_days:
        risk_at: datetime | None = working_days_before(calendar, start, policy.risk_working_days)
    else:
        risk_at = due_until - timedelta(minutes=policy.risk_minutes)
    if risk_at is not None and due_from is not None and policy.risk_minutes:
        risk_at = max(risk_at, due_from)  # a short window: at risk once it opens, never before
    if remind_at is not None and (remind_at <= now or (risk_at is not None and remind_at >= risk_at)):
        remind_at = None
    if risk_at is not None and (risk_at <= now or risk_at >= due_until):
        risk_at = None
    return Plan(remind_at=remind_at, risk_at=risk_at)


def working_days_before(calendar: hours.Calendar, moment: datetime, days: int) -> datetime | None:
    """When the team opens on the ``days``-th working day before ``moment``'s date."""
    zone = ZoneInfo(calendar.zone)
    day: date = moment.astimezone(zone).date()
    found = 0
    for _step in range(60):
        day -= timedelta(days=1)
        times = hours.opening_times(calendar, day)
        if times:
            found += 1
            if found == days:
                return times[0][0]
    return None


def next_check(promise: Promise) -> datetime | None:
    """The next step of an open promise still to come: its reminder, its escalation, its end."""
    if promise.status != Promise.Status.OPEN:
        return None
    steps = [promise.due_until]
    if promise.remind_at is not None and promise.reminded_at is None:
        steps.append(promise.remind_at)
    if promise.risk_at is not None and promise.escalated_at is None:
        steps.append(promise.risk_at)
    return min(steps)
