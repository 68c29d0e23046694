"""Reads on promises: one promise, a case's promises, the team board, notifications, kept-rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from loket.accounts.models import Organization, Team, User
from loket.cases.models import Case
from loket.promises.models import BookingLink, Notification, Promise, PromiseChange, PromiseReporter


def list_promises(organization: Organization | int) -> QuerySet[Promise]:
    return Promise.objects.for_org(organization).select_related("case__customer", "case__team", "owner")


def access_promise(organization: Organization | int, promise_id: int | str) -> Promise:
    """One promise of this organisation, or 404."""
    try:
        return list_promises(organization).select_related("case__organization").get(pk=int(promise_id))
    except (Promise.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_promise_by_ref(organization: Organization | int, external_ref: str) -> Promise:
    """The newest promise with this external reference (the ERP's order number), or 404."""
    reference = external_ref.strip()
    promise = (
        list_promises(organization).filter(external_ref=reference).order_by("-created_at", "-id").first()
        if reference and "\x00" not in reference and len(reference) <= 120
        else None
    )
    if promise is None:
        raise Http404
    return promise


def filter_promises(
    organization: Organization,
    *,
    status: str = "",
    kind: str = "",
    case_id: int | None = None,
    owner_id: int | None = None,
    team_id: int | None = None,
    due_before: datetime | None = None,
) -> QuerySet[Promise]:
    promises = list_promises(organization)
    if status:
        promises = promises.filter(status=status)
    if kind:
        promises = promises.filter(kind=kind)
    if case_id is not None:
        promises = promises.filter(case_id=case_id)
    if owner_id is not None:
        promises = promises.filter(owner_id=owner_id)
    if team_id is not None:
        promises = promises.filter(of_team(team_id))
    if due_before is not None:
        promises = promises.filter(due_until__lte=due_before)
    return promises


def case_promises(case: Case) -> list[Promise]:
    """The case's promises: open ones first by due moment, then the rest newest first. One query."""
    promises = list(Promise.objects.filter(case=case).select_related("owner", "replaces").order_by("due_until", "id"))
    open_ = [p for p in promises if p.is_open]
    rest = sorted((p for p in promises if not p.is_open), key=lambda p: p.closed_at or p.updated_at, reverse=True)
    return open_ + rest


def promise_history(promise: Promise) -> QuerySet[PromiseChange]:
    return PromiseChange.objects.filter(promise=promise).select_related("actor").order_by("created_at", "id")


# --- The inbox ----------------------------------------------------------------------------------


def next_promise_due() -> Subquery:
    """The earliest ``due_until`` of the case's open promises (for the inbox's sort and column)."""
    return Subquery(
        Promise.objects.filter(case=OuterRef("pk"), status=Promise.Status.OPEN)
        .order_by("due_until")
        .values("due_until")[:1]
    )


def broken_unanswered() -> Q:
    """Cases with a broken promise nobody has made a new proposal for yet."""
    return Q(pk__in=Promise.objects.filter(status=Promise.Status.BROKEN, replaced_by__isnull=True).values("case_id"))


# --- The team board ---------------------------------------------------------------------------


def of_team(team_id: int) -> Q:
    """A team's promises: on the team's cases, or owned by one of its members."""
    members = Team.members.through.objects.filter(team_id=team_id).values("user_id")
    return Q(case__team_id=team_id) | Q(owner_id__in=members)


@dataclass
class Board:
    due_today: list[Promise]
    at_risk: list[Promise]
    broken: list[Promise]


BOARD_LIMIT = 100


def team_board(organization: Organization, team_id: int | None, now: datetime | None = None) -> Board:
    """A team's open promises due today, those at risk, and the broken ones without a new
    proposal (the last two weeks). Three queries, each at most BOARD_LIMIT rows."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day_end = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    promises = list_promises(organization)
    if team_id is not None:
        promises = promises.filter(of_team(team_id))
    open_ = promises.filter(status=Promise.Status.OPEN)
    at_risk_q = Q(cannot_keep_at__isnull=False) | Q(risk_at__lte=now)
    return Board(
        due_today=list(open_.filter(due_until__lt=day_end).exclude(at_risk_q).order_by("due_until")[:BOARD_LIMIT]),
        at_risk=list(open_.filter(at_risk_q).order_by("due_until")[:BOARD_LIMIT]),
        broken=list(
            promises.filter(
                status=Promise.Status.BROKEN, broken_at__gte=now - timedelta(days=14), replaced_by__isnull=True
            ).order_by("-broken_at")[:BOARD_LIMIT]
        ),
    )


# --- Notifications ------------------------------------------------------------------------------


def unread_count(organization: Organization, user: User) -> int:
    return Notification.objects.for_org(organization).filter(recipient=user, read_at__isnull=True).count()


def list_notifications(organization: Organization, user: User, limit: int = 50) -> list[Notification]:
    return list(
        Notification.objects.for_org(organization)
        .filter(recipient=user)
        .select_related("case", "promise")
        .order_by("-created_at", "-id")[:limit]
    )


def access_notification(organization: Organization, user: User, notification_id: int | str) -> Notification:
    try:
        return Notification.objects.for_org(organization).get(pk=int(notification_id), recipient=user)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Kept-rate --------------------------------------------------------------------------------


GROUPS = {"team": "case__team__name", "agent": "owner__username", "kind": "kind"}


def kept_rate(
    organization: Organization, *, by: str = "team", since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Kept and broken promises per group and week (by the moment they were due).

    The rate is kept / (kept + broken): a cancelled promise was never due, and a renegotiated
    one lives on in its successor. A broken promise kept late counts as broken.
    """
    until = until or timezone.now()
    since = since or until - timedelta(weeks=12)
    field = GROUPS.get(by, GROUPS["team"])
    rows = (
        Promise.objects.for_org(organization)
        .filter(status__in=(Promise.Status.KEPT, Promise.Status.BROKEN), due_until__gte=since, due_until__lt=until)
        .annotate(week=TruncWeek("due_until"), group=F(field))
        .values("week", "group")
        .annotate(
            kept=Count("pk", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("pk", filter=Q(status=Promise.Status.BROKEN)),
        )
        .order_by("week", "group")
    )
    result = []
    for row in rows:
        total = row["kept"] + row["broken"]
        result.append(
            {
                "week": row["week"].date().isoformat() if row["week"] else None,
                "group": row["group"] or "",
                "kept": row["kept"],
                "broken": row["broken"],
                "rate": round(row["kept"] / total, 4) if total else None,
            }
        )
    return result


def kept_rate_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    kept = sum(r["kept"] for r in rows)
    broken = sum(r["broken"] for r in rows)
    return {"kept": kept, "broken": broken, "rate": round(kept / (kept + broken), 4) if kept + broken else None}


def open_promise_count(organization: Organization) -> int:
    return Promise.objects.for_org(organization).filter(status=Promise.Status.OPEN).count()


def first_due(organization: Organization) -> datetime | None:
    return Promise.objects.for_org(organization).filter(status=Promise.Status.OPEN).aggregate(m=Min("due_until"))["m"]


# --- Booking and reporters ----------------------------------------------------------------------


def find_booking_link(link_id: int, nonce: str) -> BookingLink | None:
    return (
        BookingLink.objects.select_related("case__customer", "case__organization", "team", "promise")
        .filter(pk=link_id, nonce=nonce)
        .first()
    )


def find_reporter(key: str) -> PromiseReporter | None:
    return PromiseReporter.objects.select_related("organization").filter(key=key, is_active=True).first()
