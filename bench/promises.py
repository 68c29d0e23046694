"""The promise guard under load; bench/run.py calls it (``--only promises``), or run it alone:

    DATABASE_URL=… python bench/promises.py escalate --promises 10000 --workers 2
    DATABASE_URL=… python bench/promises.py scan --rows 1000000

``escalate``: N open callback promises all fall due in the same minute; W ``manage.py
promise_guard`` processes run; the figure is the time from the moment they fell due to the
last escalation written (from the database's own stamps), and every promise must be
escalated exactly once (one at-risk notification per promise and person).

``scan``: the guard's scan (``SELECT … FOR UPDATE SKIP LOCKED`` of 500 due promises) timed
with few and with ROWS promises in the table, nearly all closed, with its query plan: the cost
stays flat because closed promises are not in the partial index ``promise_next_check``.
PostgreSQL only (the rows are generated with ``generate_series``).

The database comes from DATABASE_URL (a fresh one). Progress goes to stderr; the result is one
JSON object, the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from loket.accounts.actions import do_add_member, do_create_organization, do_create_team  # noqa: E402
from loket.accounts.models import Role, User  # noqa: E402
from loket.cases.actions import do_open_case  # noqa: E402
from loket.customers.actions import do_create_customer  # noqa: E402
from loket.promises.guard import BATCH, due_promises  # noqa: E402
from loket.promises.models import Notification, Promise  # noqa: E402


def log(msg: str) -> None:
    print(f"promises: [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def world(cases: int = 50) -> tuple[Any, User, User, list[Any]]:
    """An organisation with a team (an agent and a lead) and a customer's cases."""
    org = do_create_organization("Bench Promises", f"bench-promises-{os.getpid()}")
    agent = User.objects.create_user(f"agent-{os.getpid()}", email="agent@bench.test")
    lead = User.objects.create_user(f"lead-{os.getpid()}", email="lead@bench.test")
    do_add_member(org, agent, Role.AGENT)
    do_add_member(org, lead, Role.LEAD)
    team = do_create_team(org, "Bench", members=[agent, lead])
    customer = do_create_customer(org, actor=None, name="Bench Klant", identities=[("email", "klant@bench.test")])
    opened = [
        do_open_case(org, customer, subject=f"Zaak {i}", actor=agent, owner=agent, team=team) for i in range(cases)
    ]
    return org, agent, lead, opened


def due_at(cases: list[Any], owner: User, n: int, moment: Any) -> None:
    """``n`` open callback promises whose escalation moment is ``moment`` (one INSERT per 5,000)."""
    rows = [
        Promise(
            organization_id=cases[i % len(cases)].organization_id,
            case=cases[i % len(cases)],
            kind=Promise.Kind.CALLBACK,
            description=f"Terugbellen {i}",
            owner=owner,
            due_from=moment - timedelta(minutes=15),
            due_until=moment + timedelta(minutes=15),
            risk_at=moment,
            next_check_at=moment,
        )
        for i in range(n)
    ]
    Promise.objects.bulk_create(rows, batch_size=5_000)


def guard_workers(workers: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "promise_guard", "--interval", "0.2"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]


def escalate(promises: int, workers: int, lead_seconds: float, max_seconds: float) -> dict[str, Any]:
    _org, agent, lead, cases = world()
    moment = timezone.now() + timedelta(seconds=lead_seconds)
    t0 = time.perf_counter()
    due_at(cases, agent, promises, moment)
    log(f"{promises} promises due at {moment:%H:%M:%S} (written in {time.perf_counter() - t0:.1f} s)")
    processes = guard_workers(workers)
    try:
        deadline = time.monotonic() + lead_seconds + max_seconds
        left = promises
        while time.monotonic() < deadline:
            left = Promise.objects.filter(escalated_at__isnull=True).count()
            if not left:
                break
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    last = Promise.objects.aggregate(last=Max("escalated_at"))["last"]
    per_promise = Counter(
        Notification.objects.filter(kind="at_risk", recipient=lead)
        .values("promise")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    owner_notes = Notification.objects.filter(kind="at_risk", recipient=agent).count()
    seconds = (last - moment).total_seconds() if last is not None and not left else None
    return {
        "promises": promises,
        "workers": workers,
        "not_escalated": left,
        "seconds_from_due_to_last_escalation": round(seconds, 2) if seconds is not None else None,
        "escalations_per_s": round(promises / seconds, 1) if seconds else None,
        "lead_notifications_per_promise": {str(k): v for k, v in per_promise.items()},
        "owner_notifications": owner_notes,
        "exactly_once": left == 0 and dict(per_promise) == {1: promises} and owner_notes == promises,
        "target_s": 60,
    }


def time_scan(repeat: int = 7) -> dict[str, Any]:
    """The guard's claim of one batch (rolled back, so every run finds the same rows)."""
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with transaction.atomic():
            rows = list(due_promises(timezone.now()).select_for_update(skip_locked=True, of=("self",))[:BATCH])
            transaction.set_rollback(True)
        timings.append((time.perf_counter() - t0) * 1000)
    return {"batch": len(rows), "median_ms": round(statistics.median(timings), 2), "max_ms": round(max(timings), 2)}


def explain() -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        claim = due_promises(timezone.now()).select_for_update(skip_locked=True, of=("self",))[:BATCH]
        sql, params = claim.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def closed_rows(case_ids: list[int], organization_id: int, owner_id: int, rows: int) -> None:
    """``rows`` kept and broken promises (no step left: next_check_at NULL), generated in SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO promises_promise (organization_id, case_id, kind, description, owner_id, owner_pinned,
                due_from, due_until, channel, phone, status, reason, external_ref, source, created_at, updated_at,
                closed_at, kept_at, broken_at)
            SELECT %s, (%s::bigint[])[1 + g %% %s], 'callback', 'Terugbellen', %s, false,
                now() - (g || ' minutes')::interval - interval '30 minutes', now() - (g || ' minutes')::interval,
                'phone', '', CASE WHEN g %% 5 = 0 THEN 'broken' ELSE 'kept' END, '', '', 'desk', now(), now(),
                now(), CASE WHEN g %% 5 = 0 THEN NULL ELSE now() END, CASE WHEN g %% 5 = 0 THEN now() ELSE NULL END
            FROM generate_series(1, %s) AS g
            """,
            [organization_id, case_ids, len(case_ids), owner_id, rows],
        )
        cursor.execute("ANALYZE promises_promise")


def scan(rows: int, due: int) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        return {"skipped": "PostgreSQL only (generate_series)"}
    org, agent, _lead, cases = world(cases=20)
    due_at(cases, agent, due, timezone.now() - timedelta(seconds=1))
    closed_rows([c.pk for c in cases], org.pk, agent.pk, 10_000)
    small = time_scan()
    log(f"scan with {10_000 + due:,} rows: {small}")
    t0 = time.perf_counter()
    closed_rows([c.pk for c in cases], org.pk, agent.pk, rows - 10_000)
    log(f"{rows:,} closed promises written in {time.perf_counter() - t0:.0f} s")
    large = time_scan()
    plan = explain()
    log(f"scan with {rows + due:,} rows: {large}")
    return {
        "rows_small": 10_000 + due,
        "rows_large": rows + due,
        "due": due,
        "scan_small": small,
        "scan_large": large,
        "ratio_large_to_small": round(large["median_ms"] / small["median_ms"], 2) if small["median_ms"] else None,
        "uses_partial_index": "promise_next_check" in plan,
        "plan": plan,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("escalate")
    one.add_argument("--promises", type=int, default=10_000)
    one.add_argument("--workers", type=int, default=2)
    one.add_argument("--lead-seconds", type=float, default=8.0, help="the workers start before the promises fall due")
    one.add_argument("--max-seconds", type=float, default=180.0)
    two = sub.add_parser("scan")
    two.add_argument("--rows", type=int, default=1_000_000)
    two.add_argument("--due", type=int, default=500)
    args = parser.parse_args()
    if args.command == "escalate":
        result = escalate(args.promises, args.workers, args.lead_seconds, args.max_seconds)
    else:
        result = scan(args.rows, args.due)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
