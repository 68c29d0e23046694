"""Run Loket as one process group: the ASGI server, the task worker, the inbound worker, the
SMTP receiver and the IMAP poller.

``make run`` uses this. Ctrl-C (SIGINT) or SIGTERM stops every child and waits for it; if a
child dies on its own, the others are stopped too, so nothing is left running half-way.
In production run the same pieces as separate services (see README, "Production").
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server, the task worker, the inbound worker and the promise guard; Ctrl-C stops all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", type=int, default=1, help="task worker processes")
        parser.add_argument("--smtp-port", type=int, default=2525, help="the SMTP receiver's port")

    def handle(self, *args: Any, host: str, port: str, workers: int, smtp_port: int, **options: Any) -> None:
        python = sys.executable
        commands = [
            [python, "-m", "uvicorn", "loket.asgi:application", "--host", host, "--port", port, "--no-server-header"],
            *(
                [python, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5", "--no-reload"]
                for _ in range(workers)
            ),
            [python, "manage.py", "inbound_worker"],
            [python, "manage.py", "smtp_receiver", "--host", host, "--port", str(smtp_port)],
            [python, "manage.py", "imap_poller"],
            [python, "manage.py", "promise_guard"],
        ]
        children = [subprocess.Popen(cmd) for cmd in commands]  # noqa: S603
        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(self.style.SUCCESS(f"Loket draait op http://{host}:{port}/ — Ctrl-C stopt alles."))
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c.args for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None)]
        if failed and not stopping:
            raise SystemExit(1)
