"""Reads of the monitor: surveys, alerts, and the dashboard's figures from the rollups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from loket.accounts.models import Membership, Organization, Team, User
from loket.customers.models import Channel
from loket.monitor.models import Alert, AlertRule, Dashboard, Metric, Response, ResponseRollup, Survey
from loket.monitor.rollups import COUNT_FIELDS, bucket_of, day_of

ACTIVE_TTL_SECONDS = 30

SUM_FIELDS = COUNT_FIELDS

# The scale each metric's figure is drawn on.
RANGES: dict[str, tuple[float, float]] = {
    "csat": (1, 5),
    "mark": (1, 10),
    "nps": (-100, 100),
    "ces": (1, 7),
    "solved": (0, 100),
}


def _active_key(organization_id: int) -> str:
    return f"monitor:active-surveys:{organization_id}"


def has_active_survey(organization_id: int) -> bool:
    """Whether contacts of this organisation may be surveyed at all (cached: asked per reply)."""
    key = _active_key(organization_id)
    cached = cache.get(key)
    if cached is None:
        cached = Survey.objects.for_org(organization_id).filter(is_active=True).exists()
        cache.set(key, cached, ACTIVE_TTL_SECONDS)
    return bool(cached)


def forget_active_surveys(organization_id: int) -> None:
    cache.delete(_active_key(organization_id))


def list_surveys(organization: Organization) -> QuerySet[Survey]:
    return Survey.objects.for_org(organization).select_related("team").order_by("name")


def access_survey(organization: Organization, survey_id: int) -> Survey:
    return get_object_or_404(Survey.objects.for_org(organization).select_related("team"), pk=survey_id)


def list_alert_rules(organization: Organization) -> QuerySet[AlertRule]:
    return AlertRule.objects.for_org(organization).select_related("team").order_by("name")


def access_alert_rule(organization: Organization, rule_id: int) -> AlertRule:
    return get_object_or_404(AlertRule.objects.for_org(organization).select_related("team"), pk=rule_id)


def list_alerts(organization: Organization) -> QuerySet[Alert]:
    return Alert.objects.for_org(organization).select_related("rule", "acknowledged_by", "resolved_by")


def access_alert(organization: Organization, alert_id: int) -> Alert:
    return get_object_or_404(list_alerts(organization), pk=alert_id)


def alert_responses(alert: Alert) -> QuerySet[Response]:
    return alert.responses.select_related("case", "agent", "team").order_by("-created_at")[:100]  # type: ignore[return-value]


def list_responses(organization: Organization) -> QuerySet[Response]:
    return Response.objects.for_org(organization).select_related("case", "agent", "team").order_by("-created_at", "-pk")


def dashboard_of(organization: Organization) -> Dashboard:
    found = Dashboard.objects.for_org(organization).first()
    return found or Dashboard(organization=organization, metrics=["csat", "solved"], period_days=7)


# --- Figures ----------------------------------------------------------------------------------


def figure(metric: str, sums: dict[str, Any]) -> float | None:
    """One metric's figure from summed rollup counts (None without answers)."""
    if metric == "nps":
        n = sums.get("nps_n") or 0
        return None if not n else 100.0 * ((sums.get("nps_promoters") or 0) - (sums.get("nps_detractors") or 0)) / n
    if metric == "solved":
        n = sums.get("solved_n") or 0
        return None if not n else 100.0 * (sums.get("solved_yes") or 0) / n
    n = sums.get(f"{metric}_n") or 0
    return None if not n else (sums.get(f"{metric}_sum") or 0) / n


@dataclass
class Series:
    metric: str
    label: str
    points: list[tuple[str, float | None]]
    target: float | None
    low: float
    high: float

    @property
    def bars(self) -> list[dict[str, Any]]:
        """Bars for the SVG chart: x, height (0-100 of the scale) and the value, per point."""
        span = self.high - self.low
        width = 100 / max(len(self.points), 1)
        result = []
        for i, (label, value) in enumerate(self.points):
            height = 0.0 if value is None else max(0.0, min(100.0, 100 * (value - self.low) / span))
            result.append(
                {
                    "x": round(i * width + width * 0.1, 2),
                    "w": round(width * 0.8, 2),
                    "h": round(height, 2),
                    "y": round(100 - height, 2),
                    "label": label,
                    "value": value,
                }
            )
        return result

    @property
    def target_y(self) -> float | None:
        if self.target is None:
            return None
        return round(100 - max(0.0, min(100.0, 100 * (self.target - self.low) / (self.high - self.low))), 2)


@dataclass
class DashboardData:
    since: datetime
    until: datetime
    totals: dict[str, Any]
    figures: list[tuple[str, str, float | None, float | None]]  # metric, label, value, target
    series: list[Series]
    groups: list[dict[str, Any]]
    distribution: list[tuple[int, int, float]]
    comments: list[Response]
    worst: list[Response]
    open_alerts: list[Alert] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        invitations = self.totals.get("invitations") or 0
        return None if not invitations else 100.0 * (self.totals.get("responses") or 0) / invitations

    @property
    def fcr(self) -> float | None:
        n = self.totals.get("fcr_n") or 0
        return None if not n else 100.0 * (self.totals.get("fcr_yes") or 0) / n

    @property
    def handovers_per_case(self) -> float | None:
        n = self.totals.get("responses") or 0
        return None if not n else (self.totals.get("handovers") or 0) / n


def dashboard_data(
    organization: Organization,
    dashboard: Dashboard,
    *,
    now: datetime | None = None,
    team_id: int | None = None,
    agent_id: int | None = None,
) -> DashboardData:
    """The dashboard's figures over its period, from the hourly rollups (a constant number of
    queries, none over raw responses except the latest comments and worst scores, which use
    the organisation's (created_at) index and stop after ten rows)."""
    now = now or timezone.now()
    since = now - timedelta(days=dashboard.period_days)
    hourly = dashboard.period_days <= 1
    start = bucket_of(since) if hourly else day_of(since)
    period = ResponseRollup.objects.for_org(organization).filter(span="hour" if hourly else "day", bucket__gte=start)
    raw = Response.objects.for_org(organization).filter(created_at__gte=since)
    scope = ("all", "")
    if team_id is not None:
        scope, raw = ("team", str(team_id)), raw.filter(team_id=team_id)
    if agent_id is not None:
        scope, raw = ("agent", str(agent_id)), raw.filter(agent_id=agent_id)
    cells = period.filter(dimension=scope[0], key=scope[1])
    sums = {name: Sum(name) for name in SUM_FIELDS}
    totals = cells.aggregate(**sums)
    timeline = list(cells.values("bucket").annotate(**sums).order_by("bucket"))
    metrics = [m for m in (dashboard.metrics or ["csat"]) if m in Metric.values]
    labels = dict(Metric.choices)
    fmt = "%H:%M" if dashboard.period_days <= 1 else "%d-%m"
    series = [
        Series(
            metric=m,
            label=str(labels[m]),
            points=[(timezone.localtime(row["bucket"]).strftime(fmt), figure(m, row)) for row in timeline],
            target=dashboard.targets.get(m),
            low=RANGES[m][0],
            high=RANGES[m][1],
        )
        for m in metrics
    ]
    grouped = list(period.filter(dimension=dashboard.grouping).values("key").annotate(**sums).order_by("key"))
    names = _group_names(organization, dashboard.grouping, [row["key"] for row in grouped])
    groups = [
        {
            "name": names.get(row["key"]) or "—",
            "responses": row["responses"] or 0,
            "invitations": row["invitations"] or 0,
            "figures": [figure(m, row) for m in metrics],
            "fcr": figure("solved", {"solved_n": row["fcr_n"], "solved_yes": row["fcr_yes"]}),
        }
        for row in grouped
    ]
    dist_total = sum(totals.get(f"dist_{n}") or 0 for n in range(11)) or 1
    distribution = [
        (n, totals.get(f"dist_{n}") or 0, round(100 * (totals.get(f"dist_{n}") or 0) / dist_total, 1))
        for n in range(11)
        if totals.get(f"dist_{n}")
    ]
    latest = raw.select_related("case", "agent").order_by("-created_at", "-pk")
    return DashboardData(
        since=since,
        until=now,
        totals=totals,
        figures=[(m, str(labels[m]), figure(m, totals), dashboard.targets.get(m)) for m in metrics],
        series=series,
        groups=groups,
        distribution=distribution,
        comments=list(latest.exclude(comment="")[:10]),
        worst=list(latest.filter(low=True)[:10]),
        open_alerts=list(
            Alert.objects.for_org(organization).filter(status__in=Alert.OPEN_STATUSES).select_related("rule")[:10]
        ),
    )


def _group_names(organization: Organization, grouping: str, keys: list[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit()]
    if grouping == "team":
        return {
            str(pk): name
            for pk, name in Team.objects.for_org(organization).filter(pk__in=ids).values_list("pk", "name")
        }
    if grouping == "agent":
        users = User.objects.filter(pk__in=ids, memberships__organization=organization)
        return {str(u.pk): u.display_name for u in users}
    if grouping == "channel":
        return {k: str(dict(Channel.choices).get(k, k)) for k in keys}
    return {k: k for k in keys}


def coached_team_ids(membership: Membership) -> list[int]:
    """The teams whose scores a team lead sees for coaching (an admin sees every team)."""
    teams = Team.objects.for_org(membership.organization)
    if not membership.is_admin:
        teams = teams.filter(members=membership.user)
    return list(teams.values_list("pk", flat=True))
