"""Run the SMTP receiver for the organisations' mailboxes until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from loket.integrations.email.smtp import MailboxController


class Command(BaseCommand):
    help = "Receive e-mail for the mailboxes over SMTP; a message is answered 250 only once stored."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        controller = MailboxController(host, port)
        controller.start()
        self.stdout.write(f"SMTP receiver on {host}:{port}")
        try:
            stop.wait()
        finally:
            controller.stop()
