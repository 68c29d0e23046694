"""E-mail out: replies leave through a real SMTP server on loopback and come back into their case.

The customer's mail server is an aiosmtpd server in the test; Loket's outbox talks SMTP to
it with Django's SMTP backend, as in production.
"""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from loket.accounts.models import Membership
from loket.cases.actions import check_reply, do_resolve_case
from loket.cases.models import Case, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.email.inbound import do_accept_email
from loket.integrations.email.tests.corpora import CORPORA, MISSING
from loket.integrations.email.tests.test_smtp import free_port, send
from loket.integrations.models import Mailbox

pytestmark = pytest.mark.django_db


class CustomerMailServer:
    """The customer's mail server: takes what Loket sends, or refuses it with ``answer``."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.answer = ""  # e.g. "451 4.3.0 Try later" for every RCPT

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.answer:
            return self.answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def mailbox(org, team):
    return Mailbox.objects.create(
        organization=org,
        address="service@woonwinkel.example",
        team=team,
        sender_name="Woonwinkel Klantenservice",
        signature="Team Klantenservice\nWoonwinkel",
    )


FIRST = (
    "From: Jolanda de Vries <jolanda@example.nl>\r\n"
    "To: service@woonwinkel.example\r\n"
    "Cc: Piet de Vries <piet@example.nl>\r\n"
    "Subject: Bank beschadigd\r\n"
    "Message-ID: <bank-1@example.nl>\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "\r\n"
    "De bank is beschadigd aangekomen.\r\n"
)


class Desk:
    """Mail arriving, agents replying, and the background worker running, as in production."""

    def __init__(self, capture, run_tasks) -> None:
        self.capture, self.run = capture, run_tasks

    def receive(self, mailbox: Mailbox, raw: str | bytes) -> None:
        with self.capture(execute=True):  # the acknowledgement is queued after commit
            do_accept_email([mailbox], raw.encode() if isinstance(raw, str) else raw)
            assert do_process_pending() == 1

    def reply(self, case: Case, agent, text: str = "Wij halen de bank dinsdag op.", **kwargs) -> Message:
        membership = Membership.objects.get(user=agent, organization=case.organization)
        with self.capture(execute=True):
            message = check_reply(membership, case, text=text, **kwargs)
        self.run()
        message.refresh_from_db()
        return message


def text_of(mail: EmailMessage) -> str:
    return mail.get_content().replace("\r\n", "\n")  # as the mail client shows it


@pytest.fixture
def desk(django_capture_on_commit_callbacks, run_tasks):
    return Desk(django_capture_on_commit_callbacks, run_tasks)


def test_a_reply_leaves_as_an_email_in_the_customers_thread(desk, mailbox, agent, customer_server):
    desk.receive(mailbox, FIRST)
    case = Case.objects.get()

    sent = desk.reply(case, agent)

    assert sent.delivery_status == Message.Delivery.SENT, sent.delivery_error
    [mail] = customer_server.received
    assert mail["From"] == "Woonwinkel Klantenservice <service@woonwinkel.example>"
    assert mail["To"] == "Jolanda de Vries <jolanda@example.nl>"
    assert mail["Cc"] == "piet@example.nl"  # she copied Piet: so does the answer
    assert mail["Subject"] == f"Re: Bank beschadigd [{case.number}]"
    assert mail["In-Reply-To"] == "<bank-1@example.nl>"
    assert mail["References"] == "<bank-1@example.nl>"
    assert mail["Reply-To"] == f"Woonwinkel Klantenservice <service+{case.number.lower()}@woonwinkel.example>"
    assert mail["Message-ID"] == sent.external_id  # how her answer will find the case
    assert "Auto-Submitted" not in mail
    body = text_of(mail)
    assert body.startswith("Wij halen de bank dinsdag op.\n\n-- \nTeam Klantenservice\nWoonwinkel\n")
    assert " om " in body.split("schreef Jolanda")[0]
    assert "schreef Jolanda de Vries <jolanda@example.nl>:\n> De bank is beschadigd aangekomen." in body
    assert sorted(customer_server.envelopes[0][1]) == ["jolanda@example.nl", "piet@example.nl"]


def test_the_customers_answer_to_a_reply_comes_back_into_the_case(desk, mailbox, agent, customer_server):
    desk.receive(mailbox, FIRST)
    case = Case.objects.get()
    sent = desk.reply(case, agent)
    # She answers from her work address, with a subject of her own: the headers thread it.
    desk.receive(
        mailbox,
        "From: Jolanda de Vries <j.devries@werk.example>\r\nTo: service@woonwinkel.example\r\n"
        f"Subject: dinsdag\r\nMessage-ID: <antwoord-1@werk.example>\r\nIn-Reply-To: {sent.external_id}\r\n"
        "\r\nDinsdag is goed.\r\n",
    )
    # A client that drops the headers and the subject: the reply-to address still says which case.
    desk.receive(
        mailbox,
        "From: jolanda@example.nl\r\n"
        f"To: service+{case.number.lower()}@woonwinkel.example\r\n"
        "Subject: nog iets\r\nMessage-ID: <antwoord-2@example.nl>\r\n\r\nIk ben er na tienen.\r\n",
    )
    assert Case.objects.count() == 1
    assert [m.text.strip() for m in Message.objects.filter(kind="inbound").order_by("pk")] == [
        "De bank is beschadigd aangekomen.",
        "Dinsdag is goed.",
        "Ik ben er na tienen.",
    ]


@pytest.mark.django_db(transaction=True)  # Loket's own SMTP receiver runs in a thread
def test_smtp_round_trip_both_ways(desk, mailbox, agent, customer_server):
    from loket.integrations.email.smtp import MailboxController

    port = free_port()
    receiver = MailboxController("127.0.0.1", port)
    receiver.start()
    try:
        send(port, FIRST.encode())
        do_process_pending()
        case = Case.objects.get()
        sent = desk.reply(case, agent)
        [mail] = customer_server.received
        # Her mail client answers: to the Reply-To address, quoting the In-Reply-To chain.
        answer = EmailMessage()
        answer["From"] = "jolanda@example.nl"
        answer["To"] = mail["Reply-To"]
        answer["Subject"] = "Re: " + mail["Subject"]
        answer["Message-ID"] = "<antwoord@example.nl>"
        answer["In-Reply-To"] = mail["Message-ID"]
        answer["References"] = f"{mail['References']} {mail['Message-ID']}"
        answer.set_content("Dinsdag is goed.")
        send(port, answer.as_bytes(), to=str(mail["Reply-To"].addresses[0].addr_spec))
        do_process_pending()
    finally:
        receiver.stop()
    assert sent.delivery_status == Message.Delivery.SENT
    assert Case.objects.count() == 1
    assert Message.objects.filter(case=case, kind="inbound").count() == 2


def test_a_refused_recipient_fails_visibly_and_is_not_retried(desk, mailbox, agent, customer_server):
    desk.receive(mailbox, FIRST)
    customer_server.answer = "550 5.1.1 <jolanda@example.nl>: Recipient address rejected: User unknown"
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.FAILED
    assert "550" in sent.delivery_error
    assert "User unknown" in sent.delivery_error
    assert desk.run() == 0  # nothing left to retry


def test_a_temporary_refusal_is_retried_with_backoff_until_it_is_sent(desk, mailbox, agent, customer_server):
    desk.receive(mailbox, FIRST)
    customer_server.answer = "451 4.3.0 Mailbox busy, try later"
    sent = desk.reply(Case.objects.get(), agent)
    assert sent.delivery_status == Message.Delivery.QUEUED
    assert customer_server.received == []

    customer_server.answer = ""
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert desk.run() == 1
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.SENT
    assert len(customer_server.received) == 1


def test_a_customer_without_an_email_address_gets_a_visible_failure(desk, org, agent, customer_server):
    from loket.cases.actions import do_open_case
    from loket.customers.actions import do_create_customer

    customer = do_create_customer(org, actor=None, name="Bert", identities=[("phone", "0612345678")])
    case = do_open_case(org, customer, subject="Bellen", actor=agent, owner=agent)
    message = desk.reply(case, agent, text="Hallo", channel="email")
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error == "De klant heeft geen e-mailadres."


# --- the acknowledgement ---------------------------------------------------------------------------


def test_a_new_case_gets_an_acknowledgement_with_its_number_that_no_machine_answers(desk, mailbox, customer_server):
    mailbox.send_acknowledgement, mailbox.response_hours = True, 48
    mailbox.save()
    desk.receive(mailbox, FIRST)
    desk.run()

    case = Case.objects.get()
    [mail] = customer_server.received
    assert mail["Subject"] == f"Ontvangen: Bank beschadigd [{case.number}]"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == "<bank-1@example.nl>"
    body = text_of(mail)
    assert body.startswith("Beste Jolanda de Vries,")
    assert f"onder zaaknummer {case.number} vastgelegd" in body
    assert "binnen 2 dagen" in body
    assert "De bank is beschadigd" not in body  # no quoted history in an automatic answer
    assert case.status == Case.Status.NEW  # an acknowledgement is not an answer
    ack = Message.objects.get(kind="outbound")
    assert ack.automatic
    assert ack.delivery_status == Message.Delivery.SENT

    # Her next mail adds to the open case: no second acknowledgement.
    desk.receive(mailbox, FIRST.replace("bank-1@", "bank-2@"))
    desk.run()
    assert len(customer_server.received) == 1


def test_the_mailbox_text_fills_in_its_placeholders(desk, mailbox, customer_server):
    mailbox.send_acknowledgement = True
    mailbox.acknowledgement_text = "Dag {naam}, zaak {zaaknummer} is binnen. {onbekend} blijft staan."
    mailbox.save()
    desk.receive(mailbox, FIRST)
    desk.run()
    number = Case.objects.get().number
    assert text_of(customer_server.received[0]).startswith(
        f"Dag Jolanda de Vries, zaak {number} is binnen. {{onbekend}} blijft staan.\n\n-- \nTeam"
    )


def test_an_english_customer_gets_the_acknowledgement_in_english(desk, mailbox, customer_server, org):
    from loket.customers.actions import do_create_customer

    do_create_customer(org, actor=None, name="John", identities=[("email", "jolanda@example.nl")], language="en")
    mailbox.send_acknowledgement = True
    mailbox.save()
    desk.receive(mailbox, FIRST)
    desk.run()
    mail = customer_server.received[0]
    assert mail["Subject"].startswith("Received: Bank beschadigd [")
    assert "within 24 hours" in text_of(mail)


def test_no_acknowledgement_to_an_auto_reply_or_when_the_mailbox_sends_none(desk, mailbox, customer_server):
    mailbox.send_acknowledgement = True
    mailbox.save()
    desk.receive(mailbox, FIRST.replace("Subject: Bank", "Auto-Submitted: auto-replied\r\nSubject: Bank"))
    mailbox.send_acknowledgement = False
    mailbox.save()
    desk.receive(mailbox, FIRST.replace("jolanda@", "piet@").replace("bank-1@", "bank-9@"))
    desk.run()
    assert Case.objects.count() == 2
    assert customer_server.received == []
    assert not Message.objects.filter(kind="outbound").exists()


# --- bounces -----------------------------------------------------------------------------------------

BOUNCE = "email/sisimai__rfc3464-01.eml"  # a real RFC 3464 report: 550 5.1.1 User Unknown


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_a_bounce_marks_the_reply_failed_on_its_case_and_opens_no_case(
    desk, mailbox, agent, customer_server, agent_client
):
    desk.receive(mailbox, FIRST)
    case = Case.objects.get()
    sent = desk.reply(case, agent)
    raw = (Path(CORPORA) / BOUNCE).read_bytes()
    # The real report, about our reply: its returned copy carries our Message-ID.
    raw = re.sub(rb"<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>", sent.external_id.encode(), raw)
    desk.receive(mailbox, raw)

    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.FAILED
    assert "5.1.1" in sent.delivery_error
    assert "User Unknown" in sent.delivery_error
    assert Case.objects.count() == 1
    assert Message.objects.count() == 2  # the report is no customer's message
    from loket.integrations.email.counts import last_days

    assert last_days([mailbox.pk])[mailbox.pk] == {"received": 1, "rejected": 0, "sent": 1, "failed": 1}
    page = agent_client.get(f"/zaken/{case.pk}/")
    assert "Niet afgeleverd:" in page.content.decode()
    assert "User Unknown" in page.content.decode()


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_a_bounce_of_someone_elses_mail_is_kept_as_an_automatic_message(desk, mailbox, agent):
    desk.receive(mailbox, (Path(CORPORA) / BOUNCE).read_bytes())
    message = Message.objects.get()
    assert message.automatic
    do_resolve_case(message.case, actor=agent)
    desk.receive(mailbox, (Path(CORPORA) / BOUNCE).read_bytes().replace(b"Message-Id: <", b"Message-Id: <x"))
    assert Case.objects.get(pk=message.case_id).status == Case.Status.RESOLVED  # never reopened by a machine


def test_mail_is_counted_per_mailbox_and_day(desk, mailbox, agent, owner, customer_server, client):
    from loket.integrations.email.counts import last_days

    desk.receive(mailbox, FIRST)
    no_sender = FIRST.replace("From: Jolanda de Vries <jolanda@example.nl>", "From: nobody")
    desk.receive(mailbox, no_sender.replace("bank-1", "q"))  # quarantined: rejected
    desk.reply(Case.objects.get(), agent)
    customer_server.answer = "550 5.1.1 Unknown user"
    desk.reply(Case.objects.get(), agent, text="Nog een keer.")

    assert last_days([mailbox.pk])[mailbox.pk] == {"received": 1, "rejected": 1, "sent": 1, "failed": 1}
    client.force_login(owner)
    html = client.get("/beheer/mailboxen/").content.decode()
    assert "1 ontvangen, 1 verzonden" in html
    assert "1 geweigerd, 1 mislukt" in html
