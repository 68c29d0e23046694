"""The transcript: the visitor's conversation e-mailed to them, through a real SMTP server."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import timezone

from loket.cases.actions import do_add_note, do_reply
from loket.cases.models import Case
from loket.customers.actions import do_create_customer
from loket.events.models import Event
from loket.integrations.webchat.tests.chat import mail_transcript, say

pytestmark = pytest.mark.django_db


def _chat(client, widget, token: str, agent) -> Case:
    say(client, widget, token, "Waar blijft mijn bank? <b>Dringend</b>", "c1")
    case = Case.objects.get()
    do_reply(case, actor=agent, text="Hij komt dinsdag tussen 8 en 12.", channel="chat")
    do_add_note(case, actor=agent, text="Intern: leverancier bellen")
    do_reply(case, actor=agent, text="Ook per mail bevestigd.", channel="email")
    return case


def test_the_conversation_is_mailed_as_the_visitor_saw_it(client, widget, visitor, agent, customer_server, mailbox):
    _id, token = visitor
    case = _chat(client, widget, token, agent)

    response = mail_transcript(client, widget, token, "Jolanda@Example.nl")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "sent_to": "jolanda@example.nl",
        "message": "Het gesprek is gemaild naar jolanda@example.nl.",
    }
    [mail] = customer_server.received
    assert mail["To"] == "jolanda@example.nl"
    assert mail["From"] == "Woonwinkel Klantenservice <service@woonwinkel.example>"
    assert mail["Subject"] == f"Uw chatgesprek met Woonwinkel [{case.number}]"
    # An answer to it lands on the case.
    assert mail["Reply-To"] == f"Woonwinkel Klantenservice <service+{case.number.lower()}@woonwinkel.example>"
    text = mail.get_body(("plain",)).get_content()
    assert "U, " in text
    assert "Waar blijft mijn bank? <b>Dringend</b>" in text
    assert f"{agent.first_name}, " in text
    assert "Hij komt dinsdag tussen 8 en 12." in text
    assert "Intern" not in text  # the note stays in the desk
    assert "Ook per mail" not in text  # so does the e-mail
    html = mail.get_body(("html",)).get_content()
    assert "Waar blijft mijn bank? &lt;b&gt;Dringend&lt;/b&gt;" in html
    assert "Intern" not in html
    event = Event.objects.get(type="case.transcript_sent")
    assert (event.case_id, event.data["to"]) == (case.pk, "jolanda@example.nl")


def test_the_transcript_is_in_the_visitors_language(client, widget, visitor, agent, customer_server):
    _id, token = visitor
    case = _chat(client, widget, token, agent)
    assert mail_transcript(client, widget, token, "jolanda@example.nl", lang="en").status_code == 200
    [mail] = customer_server.received
    assert mail["Subject"] == f"Your chat with Woonwinkel [{case.number}]"
    assert "You, " in mail.get_body(("plain",)).get_content()


def test_at_most_three_transcripts_an_hour(client, widget, visitor, agent, customer_server):
    _id, token = visitor
    _chat(client, widget, token, agent)
    with time_machine.travel(timezone.now().replace(minute=5), tick=False) as traveller:
        for _ in range(3):
            assert mail_transcript(client, widget, token, "jolanda@example.nl").status_code == 200
        fourth = mail_transcript(client, widget, token, "jolanda@example.nl")
        assert fourth.status_code == 429
        assert "over een uur" in fourth.json()["error"]
        traveller.shift(3600)
        assert mail_transcript(client, widget, token, "jolanda@example.nl").status_code == 200
    assert len(customer_server.received) == 4


def test_nor_more_than_three_to_one_address_from_many_conversations(client, widget, agent, customer_server):
    from loket.integrations.webchat.visitors import new_visitor

    with time_machine.travel(timezone.now().replace(minute=5), tick=False):
        for n in range(4):
            _id, token = new_visitor(widget)
            say(client, widget, token, "Hallo", f"c{n}")
            response = mail_transcript(client, widget, token, "slachtoffer@example.nl")
        assert response.status_code == 429
    assert len(customer_server.received) == 3


def test_never_to_an_address_that_opted_out(client, widget, visitor, agent, org, customer_server):
    from loket.customers.actions import do_set_opt_out

    customer = do_create_customer(org, actor=None, name="Kees", identities=[("email", "kees@example.nl")])
    do_set_opt_out(customer.identities.get(), opted_out=True, actor=None)
    _id, token = visitor
    _chat(client, widget, token, agent)
    response = mail_transcript(client, widget, token, "kees@example.nl")
    assert response.status_code == 400
    assert response.json()["fields"] == {"email": "Naar dit adres sturen we geen e-mail: het is afgemeld."}
    assert customer_server.received == []


def test_a_bad_address_or_nothing_to_mail_is_a_clear_error(client, widget, visitor, customer_server):
    _id, token = visitor
    assert mail_transcript(client, widget, token, "jolanda@").json()["fields"] == {
        "email": "Vul een geldig e-mailadres in."
    }
    empty = mail_transcript(client, widget, token, "jolanda@example.nl")
    assert (empty.status_code, empty.json()["error"]) == (400, "Er is nog geen gesprek om te mailen.")
    assert mail_transcript(client, widget, token + "x", "jolanda@example.nl").status_code == 403
    assert customer_server.received == []


def test_when_the_mail_server_refuses_the_visitor_is_told(client, widget, visitor, agent, customer_server):
    _id, token = visitor
    _chat(client, widget, token, agent)
    customer_server.answer = "550 5.1.1 No such user"
    response = mail_transcript(client, widget, token, "niemand@example.nl")
    assert response.status_code == 502
    assert response.json()["error"] == "Het mailen is niet gelukt. Probeer het later opnieuw."
    assert not Event.objects.filter(type="case.transcript_sent").exists()
