"""The IMAP poller: fetches new mail from every mailbox that has an IMAP account.

``--once`` polls each account once and exits (for cron, or to test a new account). Without it,
one thread per account keeps a connection open and waits for new mail with IDLE where the
server offers it (else polls every ``IMAP_POLL_SECONDS``); accounts added, changed or switched
off are picked up within a minute. A connection error is recorded on the account (shown in
Beheer → Mailboxen) and retried with backoff. Several pollers may run: an account is polled by
one at a time (a lease on its row). SIGTERM or Ctrl-C stops it after the round in hand.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from imapclient.exceptions import IMAPClientError

from loket.integrations.email.imap import ImapError, accounts_due, connect, idle_wait, poll, record_error
from loket.integrations.models import ImapAccount

logger = logging.getLogger(__name__)

IDLE_SECONDS = 25 * 60  # servers end an IDLE after 30 minutes
MAX_BACKOFF = 15 * 60


class Command(BaseCommand):
    help = "Fetch new mail from the mailboxes' IMAP accounts (IDLE where the server offers it)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="poll every account once, then exit")

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        if once:
            for account in accounts_due():
                try:
                    result = poll(account)
                except (ImapError, IMAPClientError, OSError) as error:
                    self.stderr.write(f"{account}: {error}")
                    continue
                if result is not None:
                    self.stdout.write(f"{account}: {result.stored} new of {result.fetched} fetched")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        workers: dict[int, tuple[threading.Thread, threading.Event, object]] = {}
        while not stop.is_set():
            close_old_connections()
            wanted = {account.pk: account for account in accounts_due()}
            current = {
                account.pk: account
                for account in ImapAccount.objects.filter(pk__in=list(workers), mailbox__is_active=True)
            }
            for pk, (thread, halt, version) in list(workers.items()):
                changed = pk not in current or _version(current[pk]) != version
                if changed or not thread.is_alive():
                    halt.set()
                    del workers[pk]
            for pk, account in wanted.items():
                if pk not in workers:
                    halt = threading.Event()
                    thread = threading.Thread(target=_run, args=(account, stop, halt), daemon=True, name=f"imap-{pk}")
                    thread.start()
                    workers[pk] = (thread, halt, _version(account))
            stop.wait(60)
        for thread, halt, _ in workers.values():
            halt.set()
            thread.join(timeout=30)


def _version(account: ImapAccount) -> object:
    """What the thread's connection depends on: a change of it starts a new thread."""
    return (account.host, account.port, account.security, account.username, account.password_encrypted,
            account.folder, account.processed_folder)  # fmt: skip


def _run(account: ImapAccount, stop: threading.Event, halt: threading.Event) -> None:
    """One account: connect, poll, wait (IDLE or interval), poll again; reconnect on errors."""
    backoff = 5
    try:
        while not (stop.is_set() or halt.is_set()):
            try:
                with connect(account) as client:
                    backoff = 5
                    idle = client.has_capability("IDLE")
                    while not (stop.is_set() or halt.is_set()):
                        close_old_connections()
                        account.refresh_from_db()
                        if poll(account, client) is None:
                            return  # another poller holds the account
                        if idle:
                            idle_wait(client, min(IDLE_SECONDS, 60))  # wake at least every minute to see `stop`
                        else:
                            stop.wait(settings.IMAP_POLL_SECONDS)
            except (ImapError, IMAPClientError, OSError) as error:
                record_error(account, error)
                logger.warning("imap %s: %s; connecting again in %s s", account, error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
    finally:
        connections.close_all()
