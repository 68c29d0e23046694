"""Run the promise guard: remind, escalate, break (docs/promises.md). Any number may run at once."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from loket.promises.booking import send_due_reminders
from loket.promises.guard import run_guard
from loket.promises.tasks import schedule_guard


class Command(BaseCommand):
    help = "Guard promises: remind owners, escalate promises at risk, break the ones whose window passed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one scan, then stop")
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between scans")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument(
            "--schedule", action="store_true", help="start the periodic task chain in the task worker instead"
        )

    def handle(self, *args: Any, once: bool, interval: float, batch: int, schedule: bool, **options: Any) -> None:
        if schedule:
            schedule_guard()
            self.stdout.write("promise guard task scheduled")
            return
        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGINT, stop)
            signal.signal(signal.SIGTERM, stop)
        while True:
            done = run_guard(batch=batch)
            reminded = send_due_reminders()
            if once:
                self.stdout.write(f"{done} promises guarded, {reminded} booking reminders")
                return
            close_old_connections()
            waited = 0.0
            while not stopping and waited < interval:
                time.sleep(0.2)
                waited += 0.2
            if stopping:
                return
