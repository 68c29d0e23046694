"""The inbound worker: turns stored inbound deliveries into messages on cases.

Run one or more beside the web servers (``manage.py serve`` starts one). Several may run at
once on PostgreSQL; each claims its own batch (SKIP LOCKED). SIGTERM or Ctrl-C stops it after
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

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Process inbound messages that channels stored (run one or more beside the web servers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between polls when idle")
        parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="deliveries per transaction")
        parser.add_argument("--once", action="store_true", help="process what is due, then exit")

    def handle(self, *args: Any, interval: float, batch: int, once: bool, **options: Any) -> None:
        stop = threading.Event()
        if not once:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
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
                stop.wait(interval)
        if once:
            self.stdout.write(f"{total} inbound deliveries processed")
