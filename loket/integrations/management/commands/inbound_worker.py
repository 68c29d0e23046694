"""The inbound worker: turns stored inbound deliveries into messages on cases.

Run one or more beside the web servers (``manage.py serve`` starts one). Several may run at
once on PostgreSQL; each claims its own batch (SKIP LOCKED). An idle worker on PostgreSQL is
woken by the database when a delivery is stored (LISTEN/NOTIFY, see wakeup.py) and polls once
a second besides; on SQLite it polls every 0.2 s. SIGTERM or Ctrl-C stops it after
the batch in hand, which is committed or rolled back as a whole: nothing is half-processed.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from loket.integrations.actions import BATCH_SIZE, do_process_pending
from loket.integrations.wakeup import Wakeup

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Process inbound messages that channels stored (run one or more beside the web servers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between polls when idle (1 on PostgreSQL, which also wakes the worker; 0.2 on SQLite)",
        )
        parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="deliveries per transaction")
        parser.add_argument("--once", action="store_true", help="process what is due, then exit")

    def handle(self, *args: Any, interval: float | None, batch: int, once: bool, **options: Any) -> None:
        stop = threading.Event()
        if not once:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
        wakeup = Wakeup(stop)
        if not once:
            wakeup.start()
        if interval is None:
            interval = 1.0 if wakeup.listening else 0.2
        total = 0
        while not stop.is_set():
            close_old_connections()  # a connection the database dropped is replaced, not reused
            try:
                handled = do_process_pending(batch)
            except DatabaseError:
                logger.exception("inbound worker: database error; trying again in %s s", max(interval, 1.0))
                stop.wait(max(interval, 1.0))
                continue
            total += handled
            if handled == 0:
                if once:
                    break
                wakeup.wait(interval)
        wakeup.close()
        if once:
            self.stdout.write(f"{total} inbound deliveries processed")
