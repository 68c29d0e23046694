"""The Klantcontact Monitor's figures inside Django; bench/run.py calls it as a subprocess.

    python bench/monitor_side.py --responses 1000000 --customers 100000

1. Seeds the bench organisation with ``--customers`` customers (one case each) and
   ``--responses`` answered invitations spread over 90 days, on PostgreSQL with set-based
   INSERT … SELECT (the actions would take hours for a million); the hourly rollups are built
   from those rows by the same GROUP BY the incremental path amounts to, and then 200 more
   responses go through the real actions (invite, answer: the incremental upsert), after which
   the rollups must equal the raw rows exactly (checked; a mismatch fails the phase).
2. The dashboard (30 days, three metrics, grouped by agent): ``selectors.dashboard_data`` on
   the rollups, and the same figures (totals, per day, per agent) as plain aggregates over the
   raw responses, alternately, p50/p95 of each, and the ratio raw ÷ rollups.
3. Alert evaluation: ``do_evaluate_alerts`` for recent responses with three rules (two hours,
   the last 50, a single very low score): responses per second.
4. Invitation latency: the invitation task's work (``do_invite_after_contact``) per contact
   while the database holds all the above: p50/p99.

The database comes from DATABASE_URL (run.py sets a fresh one). Progress goes to stderr; the
result is one JSON object, the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Avg, Count, Max, Min, Q, Sum  # noqa: E402
from django.db.models.functions import TruncDate  # noqa: E402
from django.utils import timezone  # noqa: E402

from loket.accounts.models import Membership  # noqa: E402
from loket.cases.models import Case  # noqa: E402
from loket.customers.models import Customer  # noqa: E402
from loket.monitor.actions import (  # noqa: E402
    check_save_alert_rule,
    check_save_survey,
    do_answer,
    do_evaluate_alerts,
    do_invite_after_contact,
)
from loket.monitor.models import Dashboard, Response, ResponseRollup  # noqa: E402
from loket.monitor.rollups import COUNT_FIELDS  # noqa: E402
from loket.monitor.selectors import dashboard_data  # noqa: E402
from loket.ops.load import ensure_bench_org  # noqa: E402

REASONS = [
    "levering",
    "factuur",
    "retour",
    "schade",
    "monteur",
    "storing",
    "verhuizing",
    "contract",
    "klacht",
    "overig",
]
CHANNELS = ["email", "sms", "whatsapp", "chat", "api"]
DAYS = 90
REPEATS = 30


def log(msg: str) -> None:
    print(f"monitor_side: [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 2)


def seed(org: Any, bench: Any, customers: int, responses: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    agents = bench.agents
    team_of = {a.pk: t.pk for t in bench.teams for a in t.members.all()}
    batch = 5000
    for start in range(0, customers, batch):
        rows = [Customer(organization=org, name=f"Klant {i}") for i in range(start, min(customers, start + batch))]
        created = Customer.objects.bulk_create(rows, batch_size=batch)
        cases = []
        for offset, customer in enumerate(created):
            i = start + offset
            agent = agents[i % len(agents)]
            cases.append(
                Case(
                    organization=org,
                    number=f"M-{i:07d}",
                    subject="Bank beschadigd",
                    status=Case.Status.RESOLVED if i % 3 else Case.Status.OPEN,
                    reason=REASONS[i % len(REASONS)],
                    customer=customer,
                    owner=agent,
                    team_id=team_of[agent.pk],
                    contact_count=1 + (i % 4 == 0),
                    handover_count=int(i % 7 == 0),
                )
            )
        Case.objects.bulk_create(cases, batch_size=batch)
    log(f"{customers} customers and cases in {time.perf_counter() - t0:.0f} s")
    survey = check_save_survey(
        Membership.objects.get(organization=org, user=bench.admin),
        None,
        name="Bench",
        questions=[{"kind": "csat"}, {"kind": "nps"}, {"kind": "solved"}, {"kind": "text"}],
        quiet_days=0,
    )
    low_case, high_case = (
        Case.objects.for_org(org).filter(number__startswith="M-").aggregate(low=Min("pk"), high=Max("pk")).values()
    )
    n_cases = high_case - low_case + 1
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO monitor_surveyinvitation (organization_id, survey_id, case_id, customer_id, channel,
                team_id, agent_id, reason, contact_ended_at, nonce, created_at, expires_at, answered_at)
            SELECT %(org)s, %(survey)s, c.id, c.customer_id, (%(channels)s::text[])[1 + g %% 5], c.team_id,
                c.owner_id, c.reason, t.at, 'bench-' || g, t.at, t.at + interval '7 days', t.at + interval '10 minutes'
            FROM generate_series(1, %(n)s) g
            CROSS JOIN LATERAL (SELECT now() - interval '10 minutes'
                - (g::double precision / %(n)s) * interval '%(days)s days' AS at) t
            JOIN cases_case c ON c.id = %(low)s + (g::bigint * 7919) %% %(cases)s
            """,
            {
                "org": org.pk,
                "survey": survey.pk,
                "channels": CHANNELS,
                "n": responses,
                "days": DAYS,
                "low": low_case,
                "cases": n_cases,
            },
        )
        log(f"{responses} invitations in {time.perf_counter() - t1:.0f} s")
        t2 = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO monitor_response (organization_id, invitation_id, survey_id, case_id, customer_id, channel,
                team_id, agent_id, reason, csat, nps, solved, comment, low, created_at, completed_at,
                seconds_to_response)
            SELECT i.organization_id, i.id, i.survey_id, i.case_id, i.customer_id, i.channel, i.team_id, i.agent_id,
                i.reason, s.csat, s.nps, s.solved,
                CASE WHEN i.id %% 20 = 0 THEN 'Opmerking ' || i.id ELSE '' END,
                s.csat <= 2 OR s.nps <= 6 OR NOT s.solved, i.answered_at, i.answered_at, 600
            FROM monitor_surveyinvitation i
            CROSS JOIN LATERAL (SELECT
                (CASE WHEN i.id %% 10 < 1 THEN 1 WHEN i.id %% 10 < 2 THEN 3 WHEN i.id %% 10 < 5 THEN 4 ELSE 5 END)
                    AS csat,
                (i.id::bigint * 104729) %% 11 AS nps,
                (i.id %% 5) <> 0 AS solved) s
            WHERE i.organization_id = %(org)s
            """,
            {"org": org.pk},
        )
        log(f"{responses} responses in {time.perf_counter() - t2:.0f} s")
        t3 = time.perf_counter()
        counts = {
            "invitations": "count(*)",
            "responses": "count(*)",
            "low": "count(*) FILTER (WHERE r.low)",
            "csat_sum": "coalesce(sum(r.csat), 0)",
            "csat_n": "count(r.csat)",
            "mark_sum": "coalesce(sum(r.mark), 0)",
            "mark_n": "count(r.mark)",
            "nps_promoters": "count(*) FILTER (WHERE r.nps >= 9)",
            "nps_detractors": "count(*) FILTER (WHERE r.nps <= 6)",
            "nps_n": "count(r.nps)",
            "ces_sum": "coalesce(sum(r.ces), 0)",
            "ces_n": "count(r.ces)",
            "solved_yes": "count(*) FILTER (WHERE r.solved)",
            "solved_n": "count(r.solved)",
            "fcr_yes": (
                "count(*) FILTER (WHERE c.status = 'resolved' AND c.contact_count <= 1 AND c.handover_count = 0)"
            ),
            "fcr_n": "count(*) FILTER (WHERE c.status = 'resolved')",
            "handovers": "coalesce(sum(c.handover_count), 0)",
            **{f"dist_{n}": f"count(*) FILTER (WHERE r.csat = {n})" for n in range(11)},
        }
        assert list(counts) == COUNT_FIELDS
        for span, bucket in (
            ("hour", "date_trunc('hour', r.created_at)"),
            ("day", "date_trunc('day', r.created_at AT TIME ZONE 'Europe/Amsterdam') AT TIME ZONE 'Europe/Amsterdam'"),
        ):
            for dimension, key in (
                ("all", "''"),
                ("team", "coalesce(r.team_id::text, '')"),
                ("agent", "coalesce(r.agent_id::text, '')"),
                ("channel", "r.channel"),
                ("reason", "r.reason"),
            ):
                cursor.execute(
                    f"""
                    INSERT INTO monitor_responserollup (organization_id, span, dimension, key, bucket,
                        {", ".join(counts)})
                    SELECT r.organization_id, %(span)s, %(dimension)s, {key}, {bucket}, {", ".join(counts.values())}
                    FROM monitor_response r JOIN cases_case c ON c.id = r.case_id
                    WHERE r.organization_id = %(org)s
                    GROUP BY r.organization_id, 4, 5
                    """,
                    {"org": org.pk, "span": span, "dimension": dimension},
                )
        cursor.execute("ANALYZE")
    log(f"rollups in {time.perf_counter() - t3:.0f} s")
    return {"survey": survey, "seconds": round(time.perf_counter() - t0, 1)}


def through_actions(org: Any, n: int) -> list[Response]:
    """``n`` more responses through the real actions: invitation, answer, incremental rollups."""
    cases = list(Case.objects.for_org(org).filter(number__startswith="M-").order_by("?")[:n])
    made = []
    for i, case in enumerate(cases):
        invitation, reason = do_invite_after_contact(
            case, channel="api", trigger="contact", ended_at=timezone.now(), key=f"actions-{i}"
        )
        if invitation is None:
            raise SystemExit(f"no invitation: {reason}")
        made.append(do_answer(invitation, str(1 + i % 5)))
    return made


def check_rollups(org: Any) -> dict[str, Any]:
    """The rollups hold exactly what the raw rows say (all of them, over the whole period)."""
    raw = Response.objects.for_org(org).aggregate(n=Count("pk"), csat=Sum("csat"), low=Count("pk", filter=Q(low=True)))
    rolled = (
        ResponseRollup.objects.for_org(org)
        .filter(span="day", dimension="all")
        .aggregate(n=Sum("responses"), csat=Sum("csat_sum"), low=Sum("low"))
    )
    by_agent = (
        ResponseRollup.objects.for_org(org).filter(span="hour", dimension="agent").aggregate(n=Sum("responses"))["n"]
    )
    ok = raw == rolled and by_agent == raw["n"]
    return {"raw": raw, "rollups": rolled, "agent_cells_sum": by_agent, "equal": ok}


def raw_dashboard(org: Any, since: Any) -> dict[str, Any]:
    """The dashboard's figures as plain aggregates over the raw responses (the baseline)."""
    rows = Response.objects.for_org(org).filter(created_at__gte=since)
    figures = {
        "csat_avg": Avg("csat"),
        "n": Count("pk"),
        "promoters": Count("pk", filter=Q(nps__gte=9)),
        "detractors": Count("pk", filter=Q(nps__lte=6)),
        "nps_n": Count("nps"),
        "solved_yes": Count("pk", filter=Q(solved=True)),
        "solved_n": Count("solved"),
    }
    return {
        "totals": rows.aggregate(**figures),
        "days": list(rows.annotate(day=TruncDate("created_at")).values("day").annotate(**figures).order_by("day")),
        "agents": list(rows.values("agent_id").annotate(**figures).order_by("agent_id")),
        "comments": list(rows.exclude(comment="").order_by("-created_at").values_list("pk", flat=True)[:10]),
        "worst": list(rows.filter(low=True).order_by("-created_at").values_list("pk", flat=True)[:10]),
    }


def timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    args = ap.parse_args()
    if connection.vendor != "postgresql":
        print(json.dumps({"skipped": "PostgreSQL only (the seeding is set-based SQL)"}))
        return 0
    bench = ensure_bench_org()
    org = bench.organization
    seeded = seed(org, bench, args.customers, args.responses)
    t0 = time.perf_counter()
    with transaction.atomic():
        made = through_actions(org, 200)
    incremental_ms = (time.perf_counter() - t0) * 1000 / len(made)
    check = check_rollups(org)
    if not check["equal"]:
        print(json.dumps({"error": "rollups differ from the raw rows", "check": check}, default=str))
        return 1
    log(f"rollups equal the raw rows after {len(made)} responses through the actions")

    config = Dashboard(organization=org, metrics=["csat", "nps", "solved"], period_days=30, grouping="agent")
    since = timezone.now() - timedelta(days=30)
    rollup_ms: list[float] = []
    raw_ms: list[float] = []
    for _ in range(3):  # warm-up
        dashboard_data(org, config)
        raw_dashboard(org, since)
    for _ in range(REPEATS):
        rollup_ms.append(timed(lambda: dashboard_data(org, config)))
        raw_ms.append(timed(lambda: raw_dashboard(org, since)))
    log(f"dashboard p95 {percentile(rollup_ms, 95)} ms on rollups, {percentile(raw_ms, 95)} ms on raw rows")

    membership = Membership.objects.get(organization=org, user=bench.admin)
    check_save_alert_rule(
        membership,
        None,
        name="2 uur",
        kind="window",
        metric="csat",
        scope="all",
        window_minutes=120,
        min_responses=20,
        threshold=1.5,
    )
    check_save_alert_rule(
        membership,
        None,
        name="Laatste 50",
        kind="window",
        metric="csat",
        scope="all",
        window_count=50,
        min_responses=50,
        threshold=1.5,
    )
    check_save_alert_rule(membership, None, name="Zeer laag", kind="single", metric="csat", scope="all", threshold=0)
    recent = list(Response.objects.for_org(org).order_by("-created_at")[:500])
    t1 = time.perf_counter()
    for response in recent:
        do_evaluate_alerts(response)
    evaluation_s = time.perf_counter() - t1

    cases = list(Case.objects.for_org(org).filter(number__startswith="M-").order_by("?")[:200])
    invite_ms = []
    for i, case in enumerate(cases):
        invite_ms.append(
            timed(
                lambda case=case, i=i: do_invite_after_contact(
                    case, channel="api", trigger="contact", ended_at=timezone.now(), key=f"latency-{i}"
                )
            )
        )
    result = {
        "responses": Response.objects.for_org(org).count(),
        "customers": args.customers,
        "rollup_rows": ResponseRollup.objects.for_org(org).count(),
        "seed_seconds": seeded["seconds"],
        "rollups_equal_raw": check["equal"],
        "answer_through_actions_ms": round(incremental_ms, 2),
        "dashboard_rollups_ms": {"p50": percentile(rollup_ms, 50), "p95": percentile(rollup_ms, 95)},
        "dashboard_raw_ms": {"p50": percentile(raw_ms, 50), "p95": percentile(raw_ms, 95)},
        "dashboard_ratio_raw_over_rollups_p95": round(percentile(raw_ms, 95) / max(percentile(rollup_ms, 95), 0.01), 1),
        "alert_evaluations_per_s": round(len(recent) / evaluation_s, 1),
        "invitation_ms": {"p50": percentile(invite_ms, 50), "p99": percentile(invite_ms, 99)},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
