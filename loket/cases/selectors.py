"""Reads on cases: the inbox views, one case with everything on screen, the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Organization, Team, User
from loket.cases.models import Attachment, Case, Contact, Message, Tag
from loket.events.models import Event
from loket.events.registry import EVENT_TYPES

# The inbox views: name → (label, filter given the user).
INBOX_VIEWS: dict[str, tuple[Any, Any]] = {
    "mine": (_("Mijn zaken"), lambda user: Q(owner=user, status__in=Case.OPEN_STATUSES)),
    # A subquery, not a join over team members: no duplicate rows, no DISTINCT over every column.
    "team": (
        _("Mijn teams"),
        lambda user: Q(team__in=Team.objects.filter(members=user).values("pk"), status__in=Case.OPEN_STATUSES),
    ),
    "unassigned": (_("Niet toegewezen"), lambda user: Q(owner__isnull=True, status__in=Case.OPEN_STATUSES)),
    "open": (_("Alle open zaken"), lambda user: Q(status__in=Case.OPEN_STATUSES)),
    "waiting": (
        _("Wachtend"),
        lambda user: Q(status__in=(Case.Status.WAITING_CUSTOMER, Case.Status.WAITING_INTERNAL)),
    ),
    "resolved": (_("Opgelost"), lambda user: Q(status__in=Case.DONE_STATUSES)),
}

SORTS = {
    "updated": "-updated_at",
    "oldest": "updated_at",
    "created": "-created_at",
    "priority": "priority_rank",
    "promise": "next_promise_due",
}


def broken_unanswered_cases() -> QuerySet[Any]:
    from loket.promises.models import Promise

    return Promise.objects.filter(case=OuterRef("pk"), status=Promise.Status.BROKEN, replaced_by__isnull=True)


def _end_of_today() -> datetime:
    from datetime import timedelta

    from django.utils import timezone

    local = timezone.localtime()
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def list_cases(organization: Organization) -> QuerySet[Case]:
    return Case.objects.for_org(organization).select_related("customer", "owner", "team")


def inbox_cases(
    organization: Organization,
    user: User,
    *,
    view: str = "mine",
    status: str = "",
    priority: str = "",
    team_id: int | None = None,
    owner_id: int | None = None,
    tag: str = "",
    channel: str = "",
    promise: str = "",
    sort: str = "updated",
) -> QuerySet[Case]:
    from loket.promises.selectors import broken_unanswered, next_promise_due

    cases = list_cases(organization).filter(INBOX_VIEWS.get(view, INBOX_VIEWS["mine"])[1](user))
    # The next open promise's deadline and a broken one without a new proposal: columns of the
    # same SELECT (subqueries on the promise index), so the inbox keeps its number of queries.
    cases = cases.annotate(next_promise_due=next_promise_due(), promise_broken=Exists(broken_unanswered_cases()))
    if status:
        cases = cases.filter(status=status)
    if priority:
        cases = cases.filter(priority=priority)
    if team_id:
        cases = cases.filter(team_id=team_id)
    if owner_id:
        cases = cases.filter(owner_id=owner_id)
    if tag:
        cases = cases.filter(tags__name=tag.lower())
    if channel:
        cases = cases.filter(last_inbound_channel=channel)
    if promise == "open":
        cases = cases.filter(next_promise_due__isnull=False)
    elif promise == "broken":
        cases = cases.filter(broken_unanswered())
    elif promise == "today":
        cases = cases.filter(next_promise_due__lt=_end_of_today())
    if sort == "promise":
        # Broken promises first (the owner must act), then the next one due; cases without last.
        return cases.order_by(
            F("promise_broken").desc(), F("next_promise_due").asc(nulls_last=True), "-updated_at", "-id"
        )
    if sort == "priority":
        from django.db.models import Case as When_
        from django.db.models import IntegerField, Value, When

        rank = When_(
            *(When(priority=p, then=Value(i)) for i, p in enumerate(["urgent", "high", "normal", "low"])),
            output_field=IntegerField(),
        )
        return cases.annotate(priority_rank=rank).order_by("priority_rank", "-updated_at", "-id")
    order = SORTS.get(sort, "-updated_at")
    return cases.order_by(order, "-id" if order.startswith("-") else "id")


# Counting stops here: a view with more cases shows "999+". Counting every case of a large
# organisation on every inbox load would make the inbox slower as the organisation grows.
COUNT_CAP = 1000


def inbox_counts(organization: Organization, user: User) -> dict[str, int]:
    """Counts for every inbox view, each capped at COUNT_CAP, in one query.

    Each view is a ``SELECT COUNT(*) FROM (… LIMIT 1000)`` scalar subquery of one SELECT, so
    the work is bounded by the cap, not by the number of cases, and costs one round trip.
    """
    sql, params = _counts_sql(organization.pk, user.pk, COUNT_CAP)
    with connections[Case.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(INBOX_VIEWS, row, strict=True))


@lru_cache(maxsize=4096)
def _counts_sql(organization_id: int, user_id: int, cap: int) -> tuple[str, tuple[Any, ...]]:
    """The counts query of one agent in one organisation, compiled once per process.

    Compiling six querysets cost about 4 ms of CPU on every inbox load; the statement depends
    only on these ids and the cap (team membership is a subquery, evaluated by the database
    each time).
    """
    parts: list[str] = []
    params: list[Any] = []
    user = User(pk=user_id)
    for name, (_label, condition) in INBOX_VIEWS.items():
        capped = Case.objects.for_org(organization_id).filter(condition(user)).values("pk")[:cap]
        sql, sql_params = capped.query.sql_with_params()
        # The SQL is compiled by Django with parameters kept apart; name is one of our own keys.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS count_{name})")  # noqa: S608
        params.extend(sql_params)
    return "SELECT " + ", ".join(parts), tuple(params)


def access_case(organization: Organization, case_id: int | str) -> Case:
    """One case of this organisation, or 404 (never another organisation's, never 403)."""
    try:
        return list_cases(organization).prefetch_related("tags").get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_case_by_number(organization: Organization, number: str) -> Case:
    try:
        return list_cases(organization).get(number=number)
    except Case.DoesNotExist:
        raise Http404 from None


@dataclass
class TimelineEntry:
    at: datetime
    message: Message | None = None
    event: Event | None = None

    @property
    def key(self) -> str:
        return f"m{self.message.pk}" if self.message else f"e{self.event.pk}"  # type: ignore[union-attr]


def list_messages(case: Case) -> QuerySet[Message]:
    return (
        Message.objects.filter(case=case)
        # whatsapp_template: the template a WhatsApp message was sent as (integrations.SentTemplate)
        .select_related("author", "identity__customer", "whatsapp_template")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "id")
    )


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Every message on every channel plus the case's notable events, oldest first."""
    entries = [TimelineEntry(at=m.created_at, message=m) for m in list_messages(case)]
    shown = [name for name, t in EVENT_TYPES.items() if t.on_timeline]
    events = Event.objects.filter(case=case, type__in=shown).select_related("actor")
    entries += [TimelineEntry(at=e.created_at, event=e) for e in events]
    entries.sort(key=lambda entry: (entry.at, entry.key))
    return entries


def other_cases(case: Case, limit: int = 10) -> QuerySet[Case]:
    return (
        Case.objects.filter(customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .select_related("owner")
        .order_by("-created_at")[:limit]
    )


def access_message(organization: Organization, message_id: int | str) -> Message:
    try:
        return Message.objects.for_org(organization).get(pk=int(message_id))
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_attachment(organization: Organization, attachment_id: int | str) -> Attachment:
    try:
        return Attachment.objects.for_org(organization).get(pk=int(attachment_id))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def search_cases(organization: Organization, query: str, limit: int = 50) -> QuerySet[Case]:
    """By case number (any part, any case) or subject; newest activity first."""
    query = query.strip()
    if not query:
        return Case.objects.none()
    return (
        list_cases(organization)
        .filter(Q(number__icontains=query) | Q(subject__icontains=query))
        .order_by("-updated_at", "-id")[:limit]
    )


def list_tags(organization: Organization) -> QuerySet[Tag]:
    return Tag.objects.for_org(organization).order_by("name")


def filter_cases(
    organization: Organization,
    *,
    status: str = "",
    owner_id: int | None = None,
    team_id: int | None = None,
    customer_id: int | None = None,
    tag: str = "",
    channel: str = "",
    updated_since: datetime | None = None,
) -> QuerySet[Case]:
    """Cases matching every given filter (the API's list), with tags prefetched; unordered."""
    cases = list_cases(organization).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    if status:
        cases = cases.filter(status=status)
    if owner_id is not None:
        cases = cases.filter(owner_id=owner_id)
    if team_id is not None:
        cases = cases.filter(team_id=team_id)
    if customer_id is not None:
        cases = cases.filter(customer_id=customer_id)
    if tag:
        cases = cases.filter(tags__name=tag.strip().lower())
    if channel:
        cases = cases.filter(last_inbound_channel=channel)
    if updated_since is not None:
        cases = cases.filter(updated_at__gte=updated_since)
    return cases


def list_contacts(case: Case) -> QuerySet[Contact]:
    return Contact.objects.filter(case=case).select_related("identity", "handled_by").order_by("started_at", "id")
