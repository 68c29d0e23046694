"""Incremental rollups: every invitation and response adds to its hour's cells.

Five cells per hour and five per day are touched: the organisation's own, and its team's,
agent's, channel's and reason's. One statement does it (``INSERT … ON CONFLICT DO UPDATE SET
n = n + excluded.n``, on PostgreSQL and SQLite alike), in the transaction of the invitation
or response it counts, so the counts are exactly the rows. The dashboard sums cells instead of
scanning responses: its cost grows with hours and dimensions, not with responses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from loket.monitor.models import LOW, ResponseRollup

DIST_FIELDS = [f"dist_{n}" for n in range(11)]
COUNT_FIELDS = [
    "invitations",
    "responses",
    "low",
    "csat_sum",
    "csat_n",
    "mark_sum",
    "mark_n",
    "nps_promoters",
    "nps_detractors",
    "nps_n",
    "ces_sum",
    "ces_n",
    "solved_yes",
    "solved_n",
    "fcr_yes",
    "fcr_n",
    "handovers",
    *DIST_FIELDS,
]


def bucket_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    """The start of ``moment``'s day in Europe/Amsterdam (the days a dashboard shows), in UTC."""
    local = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


def cells_of(*, team_id: int | None, agent_id: int | None, channel: str, reason: str) -> list[tuple[str, str]]:
    """The (dimension, key) cells one invitation or response counts in."""
    return [
        ("all", ""),
        ("team", str(team_id or "")),
        ("agent", str(agent_id or "")),
        ("channel", channel),
        ("reason", reason.strip()[:100]),
    ]


def bump(
    organization_id: int,
    at: datetime,
    *,
    team_id: int | None,
    agent_id: int | None,
    channel: str,
    reason: str,
    counts: dict[str, int],
) -> None:
    """Add ``counts`` to the five cells of ``at``'s hour and of its day, creating those that do
    not exist yet (one statement)."""
    counts = {name: value for name, value in counts.items() if value}
    if not counts:
        return
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise ValueError(f"not a rollup count: {sorted(unknown)}")
    quote = connection.ops.quote_name
    table = quote(ResponseRollup._meta.db_table)
    key_columns = ["organization_id", "span", "dimension", "key", "bucket"]
    columns = [*key_columns, *COUNT_FIELDS]
    spans = [
        ("hour", connection.ops.adapt_datetimefield_value(bucket_of(at))),
        ("day", connection.ops.adapt_datetimefield_value(day_of(at))),
    ]
    values = [counts.get(name, 0) for name in COUNT_FIELDS]
    cells = cells_of(team_id=team_id, agent_id=agent_id, channel=channel, reason=reason)
    params: list[Any] = []
    for span, bucket in spans:
        for dimension, key in cells:
            params += [organization_id, span, dimension, key, bucket, *values]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in counts)
    # The names are the model's own columns, quoted; every value is a parameter.
    names, conflict = ", ".join(quote(c) for c in columns), ", ".join(quote(c) for c in key_columns)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(cells) * len(spans))} "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def score_counts(scores: dict[str, int | None], *, first: str | None = None) -> dict[str, int]:
    """The rollup increments for newly given scores; ``first`` also counts the distribution."""
    counts: dict[str, int] = {}
    for metric, value in scores.items():
        if value is None:
            continue
        if metric == "nps":
            counts["nps_n"] = 1
            counts["nps_promoters"] = int(value >= 9)
            counts["nps_detractors"] = int(value <= 6)
        elif metric == "solved":
            counts["solved_n"] = 1
            counts["solved_yes"] = int(bool(value))
        else:
            counts[f"{metric}_n"] = 1
            counts[f"{metric}_sum"] = int(value)
    if first is not None and scores.get(first) is not None:
        counts[f"dist_{int(scores[first])}"] = 1  # type: ignore[arg-type]
    return counts


def is_low(scores: dict[str, int | None]) -> bool:
    return any(value is not None and value <= LOW[metric] for metric, value in scores.items() if metric in LOW)
