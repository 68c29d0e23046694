"""The built-in SMTP receiver: mail for the organisations' mailboxes, answered 250 only once stored.

``manage.py smtp_receiver`` runs it (``make run`` on 127.0.0.1:2525). In production put it
behind the MTA that receives the domain's mail (Postfix relays to it; see
docs/channels/email.md), or let it listen itself. Recipients that are not an active mailbox
are refused at RCPT time (550), so a sender learns at once; a message over the size limit is
refused with 552; a message that cannot be stored now gets 451 (the sender retries later).
A sender over ``EMAIL_SENDER_LIMIT`` messages an hour (a mail storm, a loop with another
system's auto-responder) gets 451 at MAIL time: their mail waits in their queue, none is lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from loket.integrations.email.inbound import do_accept_email, find_mailbox
from loket.integrations.models import Mailbox

logger = logging.getLogger(__name__)


class LenientSMTP(SMTP):
    """RFC 5321 allows 1,000 octets per line; real senders exceed it (HTML mail in one line).
    Refusing those would lose a customer's mail, so lines up to 64 KiB are taken."""

    line_length_limit = 65_536


def _mailbox_for(address: str) -> Mailbox | None:
    close_old_connections()
    return find_mailbox(address)


def _store(mailboxes: list[Mailbox], raw: bytes) -> int:
    close_old_connections()
    return sum(1 for accepted in do_accept_email(mailboxes, raw) if accepted.created)


def over_sender_limit(address: str) -> bool:
    """Count a message from ``address`` in this hour's window (shared through the cache: Redis
    in production, so every receiver process counts together); True once over the limit.
    The null sender (bounces) is not limited: many servers share it."""
    limit = settings.EMAIL_SENDER_LIMIT
    if not limit or not address.strip("<> "):
        return False
    key = f"loket:smtp:sender:{address.strip().lower()}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


class MailboxHandler:
    """aiosmtpd handler: MAIL checks the sender's rate, RCPT the mailbox, DATA stores the raw
    message before 250."""

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if await sync_to_async(over_sender_limit)(address):
            logger.warning("smtp: %s is over the limit of %s messages an hour", address, settings.EMAIL_SENDER_LIMIT)
            return "451 4.7.1 Too many messages from this sender; please try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        mailbox = await sync_to_async(_mailbox_for)(address)
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        mailboxes: list[Mailbox] = getattr(envelope, "loket_mailboxes", [])
        mailboxes.append(mailbox)
        envelope.loket_mailboxes = mailboxes  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        mailboxes: list[Mailbox] = getattr(envelope, "loket_mailboxes", [])
        try:
            await sync_to_async(_store)(mailboxes, raw)
        except Exception:
            logger.exception("smtp: could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 The message could not be stored; please try again later"
        return "250 2.0.0 Message stored"


class MailboxController(Controller):
    def factory(self) -> SMTP:
        return LenientSMTP(
            self.handler,
            data_size_limit=settings.EMAIL_MAX_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.hostname_for_greeting,
            ident="Loket",
        )

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        self.hostname_for_greeting = kwargs.pop("server_hostname", None) or "loket"
        super().__init__(MailboxHandler(), hostname=host, port=port, **kwargs)

    def stop(self, no_assert: bool = False) -> None:
        """Stop, after closing the database connections the handler's thread opened."""
        if self.loop.is_running():
            closing = asyncio.run_coroutine_threadsafe(sync_to_async(connections.close_all)(), self.loop)
            closing.result(timeout=10)
        super().stop(no_assert=no_assert)
