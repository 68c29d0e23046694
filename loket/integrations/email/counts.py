"""Counting mail per mailbox and day: received, rejected (quarantined), sent, failed.

``count_mail`` adds to the day's row with one ``INSERT … ON CONFLICT DO UPDATE`` (PostgreSQL
and SQLite both), so concurrent workers add up instead of overwriting each other.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from loket.integrations.models import Mailbox, MailboxDay

KINDS = ("received", "rejected", "sent", "failed")


def count_mail(counts: Counter[tuple[int, int, date, str]]) -> None:
    """Add ``counts`` keyed (organization id, mailbox id, day, kind) to the day rows."""
    rows: dict[tuple[int, int, date], dict[str, int]] = {}
    for (org_id, mailbox_id, day, kind), n in counts.items():
        rows.setdefault((org_id, mailbox_id, day), dict.fromkeys(KINDS, 0))[kind] += n
    if not rows:
        return
    table = connection.ops.quote_name(MailboxDay._meta.db_table)
    columns = ", ".join(KINDS)
    updates = ", ".join(f"{kind} = {table}.{kind} + excluded.{kind}" for kind in KINDS)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params: list[int | date] = []
    for (org_id, mailbox_id, day), kinds in sorted(rows.items()):  # sorted: no deadlock between workers
        params += [org_id, mailbox_id, day, *(kinds[kind] for kind in KINDS)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, mailbox_id, day, {columns}) VALUES {values} "  # noqa: S608 (names, not input)
            f"ON CONFLICT (mailbox_id, day) DO UPDATE SET {updates}",
            params,
        )


def count_one(mailbox: Mailbox, kind: str, at: datetime | None = None) -> None:
    count_mail(Counter({(mailbox.organization_id, mailbox.pk, timezone.localdate(at), kind): 1}))


def last_days(mailbox_ids: list[int], days: int = 7) -> dict[int, dict[str, int]]:
    """Mailbox id → totals of the last ``days`` days (today included)."""
    since = timezone.localdate() - timedelta(days=days - 1)
    totals = (
        MailboxDay.objects.filter(mailbox_id__in=mailbox_ids, day__gte=since)
        .values_list("mailbox_id")
        .annotate(*(Sum(kind) for kind in KINDS))
        .order_by()
    )
    result = {pk: dict.fromkeys(KINDS, 0) for pk in mailbox_ids}
    for mailbox_id, *sums in totals:
        result[mailbox_id] = {kind: value or 0 for kind, value in zip(KINDS, sums, strict=True)}
    return result
