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
import time
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session, syntax
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from loket.integrations.email.inbound import do_accept_email, find_mailbox
from loket.integrations.models import Mailbox

logger = logging.getLogger(__name__)


TERMINATOR = b"\r\n.\r\n"


class LenientSMTP(SMTP):
    """aiosmtpd's server with two changes, both for real mail:

    - Lines of any length are taken. RFC 5321 allows 1,000 octets; real senders exceed it
      (HTML mail in one line), and refusing would lose a customer's mail. The size limit
      (``data_size_limit``) still bounds a message.
    - DATA is read in blocks up to the terminating ``<CRLF>.<CRLF>`` instead of line by line:
      aiosmtpd's loop costs about 10 ms per message of the corpus (an await and a log call per
      line), most of the receiver's time. Dot-unstuffing (RFC 5321 4.5.2) and the 552 for too
      much data are kept; the handler sees the same ``envelope.content``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The stream buffer must hold a whole message to find its end in one search.
        self.line_length_limit = (kwargs.get("data_size_limit") or settings.EMAIL_MAX_BYTES) + 1024
        super().__init__(*args, **kwargs)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            body = await self._read_data()
        except asyncio.IncompleteReadError:
            return  # the client went away mid-message: nothing to answer
        if body is None:
            logger.warning(
                "smtp: refused a message over %s bytes from %s (552)", self.data_size_limit, self.envelope.mail_from
            )
            await self.push("552 Error: Too much mail data")
            self._set_post_data_state()
            return
        # Dot-unstuffing: a line that starts with "." was sent with one more.
        if body.startswith(b"."):
            body = body[1:]
        body = body.replace(b"\r\n.", b"\r\n")
        self.envelope.content = self.envelope.original_content = body
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    async def _read_data(self) -> bytes | None:
        """The message up to and including its last CRLF; None when it is over the size limit.

        The terminator is CRLF "." CRLF, where the first CRLF ends the message's last line (or
        the DATA command, for an empty message). The first bytes are read one step at a time
        until no part of a terminator can hide in them; then one search finds the end.
        """
        reader = self._reader
        data = await reader.readexactly(3)
        if data == b".\r\n":
            return b""
        while True:
            overlap = next((k for k in (4, 3, 2, 1) if data.endswith(TERMINATOR[:k])), 0)
            if not overlap:
                break
            more = await reader.readexactly(5 - overlap)
            data += more
            if more == TERMINATOR[overlap:]:
                return data[:-3]
        try:
            rest = await reader.readuntil(TERMINATOR)
        except asyncio.LimitOverrunError:
            await self._discard_data()
            return None
        message = data + rest[:-3]
        if self.data_size_limit and len(message) > self.data_size_limit:
            return None
        return message

    async def _discard_data(self) -> None:
        """Read and drop a message that is too large, up to its terminator."""
        tail = b""
        while True:
            chunk = await self._reader.read(65_536)
            if not chunk:
                raise asyncio.IncompleteReadError(b"", None)
            window = tail + chunk
            if TERMINATOR in window:
                return
            tail = window[-4:]


class MailboxCache:
    """Recipient address → active mailbox (or None), remembered for ``seconds``.

    The receiver asks at every RCPT; a database round trip each time cost as much CPU as
    storing the message (measured in bench/). A mailbox added, changed or switched off counts
    at the receiver within ``seconds``.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        self.seconds = seconds
        self._known: dict[str, tuple[float, Mailbox | None]] = {}

    def get(self, address: str) -> tuple[bool, Mailbox | None]:
        """(known, mailbox): known is False when the database must be asked."""
        found = self._known.get(address.strip().lower())
        # Wall-clock time (tests control it); an entry further ahead than ``seconds`` means the
        # clock was set back, and counts as expired too.
        if found is None or not 0 <= found[0] - time.time() <= self.seconds:
            return False, None
        return True, found[1]

    def put(self, address: str, mailbox: Mailbox | None) -> None:
        if len(self._known) > 10_000:  # addresses are unbounded (strangers' RCPTs): start over
            self._known.clear()
        self._known[address.strip().lower()] = (time.time() + self.seconds, mailbox)


def _mailbox_for(address: str) -> Mailbox | None:
    close_old_connections()
    return find_mailbox(address)


def _store(mailboxes: list[Mailbox], raw: bytes) -> int:
    """Runs in a worker thread of its own (several sessions store at once: their commits
    overlap instead of queueing behind one thread); hands its connection back when done."""
    try:
        return sum(1 for accepted in do_accept_email(mailboxes, raw) if accepted.created)
    finally:
        connections.close_all()


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

    def __init__(self) -> None:
        self.mailboxes = MailboxCache()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if settings.EMAIL_SENDER_LIMIT and await sync_to_async(over_sender_limit)(address):
            logger.warning("smtp: %s is over the limit of %s messages an hour", address, settings.EMAIL_SENDER_LIMIT)
            return "451 4.7.1 Too many messages from this sender; please try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        known, mailbox = self.mailboxes.get(address)
        if not known:
            mailbox = await sync_to_async(_mailbox_for)(address)
            self.mailboxes.put(address, mailbox)
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
            await sync_to_async(_store, thread_sensitive=False)(mailboxes, raw)
        except Exception:
            logger.exception("smtp: could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 The message could not be stored; please try again later"
        return "250 2.0.0 Message stored"


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop (installed with uvicorn[standard]) where it is there: faster sockets for the receiver."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


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
        if "loop" not in kwargs:
            kwargs["loop"] = new_event_loop()
        super().__init__(MailboxHandler(), hostname=host, port=port, **kwargs)

    def stop(self, no_assert: bool = False) -> None:
        """Stop, after closing the database connections the handler's thread opened."""
        if self.loop.is_running():
            closing = asyncio.run_coroutine_threadsafe(sync_to_async(connections.close_all)(), self.loop)
            closing.result(timeout=10)
        super().stop(no_assert=no_assert)
