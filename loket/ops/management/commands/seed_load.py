"""Fill the organisation "Bench" with synthetic cases for benchmarks (``make bench``).

    python manage.py seed_load --cases 100000 --messages-per-case 10

``--cases`` is the total the organisation should hold: a second run tops up to it, never
doubles it. Refuses to touch an organisation with the bench slug that it did not create.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from loket.accounts.models import Organization
from loket.cases.models import Case
from loket.ops.load import BENCH_NAME, BENCH_SLUG, ensure_bench_org, issue_inbound_token, seed_cases


class Command(BaseCommand):
    help = "Top the 'Bench' organisation up to N synthetic cases (bulk inserts; for benchmarks only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cases", type=int, required=True, help="total cases the Bench organisation should hold")
        parser.add_argument("--messages-per-case", type=int, default=10)
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: the current case count)")
        parser.add_argument("--jobs", type=int, default=2, help="parallel writer processes (PostgreSQL only)")
        parser.add_argument(
            "--message-events", action="store_true", help="also one event per message, as the actions do"
        )
        parser.add_argument("--token", action="store_true", help="also issue an inbound API token and print it")

    def handle(
        self,
        *args: Any,
        cases: int,
        messages_per_case: int,
        seed: int | None,
        jobs: int,
        message_events: bool,
        token: bool,
        **options: Any,
    ) -> None:
        if cases < 0 or not 0 <= messages_per_case <= 1000:
            raise CommandError("--cases must be >= 0 and --messages-per-case between 0 and 1000")
        existing_org = Organization.objects.filter(slug=BENCH_SLUG).first()
        if existing_org is not None and existing_org.name != BENCH_NAME:
            raise CommandError(
                f"An organisation with slug {BENCH_SLUG!r} exists and is not the bench one; not touching it."
            )
        bench = ensure_bench_org()
        have = Case.objects.for_org(bench.organization).count()
        todo = max(0, cases - have)
        self.stdout.write(
            f"Bench organisation (id {bench.organization.pk}, {connection.vendor}): {have} cases, adding {todo} "
            f"with {messages_per_case} messages each."
        )
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            elapsed = time.monotonic() - started
            rate = done / elapsed if elapsed else 0
            self.stdout.write(f"  {done:>8}/{total} cases  {elapsed:6.1f} s  {rate:7.0f} cases/s", ending="\n")
            self.stdout.flush()

        if todo:
            totals = seed_cases(
                bench,
                todo,
                messages_per_case=messages_per_case,
                seed=have if seed is None else seed,
                jobs=jobs,
                message_events=message_events,
                progress=progress,
            )
            elapsed = time.monotonic() - started
            rows = sum(totals.values())
            summary = ", ".join(f"{v} {k}" for k, v in totals.items())
            self.stdout.write(self.style.SUCCESS(f"Added {summary} ({rows} rows) in {elapsed:.1f} s."))
            if connection.vendor == "postgresql":
                # As after any bulk load (PostgreSQL's "Populating a Database"): fresh statistics,
                # so the planner sees the new sizes, and the visibility map that index-only scans
                # need, which autovacuum keeps up to date on a live database.
                # (VACUUM cannot run inside a transaction: there, as in the tests, statistics only.)
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        if token:
            self.stdout.write(f"Inbound API token: {issue_inbound_token(bench)}")
