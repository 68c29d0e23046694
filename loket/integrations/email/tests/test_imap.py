"""IMAP polling against a real IMAP server (Debian's dovecot on loopback)."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient

from loket.accounts.models import Membership
from loket.cases.models import Case, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.email import imap
from loket.integrations.email.actions import check_set_imap
from loket.integrations.email.imap import ImapError, poll
from loket.integrations.email.tests.imap_server import DOVECOT, MISSING, dovecot
from loket.integrations.models import ImapAccount, InboundDelivery, Mailbox

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not DOVECOT.exists(), reason=MISSING)]


def mail(n: int, sender: str = "jolanda@example.nl") -> bytes:
    return (
        f"From: Klant {n} <{sender}>\r\nTo: service@woonwinkel.example\r\nSubject: Vraag {n}\r\n"
        f"Message-ID: <vraag-{n}@example.nl>\r\n\r\nDit is vraag {n}.\r\n"
    ).encode()


@pytest.fixture
def server():
    with dovecot() as running:
        yield running


@pytest.fixture
def other_client(server):
    """The customer's side of the mailbox: another mail client on the same account."""
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(server.username, server.password)
    yield client
    client.logout()


@pytest.fixture
def account(org, team, owner, server):
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)
    return check_set_imap(
        Membership.objects.get(user=owner, organization=org),
        mailbox,
        host=server.host,
        port=server.port,
        security="none",
        username=server.username,
        password=server.password,
    )


def inbox_uids(client: IMAPClient, folder: str = "INBOX") -> list[int]:
    client.select_folder(folder)
    return client.search("ALL")


def test_new_mail_is_stored_once_and_moved_to_the_processed_folder(account, other_client):
    for n in range(3):
        other_client.append("INBOX", mail(n))
    other_client.add_flags(inbox_uids(other_client)[:1], [b"\\Seen"])  # read elsewhere: still fetched

    result = poll(account)

    assert (result.fetched, result.stored, result.filed) == (3, 3, 3)
    assert InboundDelivery.objects.filter(mailbox=account.mailbox).count() == 3
    assert inbox_uids(other_client) == []
    assert len(inbox_uids(other_client, "Loket/Verwerkt")) == 3
    account.refresh_from_db()
    assert account.last_poll_at is not None
    assert (account.last_error, account.fetched_count) == ("", 3)

    do_process_pending()
    assert sorted(Case.objects.values_list("subject", flat=True)) == ["Vraag 0"]  # one customer, one case
    assert Message.objects.count() == 3

    other_client.append("INBOX", mail(3))
    assert poll(account).fetched == 1  # only what is new


def test_without_a_processed_folder_mail_stays_and_is_marked_seen(account, other_client):
    account.processed_folder = ""
    account.save()
    other_client.append("INBOX", mail(1))
    result = poll(account)
    assert (result.stored, result.filed) == (1, 1)
    other_client.select_folder("INBOX")
    assert other_client.search("SEEN") == inbox_uids(other_client) != []
    assert poll(account).fetched == 0


def test_a_crash_after_storing_takes_nothing_twice_and_files_it_away_next_time(account, other_client, monkeypatch):
    other_client.append("INBOX", mail(1))

    def crash(*args, **kwargs):
        raise OSError("connection reset by peer")

    monkeypatch.setattr(imap, "_file_away", crash)
    with pytest.raises(OSError, match="connection reset"):
        poll(account)
    assert InboundDelivery.objects.count() == 1
    account.refresh_from_db()
    assert account.last_error == "OSError: connection reset by peer"
    monkeypatch.undo()

    result = poll(account)
    assert (result.fetched, result.filed) == (0, 1)
    assert InboundDelivery.objects.count() == 1
    assert inbox_uids(other_client) == []


def test_a_crash_before_the_uid_is_remembered_stores_nothing_twice(account, other_client, monkeypatch):
    for n in range(2):
        other_client.append("INBOX", mail(n))
    real = imap.do_accept_emails

    def store_then_crash(mailbox, raws):
        real(mailbox, raws)
        raise OSError("killed")

    monkeypatch.setattr(imap, "do_accept_emails", store_then_crash)
    with pytest.raises(OSError, match="killed"):
        poll(account)
    monkeypatch.undo()

    result = poll(account)
    assert (result.fetched, result.stored, result.filed) == (2, 0, 2)  # fetched again, recognised
    assert InboundDelivery.objects.count() == 2


def test_a_renumbered_folder_is_read_again_without_duplicates(account, other_client):
    account.processed_folder = ""
    account.save()
    other_client.append("INBOX", mail(1))
    poll(account)
    ImapAccount.objects.filter(pk=account.pk).update(uidvalidity=1)  # as after a server migration
    account.refresh_from_db()
    result = poll(account)
    assert (result.fetched, result.stored) == (1, 0)
    assert InboundDelivery.objects.count() == 1


def test_a_wrong_password_is_shown_on_the_mailbox(account, client, owner):
    from loket.lib.secrets import encrypt

    account.password_encrypted = encrypt("fout")
    account.save()
    with pytest.raises(ImapError):
        poll(account)
    account.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in account.last_error
    client.force_login(owner)
    html = client.get("/beheer/mailboxen/").content.decode()
    assert 'data-testid="imap-error"' in html
    assert "AUTHENTICATIONFAILED" in html


def test_one_poller_per_account_at_a_time(account):
    assert imap.take_lease(account)
    assert poll(account) is None  # another poller is busy with it
    imap.release_lease(account)


def test_the_poller_command_polls_every_account_once(account, other_client):
    from io import StringIO

    from django.core.management import call_command

    other_client.append("INBOX", mail(1))
    out = StringIO()
    call_command("imap_poller", "--once", stdout=out)
    assert "1 new of 1 fetched" in out.getvalue()
