"""How an idle inbound worker waits for new deliveries.

On PostgreSQL every INSERT into the deliveries notifies ``loket_inbound`` at commit (a trigger,
migration 0015), whichever path stored them: a webhook, the API, the SMTP receiver. The worker
LISTENs on a connection of its own and starts at once, instead of finding the delivery at its
next poll (up to ``--interval`` later: measured 84 ms of a message's 141 ms to the agent's screen
at the median, with polls 0.2 s apart; docs/performance.md). It still polls, less often, for
what no notification announces: a failed delivery whose retry falls due, and a notification
lost while its connection was down (then it reconnects on its next wait).

SQLite has no NOTIFY: there the worker polls every ``--interval`` as before.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL = "loket_inbound"
SLICE_SECONDS = 0.5  # the longest a wait blocks without looking at the stop flag


class Wakeup:
    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.listening = connection.vendor == "postgresql"
        self._conn: Any = None

    def start(self) -> None:
        """LISTEN before the first poll, so nothing stored after that poll goes unannounced."""
        if self.listening and self._conn is None:
            try:
                self._conn = _connect()
            except Exception:
                logger.warning("inbound worker: LISTEN %s failed; polling until it connects", CHANNEL, exc_info=True)

    def wait(self, timeout: float) -> bool:
        """Block until a delivery is announced (True), ``timeout`` passes (False) or ``stop`` is set."""
        if not self.listening:
            self.stop.wait(timeout)
            return False
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                if self._listen(min(remaining, SLICE_SECONDS)):
                    return True
            except Exception:
                logger.warning("inbound worker: LISTEN %s failed; polling until it reconnects", CHANNEL, exc_info=True)
                self.close()
                self.stop.wait(min(remaining, 1.0))
                return False
        return True

    def _listen(self, seconds: float) -> bool:
        if self._conn is None:
            self._conn = _connect()
        woken = False
        for _notify in self._conn.notifies(timeout=seconds, stop_after=1):
            woken = True
        if woken:  # what else was announced meanwhile: one poll covers it
            for _notify in self._conn.notifies(timeout=0):
                pass
        return woken

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _connect() -> Any:
    import psycopg

    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    conn = psycopg.connect(autocommit=True, **params)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn
