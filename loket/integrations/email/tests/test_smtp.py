"""The SMTP receiver on loopback: real aiosmtpd, real smtplib, every corpus e-mail through it."""

from __future__ import annotations

import re
import smtplib
import socket

import pytest
import time_machine

from loket.cases.models import Case, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.email.parse import message_id_of
from loket.integrations.email.smtp import MailboxController
from loket.integrations.email.tests.corpora import CORPORA, MISSING, email_files
from loket.integrations.models import InboundDelivery, Mailbox

pytestmark = pytest.mark.django_db(transaction=True)  # the receiver's thread has its own connection

MAIL = (
    b"From: Jolanda de Vries <Jolanda@Example.nl>\r\n"
    b"To: service@woonwinkel.example\r\n"
    b"Subject: Bank beschadigd\r\n"
    b"Message-ID: <bank-1@example.nl>\r\n"
    b"\r\n"
    b"De bank is beschadigd aangekomen.\r\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox(org, team):
    return Mailbox.objects.create(organization=org, address="Service@Woonwinkel.example", team=team)


@pytest.fixture
def smtp_port(mailbox):
    port = free_port()
    controller = MailboxController("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def send(port: int, raw: bytes, to: str = "service@woonwinkel.example") -> None:
    """As a mail server sends it: CRLF line ends on the wire (smtplib sends bytes unchanged,
    and the corpus files have whatever line ends their authors' systems wrote)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail("jolanda@example.nl", [to], on_the_wire(raw))


def on_the_wire(raw: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", raw)


def test_mail_to_a_mailbox_is_stored_before_250_and_becomes_a_case_for_its_team(smtp_port, mailbox, team):
    send(smtp_port, MAIL)

    delivery = InboundDelivery.objects.get()  # stored when the sender heard 250
    assert (delivery.channel, delivery.external_id, delivery.mailbox) == ("email", "<bank-1@example.nl>", mailbox)
    assert b"De bank is beschadigd" in bytes(delivery.raw)

    assert do_process_pending() == 1
    message = Message.objects.get()
    assert message.text.strip() == "De bank is beschadigd aangekomen."
    assert message.channel == "email"
    assert message.identity.value == "jolanda@example.nl"
    case = message.case
    assert (case.subject, case.team) == ("Bank beschadigd", team)
    assert case.customer.name == "Jolanda de Vries"


def test_nul_characters_in_a_mail_are_dropped_not_refused_by_the_database(smtp_port):
    send(smtp_port, MAIL.replace(b"De bank", b"De\x00 bank").replace(b"Subject: Bank", b"Subject: B\x00ank"))
    assert do_process_pending() == 1
    message = Message.objects.get()
    assert message.text.strip() == "De bank is beschadigd aangekomen."
    assert message.case.subject == "Bank beschadigd"


def test_a_redelivered_message_is_stored_once(smtp_port):
    send(smtp_port, MAIL)
    send(smtp_port, MAIL)
    do_process_pending()
    assert InboundDelivery.objects.count() == 1
    assert Message.objects.count() == 1


def test_an_unknown_recipient_is_refused_at_rcpt_time_and_nothing_is_stored(smtp_port):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(smtp_port, MAIL, to="nobody@woonwinkel.example")
    assert refused.value.recipients["nobody@woonwinkel.example"][0] == 550
    assert InboundDelivery.objects.count() == 0


def test_a_mailbox_switched_off_refuses_mail_once_the_receiver_looks_again(smtp_port, mailbox):
    """The receiver remembers mailboxes for 30 s (a database query per RCPT cost as much as
    storing the message); a mailbox switched off refuses mail once that has passed."""
    with time_machine.travel("2026-11-27 10:00", tick=False) as traveller:
        send(smtp_port, MAIL)
        Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
        traveller.shift(31)
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            send(smtp_port, MAIL.replace(b"bank-1@", b"bank-2@"))
    assert InboundDelivery.objects.count() == 1


def test_a_message_over_the_size_limit_is_refused_with_552(smtp_port, settings):
    settings.EMAIL_MAX_BYTES = 1000  # read when a session starts
    # smtplib announces the size (SIZE=…): refused at MAIL FROM, or at the end of DATA otherwise
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
        send(smtp_port, MAIL + b"x" * 2000 + b"\r\n")
    assert refused.value.smtp_code == 552
    assert InboundDelivery.objects.count() == 0


def test_a_mail_storm_from_one_sender_is_deferred_with_451_and_nothing_is_lost(smtp_port, settings):
    settings.EMAIL_SENDER_LIMIT = 2
    send(smtp_port, MAIL)
    send(smtp_port, MAIL.replace(b"bank-1@", b"bank-2@"))
    with pytest.raises(smtplib.SMTPSenderRefused) as deferred:
        send(smtp_port, MAIL.replace(b"bank-1@", b"bank-3@"))
    assert deferred.value.smtp_code == 451  # temporary: the sender's server keeps it and tries later
    assert InboundDelivery.objects.count() == 2
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:  # others still get through
        client.sendmail("piet@example.nl", ["service@woonwinkel.example"], MAIL.replace(b"bank-1@", b"piet-1@"))
    assert InboundDelivery.objects.count() == 3


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_every_corpus_mail_becomes_a_message_or_is_quarantined_with_a_reason(smtp_port, settings):
    settings.EMAIL_SENDER_LIMIT = 0  # one envelope sender replays the whole corpus, twice
    files = email_files()
    assert len(files) > 150
    for path in files:
        send(smtp_port, path.read_bytes())
    while do_process_pending():
        pass

    outcomes = {}
    for delivery in InboundDelivery.objects.select_related("message"):
        if delivery.status == InboundDelivery.Status.DONE:
            message = delivery.message
            readable = message.text.strip() or message.attachments.exists() or message.case.subject
            outcomes[delivery.pk] = "stored" if readable else "empty"
        else:
            outcomes[delivery.pk] = delivery.error.split(":")[0] if delivery.error else delivery.status
    # Every message is either stored with something to read, or rejected with a reason —
    # never left pending, never failed by an exception in Loket's own code.
    defects = {d.external_id: d.error for d in InboundDelivery.objects.exclude(status="done")}
    assert set(outcomes.values()) <= {"stored", "Rejected"}, defects
    stored = InboundDelivery.objects.count()
    # Test fixtures reuse Message-IDs (a series of replies, the same mail in two suites): a
    # Message-ID seen before is a redelivery, stored once.
    assert stored == len({message_id_of(on_the_wire(path.read_bytes())) for path in files})
    assert list(outcomes.values()).count("stored") >= stored * 0.9

    for path in files:  # redelivery of the whole corpus
        send(smtp_port, path.read_bytes())
    assert InboundDelivery.objects.count() == stored
    assert do_process_pending() == 0
    assert Case.objects.count() > 0


def smtp_session(port: int, data: bytes) -> list[bytes]:
    """A raw SMTP client: the server's replies to one transaction whose DATA part is ``data``
    (sent in one write, pipelined commands after it included)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        reader = sock.makefile("rb")
        replies = [reader.readline()]
        for command in (b"EHLO client.example\r\n", b"MAIL FROM:<jolanda@example.nl>\r\n"):
            sock.sendall(command)
            replies.append(reader.readline())
            while replies[-1][3:4] == b"-":  # a multi-line EHLO answer
                replies.append(reader.readline())
        for command in (b"RCPT TO:<service@woonwinkel.example>\r\n", b"DATA\r\n"):
            sock.sendall(command)
            replies.append(reader.readline())
        sock.sendall(data)
        replies.append(reader.readline())
        if data.endswith(b"QUIT\r\n"):
            replies.append(reader.readline())
        return replies


@pytest.mark.parametrize(
    ("wire", "stored"),
    [
        (b".\r\n", b""),
        (b"x\r\n.\r\n", b"x\r\n"),
        (b"\r\n.\r\n", b"\r\n"),
        (b"..verborgen\r\n.\r\n", b".verborgen\r\n"),
        (b"a\r\n..b\r\n.\r\n", b"a\r\n.b\r\n"),
        (b"a\r\n.\r\nQUIT\r\n", b"a\r\n"),  # the next command pipelined right after the message
    ],
    ids=["empty", "one-line", "empty-line", "leading-dot", "dot-inside", "pipelined-quit"],
)
def test_data_is_read_up_to_its_terminator_and_unstuffed(smtp_port, wire, stored):
    replies = smtp_session(smtp_port, wire)
    assert replies[-2 if wire.endswith(b"QUIT\r\n") else -1].startswith(b"250 2.0.0 Message stored")
    if wire.endswith(b"QUIT\r\n"):
        assert replies[-1].startswith(b"221")
    assert bytes(InboundDelivery.objects.get().raw) == stored


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_corpus_mail_is_stored_byte_for_byte_as_it_was_sent(smtp_port, settings):
    settings.EMAIL_SENDER_LIMIT = 0
    for path in email_files():
        InboundDelivery.objects.all().delete()
        send(smtp_port, path.read_bytes())
        wire = on_the_wire(path.read_bytes())
        sent = wire if wire.endswith(b"\r\n") else wire + b"\r\n"  # smtplib ends the last line
        assert bytes(InboundDelivery.objects.get().raw) == sent, path.name


@pytest.mark.parametrize("size", [1_500, 70_000], ids=["just-over", "far-over-the-buffer"])
def test_data_over_the_limit_without_a_size_announcement_gets_552_and_is_logged(smtp_port, settings, caplog, size):
    settings.EMAIL_MAX_BYTES = 1000  # read when a session starts
    replies = smtp_session(smtp_port, b"x" * size + b"\r\n" + b"y" * 500 + b"\r\n.\r\n")
    assert replies[-1].startswith(b"552")
    assert InboundDelivery.objects.count() == 0
    assert "refused a message over 1000 bytes" in caplog.text
