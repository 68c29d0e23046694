"""E-mail threading: replies land on the case they answer, not on a new one."""

from __future__ import annotations

import pytest

from loket.cases.actions import do_resolve_case
from loket.cases.models import Case, Message
from loket.events.models import Event
from loket.integrations.actions import do_process_pending
from loket.integrations.email.inbound import do_accept_email
from loket.integrations.models import Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(org, team):
    return Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)


def mail(mailbox, *, sender: str, message_id: str, subject: str = "Bank", extra: str = "", text: str = "Hallo"):
    raw = f"From: {sender}\r\nTo: {mailbox.address}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
    raw += f"{extra}\r\n{text}\r\n"
    do_accept_email([mailbox], raw.encode())
    do_process_pending()
    return Message.objects.get(external_id=message_id)


def test_a_reply_with_in_reply_to_lands_on_the_case_it_answers_and_reopens_it(mailbox, agent):
    first = mail(mailbox, sender="jolanda@example.nl", message_id="<1@example.nl>")
    do_resolve_case(first.case, actor=agent)
    # Meanwhile Jolanda has another open case; the reply still goes to the one it answers.
    other = mail(mailbox, sender="jolanda@example.nl", message_id="<2@example.nl>", subject="Factuur")
    assert other.case != first.case

    reply = mail(
        mailbox,
        sender="jolanda@example.nl",
        message_id="<3@example.nl>",
        subject="Re: Bank",
        extra="In-Reply-To: <1@example.nl>\r\nReferences: <1@example.nl>\r\n",
    )
    assert reply.case == first.case
    case = Case.objects.get(pk=first.case_id)
    assert case.status == Case.Status.OPEN
    assert case.resolved_at is None
    assert Event.objects.filter(case=case, type="case.reopened").count() == 1


def test_a_reply_from_another_address_of_the_customer_still_threads(mailbox):
    first = mail(mailbox, sender="Jolanda <jolanda@example.nl>", message_id="<1@example.nl>")
    reply = mail(
        mailbox,
        sender="Jolanda <j.devries@werk.example>",
        message_id="<2@werk.example>",
        extra="References: <0@elders.example> <1@example.nl>\r\n",
    )
    assert reply.case == first.case
    assert reply.identity.value == "j.devries@werk.example"


def test_the_case_number_in_the_subject_threads_for_the_cases_customer(mailbox):
    first = mail(mailbox, sender="jolanda@example.nl", message_id="<1@example.nl>")
    mail(mailbox, sender="jolanda@example.nl", message_id="<2@example.nl>", subject="Iets anders")  # same case
    reply = mail(
        mailbox, sender="jolanda@example.nl", message_id="<3@example.nl>", subject=f"Re: [{first.case.number}] Bank"
    )
    assert reply.case == first.case


def test_the_case_number_of_someone_elses_case_does_not_thread(mailbox):
    first = mail(mailbox, sender="jolanda@example.nl", message_id="<1@example.nl>")
    stranger = mail(
        mailbox, sender="onbekend@example.org", message_id="<2@example.org>", subject=f"[{first.case.number}]"
    )
    assert stranger.case != first.case
    assert stranger.case.customer != first.case.customer


def test_a_reply_to_a_closed_case_opens_a_new_one(mailbox):
    first = mail(mailbox, sender="jolanda@example.nl", message_id="<1@example.nl>")
    Case.objects.filter(pk=first.case_id).update(status=Case.Status.CLOSED)
    reply = mail(
        mailbox, sender="jolanda@example.nl", message_id="<2@example.nl>", extra="In-Reply-To: <1@example.nl>\r\n"
    )
    assert reply.case != first.case
    assert reply.case.status == Case.Status.NEW


def test_an_out_of_office_reply_is_stored_on_the_case_but_does_not_reopen_it(mailbox, agent):
    first = mail(mailbox, sender="jolanda@example.nl", message_id="<1@example.nl>")
    do_resolve_case(first.case, actor=agent)
    auto = mail(
        mailbox,
        sender="jolanda@example.nl",
        message_id="<2@example.nl>",
        subject="Automatisch antwoord: Bank",
        extra="In-Reply-To: <1@example.nl>\r\nAuto-Submitted: auto-replied\r\n",
        text="Ik ben tot maandag afwezig.",
    )
    assert auto.case == first.case
    assert Case.objects.get(pk=first.case_id).status == Case.Status.RESOLVED
    assert not Event.objects.filter(case=first.case, type="case.reopened").exists()


def test_a_colleague_in_cc_replying_stays_on_the_case_under_their_own_name(mailbox, client, agent, org):
    first = mail(
        mailbox,
        sender="Jolanda de Vries <jolanda@example.nl>",
        message_id="<1@example.nl>",
        extra="Cc: Piet de Vries <piet@example.nl>, archief@example.nl\r\n",
    )
    assert first.cc == ["archief@example.nl", "piet@example.nl"]
    reply = mail(
        mailbox,
        sender="Piet de Vries <piet@example.nl>",
        message_id="<2@example.nl>",
        extra="In-Reply-To: <1@example.nl>\r\n",
    )
    assert reply.case == first.case

    client.force_login(agent)
    html = client.get(f"/zaken/{first.case_id}/").content.decode()
    assert 'Piet de Vries <span class="muted">&lt;piet@example.nl&gt;' in html
    assert "archief@example.nl, piet@example.nl" in html
