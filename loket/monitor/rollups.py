"""Incremental rollups: every invitation and response adds to its hour's cell.

One cell per (organisation, hour, team, agent, channel, reason). The dashboard sums cells
instead of scanning responses, so its cost grows with hours and dimensions, not with
responses. Written in the transaction of the invitation or response it counts.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from loket.monitor.models import LOW, ResponseRollup

DIST_FIELDS = [f"dist_{n}" for n in range(11)]


def bucket_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


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
    """Add ``counts`` to the cell of ``at``'s hour: UPDATE … SET n = n + k, or INSERT the cell."""
    counts = {name: value for name, value in counts.items() if value}
    if not counts:
        return
    key = {
        "organization_id": organization_id,
        "bucket": bucket_of(at),
        "team_key": team_id or 0,
        "agent_key": agent_id or 0,
        "channel": channel,
        "reason": reason[:100],
    }
    increments = {name: F(name) + value for name, value in counts.items()}
    if ResponseRollup.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():
            ResponseRollup.objects.create(**key, **counts)
    except IntegrityError:  # another transaction created the cell first
        ResponseRollup.objects.filter(**key).update(**increments)


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
