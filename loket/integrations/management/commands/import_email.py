"""Import e-mail from .eml files or Maildir folders into a mailbox, as if it had arrived by SMTP.

    python manage.py import_email --mailbox service@example.nl old-mail/*.eml ~/Maildir/.Support

For migrations from another helpdesk or mail server. Every message goes the way received mail
goes (stored, then put on a case by the inbound worker, or quarantined with its reason), with
the same idempotency: importing the same messages twice stores nothing new.
"""

from __future__ import annotations

import mailbox as mailboxes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.integrations.email.inbound import do_accept_email, find_mailbox


class Command(BaseCommand):
    help = "Import .eml files and Maildir folders into a mailbox (idempotent on Message-ID)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--mailbox", required=True, help="the address of an active mailbox")
        parser.add_argument("paths", nargs="+", help=".eml files, folders of them, or Maildir folders")

    def handle(self, *args: Any, mailbox: str, paths: list[str], **options: Any) -> None:
        target = find_mailbox(mailbox)
        if target is None:
            raise CommandError(f"No active mailbox {mailbox!r}: add it under Beheer → Mailboxen first.")
        stored = again = 0
        for source, raw in _messages([Path(p) for p in paths]):
            if not raw.strip():
                self.stderr.write(f"skipped (empty): {source}")
                continue
            if any(accepted.created for accepted in do_accept_email([target], raw)):
                stored += 1
            else:
                again += 1
        self.stdout.write(
            f"{stored} messages stored for {target.address}, {again} already there; "
            "the inbound worker puts them on cases (manage.py inbound_worker)."
        )


def _messages(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    for path in paths:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
            maildir = mailboxes.Maildir(path, factory=None, create=False)
            for key in sorted(maildir.iterkeys()):
                yield f"{path}:{key}", maildir.get_bytes(key)
        elif path.is_dir():
            for file in sorted(path.rglob("*.eml")):
                yield str(file), file.read_bytes()
        else:
            yield str(path), path.read_bytes()
