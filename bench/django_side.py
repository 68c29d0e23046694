"""The measurements that run inside Django; bench/run.py calls each as a subprocess.

    python bench/django_side.py setup                      # bench org + inbound token (JSON)
    python bench/django_side.py verify --expected N …      # what the database holds after ingest
    python bench/django_side.py inproc                     # ingest + case creation in-process
    python bench/django_side.py pages --label 10k          # inbox and case view (bench.settings)
    python bench/django_side.py env                        # versions and database settings

The database comes from DATABASE_URL (run.py sets a fresh one). Progress goes to stderr;
the result is one JSON object, the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.loadgen import build_messages  # noqa: E402
from loket.accounts.models import Membership  # noqa: E402
from loket.cases.models import Case, Message  # noqa: E402
from loket.customers.models import Customer, Identity  # noqa: E402
from loket.events.models import Event  # noqa: E402
from loket.ops.load import ensure_bench_org, issue_inbound_token  # noqa: E402

WARMUP, REQUESTS = 3, 30  # as the peer's ticket_list


def log(msg: str) -> None:
    print(f"django_side: [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def rate(n: int, seconds: float) -> float | None:
    return round(n / seconds, 1) if seconds > 0 else None


class QueryCounter:
    """connection.execute_wrapper that counts queries by kind and table: cheap in a timed loop."""

    TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

    def __init__(self) -> None:
        self.n = 0
        self.kinds: Counter[str] = Counter()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        verb = sql.lstrip().split(None, 1)[0].upper()
        match = self.TABLE.search(sql) if verb in ("SELECT", "INSERT", "UPDATE", "DELETE") else None
        self.kinds[f"{verb} {match.group(1)}" if match else verb] += 1
        return execute(sql, params, many, context)

    def per_item(self, n: int) -> dict[str, float]:
        return {k: round(v / n, 2) for k, v in self.kinds.most_common()}


# --- setup and verify (HTTP ingest) -----------------------------------------------------------


def cmd_setup(args: argparse.Namespace) -> dict[str, Any]:
    bench = ensure_bench_org()
    return {"org_id": bench.organization.pk, "token": issue_inbound_token(bench)}


def wait_drained(org_id: int, max_seconds: float) -> dict[str, Any]:
    """Wait until the inbound workers have processed every stored delivery; how long it took."""
    from django.db.models import Max, Min

    from loket.integrations.models import InboundDelivery

    deliveries = InboundDelivery.objects.for_org(org_id)
    t0 = time.monotonic()
    backlog = deliveries.filter(status=InboundDelivery.Status.PENDING).count()
    pending = backlog
    while pending and time.monotonic() - t0 < max_seconds:
        time.sleep(0.2)
        pending = deliveries.filter(status=InboundDelivery.Status.PENDING).count()
    span = deliveries.aggregate(first=Min("received_at"), last=Max("processed_at"))
    done = deliveries.filter(status=InboundDelivery.Status.DONE).count()
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else None
    return {
        "backlog_when_load_ended": backlog,
        "drain_seconds": round(time.monotonic() - t0, 2),
        "pending_left": pending,
        "failed": deliveries.filter(status=InboundDelivery.Status.FAILED).count(),
        "done": done,
        # from the first message received to the last one on a case: the sustained rate
        "end_to_end_seconds": round(seconds, 2) if seconds else None,
        "end_to_end_per_s": rate(done, seconds) if seconds else None,
    }


def cmd_verify(args: argparse.Namespace) -> dict[str, Any]:
    """Exactly the accepted messages, once each; one customer per sender; counters that add up."""
    org_id = args.org_id
    drained = wait_drained(org_id, args.wait_drained)
    messages = Message.objects.for_org(org_id)
    ours = messages.filter(external_id__startswith=f"{args.prefix}-")
    result = {
        "messages": messages.count(),
        "messages_with_run_ids": ours.count(),
        "distinct_external_ids": ours.values("channel", "external_id").distinct().count(),
        "customers": Customer.objects.for_org(org_id).count(),
        "identities": Identity.objects.for_org(org_id).count(),
        "cases": Case.objects.for_org(org_id).count(),
        "sum_case_message_count": sum(Case.objects.for_org(org_id).values_list("message_count", flat=True)),
        "events": dict(Counter(Event.objects.for_org(org_id).values_list("type", flat=True))),
    }
    result["deliveries"] = drained
    result["ok"] = (
        drained["pending_left"] == 0
        and drained["failed"] == 0
        and result["messages"] == result["messages_with_run_ids"] == result["distinct_external_ids"] == args.expected
        and result["customers"] == result["identities"] == args.senders
        and result["sum_case_message_count"] == args.expected
        and result["events"].get("case.message_received") == args.expected
    )
    return result


# --- in-process: the ingest action and case creation without HTTP ------------------------------


def cmd_inproc(args: argparse.Namespace) -> dict[str, Any]:
    from loket.cases.actions import check_add_note, check_open_case
    from loket.cases.receiving import InboundMessage, do_receive_message
    from loket.customers.actions import resolve_identity

    bench = ensure_bench_org()
    org = bench.organization
    membership = Membership.objects.get(organization=org, user=bench.agents[0])

    def inbound(body: dict[str, Any]) -> InboundMessage:
        sender = body["sender"]
        return InboundMessage(
            channel=body["channel"],
            identity_kind=sender["kind"],
            identity_value=sender["value"],
            sender_name=sender["name"],
            text=body["text"],
            external_id=body["external_id"],
        )

    warm, _ = build_messages(50, 0.3, "inproc-warm", seed=2)
    for body in warm:
        do_receive_message(org, inbound(body))
    bodies, senders = build_messages(args.messages, 0.3, "inproc", seed=1)
    log(f"ingest: {len(bodies)} messages through do_receive_message, {senders} senders")
    qc = QueryCounter()
    created = 0
    done = 0
    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(qc):
        for body in bodies:
            created += do_receive_message(org, inbound(body)).created
            done += 1
            if time.perf_counter() - t0 > args.max_seconds:
                break
    ingest_s, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
    bodies = bodies[:done]
    log(f"ingest: {rate(len(bodies), ingest_s)} msg/s, {qc.n / len(bodies):.1f} queries/msg")
    qc_again = QueryCounter()
    t0 = time.perf_counter()
    with connection.execute_wrapper(qc_again):
        created_again = sum(do_receive_message(org, inbound(body)).created for body in bodies)
    again_s = time.perf_counter() - t0

    log(f"ticket_create: {args.cases} cases through check_open_case + check_add_note")
    body_text = "The printer shows error E-42 and will not print. " * 4
    qc_create = QueryCounter()
    cases = 0
    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(qc_create):
        for i in range(args.cases):
            if time.perf_counter() - t0 > args.max_seconds:
                break
            cases += 1
            customer = resolve_identity(org, "email", f"customer{i % 500}@example.com").customer
            case = check_open_case(
                membership, customer, subject=f"Printer on floor {i % 7} is broken ({i})", assign_to_actor=False
            )
            check_add_note(membership, case, text=body_text)
    create_s, create_cpu = time.perf_counter() - t0, time.process_time() - c0
    log(f"ticket_create: {rate(cases, create_s)} cases/s, {qc_create.n / cases:.1f} queries/case")
    return {
        "ingest": {
            "path": "loket.cases.receiving.do_receive_message per message, in-process (no HTTP), one connection",
            "messages": len(bodies),
            "senders": senders,
            "seconds": round(ingest_s, 3),
            "msgs_per_s": rate(len(bodies), ingest_s),
            "cpu_ms_per_msg": round(ingest_cpu * 1000 / len(bodies), 2),
            "created": created,
            "stopped_by_time_limit": len(bodies) < args.messages,
            "queries_per_msg": round(qc.n / len(bodies), 2),
            "queries_by_kind_per_msg": qc.per_item(len(bodies)),
            "duplicates_on_redelivery": created_again,
            "redelivery_msgs_per_s": rate(len(bodies), again_s),
            "redelivery_queries_per_msg": round(qc_again.n / len(bodies), 2),
        },
        "ticket_create": {
            "path": "resolve_identity (one of 500 addresses) + check_open_case + check_add_note (the body), no HTTP",
            "n": cases,
            "seconds": round(create_s, 3),
            "tickets_per_s": rate(cases, create_s),
            "cpu_ms_per_ticket": round(create_cpu * 1000 / cases, 2),
            "queries_per_ticket": round(qc_create.n / cases, 2),
            "queries_by_kind_per_ticket": qc_create.per_item(cases),
            "stopped_by_time_limit": cases < args.cases,
        },
    }


# --- pages -------------------------------------------------------------------------------------


def measure_get(client: Client, url: str) -> dict[str, Any]:
    """3 warm-up GETs (the last one captured: query count and slowest queries), then 30 timed GETs."""
    for _ in range(WARMUP):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        captured = list(ctx.captured_queries)
        if r.status_code != 200:
            raise RuntimeError(f"GET {url} returned {r.status_code}")
    times, cpu = [], []
    for _ in range(REQUESTS):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(url)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if r.status_code != 200:
            raise RuntimeError(f"GET {url} returned {r.status_code}")
    times.sort()
    slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "url": url,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[math.ceil(0.95 * len(times)) - 1] * 1000, 1),
        # CPU of this process only (not the database's): far less sensitive to a busy machine
        "median_cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "queries": len(captured),
        "bytes": len(r.content),
        "requests": REQUESTS,
        "slowest_queries": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in slowest],
    }


def cmd_pages(args: argparse.Namespace) -> dict[str, Any]:
    bench = ensure_bench_org()
    org, agent = bench.organization, bench.agents[0]
    cases = Case.objects.for_org(org)
    total = cases.count()
    middle = cases.order_by("id").values_list("id", flat=True)[total // 2]
    client = Client()
    client.force_login(agent)
    pages = {
        "bare": "/bench/bare/",
        "inbox_mine": "/",
        "inbox_open": "/?view=open",
        "inbox_team": "/?view=team",
        "case_view": f"/zaken/{middle}/",
    }
    result: dict[str, Any] = {
        "label": args.label,
        "cases": total,
        "messages": Message.objects.for_org(org).count(),
        "open_cases": cases.filter(status__in=Case.OPEN_STATUSES).count(),
        "mine_open": cases.filter(owner=agent, status__in=Case.OPEN_STATUSES).count(),
        "case_view_messages": Message.objects.filter(case_id=middle).count(),
    }
    for name, url in pages.items():
        result[name] = measure_get(client, url)
        r = result[name]
        log(
            f"pages {args.label}: {name}: median {r['median_ms']} ms, p95 {r['p95_ms']} ms, "
            f"cpu {r['median_cpu_ms']} ms, {r['queries']} queries"
        )
    return result


# --- environment -------------------------------------------------------------------------------


def cmd_env(args: argparse.Namespace) -> dict[str, Any]:
    from importlib.metadata import version

    from django.conf import settings

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "uvicorn": version("uvicorn"),
        "psycopg": version("psycopg"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "db_conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "db_pool_max_size": (settings.DATABASES["default"].get("OPTIONS", {}).get("pool") or {}).get("max_size"),
        "redis": bool(settings.REDIS_URL),
    }
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            import sqlite3

            env["sqlite"] = sqlite3.sqlite_version
            for pragma in ("journal_mode", "synchronous"):
                c.execute(f"PRAGMA {pragma}")
                env[f"sqlite_{pragma}"] = c.fetchone()[0]
        else:
            for setting in ("server_version", "fsync", "synchronous_commit", "shared_buffers", "max_connections"):
                c.execute(f"SHOW {setting}")
                env[f"pg_{setting}"] = c.fetchone()[0]
    return env


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup")
    verify = sub.add_parser("verify")
    verify.add_argument("--org-id", type=int, required=True)
    verify.add_argument("--expected", type=int, required=True)
    verify.add_argument("--senders", type=int, required=True)
    verify.add_argument("--prefix", required=True)
    verify.add_argument("--wait-drained", type=float, default=600, help="seconds to wait for the inbound workers")
    inproc = sub.add_parser("inproc")
    inproc.add_argument("--messages", type=int, default=2000)
    inproc.add_argument("--cases", type=int, default=2000)
    inproc.add_argument("--max-seconds", type=float, default=60, help="per loop (ingest, create)")
    pages = sub.add_parser("pages")
    pages.add_argument("--label", required=True)
    sub.add_parser("env")
    args = ap.parse_args()
    handler = {"setup": cmd_setup, "verify": cmd_verify, "inproc": cmd_inproc, "pages": cmd_pages, "env": cmd_env}
    print(json.dumps(handler[args.cmd](args)))


if __name__ == "__main__":
    main()
