"""IMAP in: poll a mailbox on another server, store every new message once, then file it away.

``poll(account)`` is one round (``manage.py imap_poller`` runs rounds for every account, and
waits with IDLE where the server offers it):

1. take the account's lease (one poller per account, however many processes run);
2. select the folder; a changed UIDVALIDITY means the UIDs were renumbered: start again from
   UID 1 (what was stored before is recognised by its Message-ID and not stored twice);
3. fetch every message above the highest UID stored, with ``BODY.PEEK[]`` (no \\Seen flag
   until it is stored), in chunks; store each chunk (``do_accept_email``), then remember its
   highest UID;
4. file away everything up to that UID: MOVE it to the processed folder (COPY + delete where
   the server has no MOVE), or mark it \\Seen when there is no processed folder.

A crash anywhere loses nothing and takes nothing twice: before step 3's commit the messages
are fetched again (and recognised by Message-ID); after it, they are above no longer, and
step 4 files them away on the next round.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from loket.integrations.email.inbound import do_accept_emails
from loket.integrations.models import ImapAccount
from loket.lib.secrets import SecretUnreadable, decrypt

logger = logging.getLogger(__name__)

CHUNK = 50  # messages fetched and stored at a time
LEASE = timedelta(minutes=10)  # a round longer than this lets another poller take over
TIMEOUT = 60  # seconds for any one network operation


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0  # new: not stored before
    filed: int = 0  # moved to the processed folder or marked seen


class ImapError(Exception):
    """Connecting, logging in or talking to the server failed; the reason is kept on the account."""


def take_lease(account: ImapAccount) -> bool:
    now = timezone.now()
    taken = (
        ImapAccount.objects.filter(pk=account.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )
    return taken == 1


def release_lease(account: ImapAccount) -> None:
    ImapAccount.objects.filter(pk=account.pk).update(lease_until=None)


@contextmanager
def connect(account: ImapAccount) -> Iterator[IMAPClient]:
    """A logged-in client; ImapError (with a reason an admin understands) when that fails."""
    try:
        password = decrypt(account.password_encrypted)
    except SecretUnreadable as error:
        raise ImapError(f"the stored password cannot be read: {error}; enter it again") from None
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            account.host,
            port=account.port,
            ssl=account.security == ImapAccount.Security.SSL,
            ssl_context=context,
            timeout=TIMEOUT,
        )
    except (IMAPClientError, OSError) as error:
        raise ImapError(f"{type(error).__name__}: {error}") from error
    try:
        if account.security == ImapAccount.Security.STARTTLS:
            client.starttls(context)
        client.login(account.username, password)
    except (IMAPClientError, OSError) as error:
        client.shutdown()
        raise ImapError(f"{type(error).__name__}: {_text(error)}") from error
    try:
        yield client
    finally:
        with suppress(IMAPClientError, OSError):  # the server went away: nothing to log out of
            client.logout()


def _text(error: Exception) -> str:
    """imaplib puts the server's words in bytes: b'[AUTHENTICATIONFAILED] …' reads better as text."""
    reason = error.args[0] if error.args else error
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def poll(account: ImapAccount, client: IMAPClient | None = None) -> PollResult | None:
    """One round for the account; None when another poller holds it. Records the outcome."""
    if not take_lease(account):
        return None
    try:
        if client is None:
            with connect(account) as fresh:
                result = _round(account, fresh)
        else:
            result = _round(account, client)
    except (ImapError, IMAPClientError, OSError) as error:
        record_error(account, error)
        raise
    finally:
        release_lease(account)
    ImapAccount.objects.filter(pk=account.pk).update(last_poll_at=timezone.now(), last_error="", last_error_at=None)
    return result


def record_error(account: ImapAccount, error: Exception) -> None:
    reason = str(error) if isinstance(error, ImapError) else f"{type(error).__name__}: {error}"
    now = timezone.now()
    ImapAccount.objects.filter(pk=account.pk).update(last_poll_at=now, last_error=reason[:2000], last_error_at=now)
    logger.warning("imap %s: %s", account, reason)


def _round(account: ImapAccount, client: IMAPClient) -> PollResult:
    result = PollResult()
    info = client.select_folder(account.folder)
    uidvalidity = int(info[b"UIDVALIDITY"])
    if account.uidvalidity != uidvalidity:
        if account.uidvalidity is not None:
            logger.warning("imap %s: UIDVALIDITY changed, reading %s again from the start", account, account.folder)
        account.uidvalidity, account.last_uid = uidvalidity, 0
        ImapAccount.objects.filter(pk=account.pk).update(uidvalidity=uidvalidity, last_uid=0)
    # "n:*" always matches the highest UID, even when it is below n: filter.
    new = sorted(uid for uid in client.search(["UID", f"{account.last_uid + 1}:*"]) if uid > account.last_uid)
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        fetched = client.fetch(chunk, ["BODY.PEEK[]"])
        raws = [bytes(fetched[uid][b"BODY[]"]) for uid in chunk if uid in fetched]
        accepted = do_accept_emails(account.mailbox, raws)  # committed when it returns
        result.fetched += len(raws)
        result.stored += sum(1 for item in accepted if item.created)
        account.last_uid = chunk[-1]
        ImapAccount.objects.filter(pk=account.pk).update(
            last_uid=account.last_uid, fetched_count=F("fetched_count") + len(raws)
        )
    result.filed = _file_away(account, client)
    return result


def _file_away(account: ImapAccount, client: IMAPClient) -> int:
    """Move (or mark seen) what is stored: every UID up to the highest stored one."""
    if account.last_uid == 0:
        return 0
    if not account.processed_folder:
        unseen = client.search(["UID", f"1:{account.last_uid}", "UNSEEN"])
        done = [uid for uid in unseen if uid <= account.last_uid]
        if done:
            client.add_flags(done, [b"\\Seen"])
        return len(done)
    done = [uid for uid in client.search(["UID", f"1:{account.last_uid}"]) if uid <= account.last_uid]
    if not done:
        return 0
    if not client.folder_exists(account.processed_folder):
        client.create_folder(account.processed_folder)
    if client.has_capability("MOVE"):
        client.move(done, account.processed_folder)
    else:
        client.copy(done, account.processed_folder)
        client.delete_messages(done)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(done)
        else:
            client.expunge()
    return len(done)


def idle_wait(client: IMAPClient, seconds: int) -> bool:
    """Wait for the server to announce new mail (IDLE, RFC 2177), at most ``seconds``.

    Returns True when something arrived. Servers drop an IDLE after 30 minutes: keep it shorter.
    """
    client.idle()
    try:
        responses = client.idle_check(timeout=seconds)
    finally:
        client.idle_done()
    return any(b"EXISTS" in response for response in responses)


def accounts_due() -> list[ImapAccount]:
    return list(
        ImapAccount.objects.select_related("mailbox")
        .filter(mailbox__is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
        .order_by("pk")
    )
