"""Closed, or nobody available: the visitor leaves a message, answered by e-mail or SMS.

The chat is live when the widget's opening hours say open and an agent of its team has the
desk open (presence is marked as the desk's WebSocket does; the socket itself is tested in
live/tests/test_presence.py). Otherwise the frame offers the leave-a-message form, whose
message becomes a case like any chat message, but answered on the channel the visitor gave.
"""

from __future__ import annotations

import json
import re

import pytest
import time_machine
from django.urls import reverse

from loket.accounts.actions import do_add_member, do_create_team, do_set_business_hours
from loket.accounts.hours import build
from loket.accounts.models import Membership, Role
from loket.cases.actions import check_reply, reply_channel
from loket.cases.models import Case, Message
from loket.integrations.models import LeftMessage
from loket.integrations.webchat.tests.chat import conversation, leave, say, status
from loket.live.presence import mark_present
from loket.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
OFFICE = build({day: [("09:00", "17:00")] for day in WEEKDAYS})


# --- Live or not ----------------------------------------------------------------------------------


def test_outside_the_opening_hours_the_chat_says_when_it_opens_again(client, widget, org):
    do_set_business_hours(org, OFFICE, actor=None)
    with time_machine.travel("2026-12-05 11:00 +0100", tick=False):  # a Saturday
        closed = status(client, widget)
        english = status(client, widget, lang="en")
    assert closed == {
        "live": False,
        "open": False,
        "available": False,
        "line": "De chat is gesloten; we zijn er weer maandag 7 december om 09:00.",
        "answer": "We antwoorden per e-mail, vanaf maandag 7 december om 09:00.",
    }
    assert english["answer"] == "We will answer by e-mail, from Monday 7 December at 09:00."
    with time_machine.travel("2026-12-06 20:00 +0100", tick=False):  # Sunday evening
        assert status(client, widget)["answer"] == "We antwoorden per e-mail, vanaf morgen om 09:00."
    with time_machine.travel("2026-12-07 07:30 +0100", tick=False):  # Monday morning
        assert status(client, widget)["line"] == "De chat is gesloten; we zijn er weer vandaag om 09:00."


def test_on_a_dutch_holiday_it_is_closed(client, widget, org, agent):
    do_set_business_hours(org, OFFICE, actor=None)
    with time_machine.travel("2026-12-25 10:00 +0100", tick=False):  # Christmas, a Friday
        mark_present(org.pk, agent.pk, "desk")  # someone is there, but the chat is closed
        assert status(client, widget)["answer"] == "We antwoorden per e-mail, vanaf maandag 28 december om 09:00."


def test_within_the_hours_it_is_live_only_while_an_agent_of_the_widgets_team_has_the_desk_open(
    client, widget, org, team, agent, viewer
):
    nobody = status(client, widget)
    assert (nobody["live"], nobody["open"]) == (False, True)
    assert nobody["line"] == "Er is nu niemand beschikbaar om te chatten."
    assert nobody["answer"] == "We antwoorden zo snel mogelijk per e-mail."

    elsewhere = UserFactory(username="bea", first_name="Bea")
    do_add_member(org, elsewhere, Role.AGENT)
    do_create_team(org, "Facturen", members=[elsewhere])
    team.members.add(viewer)
    mark_present(org.pk, elsewhere.pk, "desk-1")  # another team's agent
    mark_present(org.pk, viewer.pk, "desk-2")  # a viewer cannot answer
    assert status(client, widget)["live"] is False

    mark_present(org.pk, agent.pk, "desk-3")
    live = status(client, widget)
    assert (live["live"], live["line"]) == (True, "Wij reageren meestal binnen enkele minuten.")

    Membership.objects.filter(user=agent, organization=org).update(is_active=False)
    assert status(client, widget)["live"] is False  # no longer a member of the organisation


def test_a_widget_without_a_team_is_live_when_anyone_of_the_organisation_is_there(client, widget, org):
    widget.team = None
    widget.save()
    colleague = UserFactory(username="bea", first_name="Bea")
    do_add_member(org, colleague, Role.LEAD)
    mark_present(org.pk, colleague.pk, "desk")
    assert status(client, widget)["live"] is True


def test_a_team_with_its_own_hours_closes_its_widget_while_the_organisation_is_open(client, widget, org, team, agent):
    do_set_business_hours(org, OFFICE, actor=None)
    do_set_business_hours(org, build({"saturday": [("10:00", "14:00")]}), team=team, actor=None)
    with time_machine.travel("2026-12-07 10:00 +0100", tick=False):  # Monday: the organisation is open
        mark_present(org.pk, agent.pk, "desk")
        assert status(client, widget)["open"] is False
    with time_machine.travel("2026-12-05 11:00 +0100", tick=False):  # Saturday: the team is
        mark_present(org.pk, agent.pk, "desk")
        assert status(client, widget)["live"] is True


def test_the_frame_starts_with_the_form_when_the_chat_is_not_live(client, widget):
    html = client.get(reverse("webchat_page", args=[widget.key])).content.decode()
    config = json.loads(re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["status"]["live"] is False
    assert config["sms"] is False
    assert "Laat een bericht achter" in html
    assert "mobiele nummer" not in html  # no SMS number: the answer comes by e-mail


# --- Leaving a message -----------------------------------------------------------------------------


def _reply(case: Case, agent, capture, run_tasks, text: str = "Ja, dat kan. We halen hem dinsdag op."):
    membership = Membership.objects.get(user=agent, organization=case.organization)
    with capture(execute=True):
        sent = check_reply(membership, case, text=text)  # no channel chosen: the default
    run_tasks()
    sent.refresh_from_db()
    return sent


def test_a_left_message_becomes_a_case_answered_by_email(
    client, widget, visitor, team, agent, customer_server, mailbox, django_capture_on_commit_callbacks, run_tasks
):
    _id, token = visitor
    response = leave(
        client, widget, token, name="Jolanda de Vries", email="Jolanda@Example.nl", text="Kan ik mijn bank ruilen?"
    )
    assert response.status_code == 201, response.content
    assert response.json()["answer"] == "We antwoorden zo snel mogelijk per e-mail."

    message = Message.objects.get(kind="inbound")
    case = message.case
    assert (message.channel, message.text, case.team) == ("chat", "Kan ik mijn bank ruilen?", team)
    customer = case.customer
    assert (customer.name, customer.preferred_channel) == ("Jolanda de Vries", "email")
    assert customer.identities.filter(kind="email", value="jolanda@example.nl").exists()
    left = LeftMessage.objects.get(message=message)
    assert (left.reply_by, left.address, left.reason) == ("email", "jolanda@example.nl", "unavailable")
    note = Message.objects.get(kind="note")
    assert note.text == (
        "Bericht achtergelaten in de chat (niemand beschikbaar). De bezoeker wil antwoord per e-mail: "
        "jolanda@example.nl."
    )

    # The agent answers with the composer's default: e-mail, to the address she gave.
    client.force_login(agent)
    page = client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert re.search(r'<option value="email" selected>', page)
    sent = _reply(case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert (sent.channel, sent.delivery_status) == ("email", "sent"), sent.delivery_error
    [mail] = customer_server.received
    assert mail["To"] == "Jolanda de Vries <jolanda@example.nl>"
    assert "We halen hem dinsdag op." in mail.get_body(("plain",)).get_content()


def test_a_left_message_with_a_mobile_number_is_answered_by_sms(
    client, widget, visitor, agent, sms_number, django_capture_on_commit_callbacks, run_tasks
):
    html = client.get(reverse("webchat_page", args=[widget.key])).content.decode()
    assert "Of uw mobiele nummer (voor een sms)" in html
    _id, token = visitor
    with time_machine.travel("2026-12-05 21:00 +0100", tick=False):
        do_set_business_hours(widget.organization, OFFICE, actor=None)
        response = leave(client, widget, token, phone="06 12345678", text="Wanneer wordt de kast bezorgd?")
    assert response.status_code == 201, response.content
    assert response.json()["answer"] == "We antwoorden per sms, vanaf maandag 7 december om 09:00."
    case = Case.objects.get()
    assert case.customer.preferred_channel == "sms"
    assert case.customer.identities.filter(kind="phone", value="+31612345678").exists()
    assert LeftMessage.objects.get().reason == "closed"
    assert reply_channel(case) == "sms"

    sent = _reply(case, agent, django_capture_on_commit_callbacks, run_tasks, text="Donderdag tussen 8 en 12.")
    assert (sent.channel, sent.delivery_status) == ("sms", "sent"), sent.delivery_error
    [request] = sms_number
    assert b"To=%2B31612345678" in request.content


def test_bad_left_messages_get_a_clear_error_on_their_field_and_store_nothing(client, widget, visitor):
    _id, token = visitor
    nothing = leave(client, widget, token, name="Piet", text="Hallo")
    assert nothing.status_code == 400
    assert nothing.json()["fields"] == {"email": "Vul een e-mailadres in, zodat we kunnen antwoorden."}
    wrong = leave(client, widget, token, email="piet@", phone="06 12345678", text="")
    assert wrong.json()["fields"] == {
        "email": "Vul een geldig e-mailadres in.",
        "phone": "We kunnen hier niet per sms antwoorden; vul een e-mailadres in.",
        "text": "Schrijf uw vraag.",
    }
    too_long = leave(client, widget, token, email="piet@example.nl", text="x" * 5001)
    assert "hoogstens 5000 tekens" in too_long.json()["fields"]["text"]
    english = leave(client, widget, token, lang="en", text="Hello")
    assert english.json()["fields"]["email"] == "Enter an e-mail address, so that we can answer you."
    malformed = client.post(
        reverse("webchat_leave", args=[widget.key]),
        "{nee",
        content_type="application/json",
        headers={"X-Loket-Visitor": token},
    )
    assert malformed.status_code == 400
    assert leave(client, widget, token + "x", email="piet@example.nl", text="Hallo").status_code == 403
    assert not Message.objects.exists()


def test_a_landline_cannot_get_an_sms(client, widget, visitor, sms_number):
    _id, token = visitor
    response = leave(client, widget, token, phone="020 123 4567", text="Bel me terug")
    assert response.json()["fields"] == {"phone": "Dit is geen mobiel nummer: een sms kan er niet heen."}
    assert not Message.objects.exists()


def test_a_left_message_sent_twice_is_stored_once(client, widget, visitor):
    _id, token = visitor
    first = leave(client, widget, token, client_id="same", email="piet@example.nl", text="Hallo?")
    second = leave(client, widget, token, client_id="same", email="piet@example.nl", text="Hallo?")
    assert first.json()["id"] == second.json()["id"]
    assert (Message.objects.filter(kind="inbound").count(), LeftMessage.objects.count()) == (1, 1)
    assert Message.objects.filter(kind="note").count() == 1


def test_when_the_visitor_chats_again_the_answer_goes_by_chat_again(client, widget, visitor):
    _id, token = visitor
    leave(client, widget, token, email="piet@example.nl", text="Is mijn bestelling onderweg?")
    case = Case.objects.get()
    assert reply_channel(case) == "email"
    say(client, widget, token, "Ik ben er nu weer, in de chat.", "c2")
    case.refresh_from_db()
    assert reply_channel(case) == "chat"
    # The visitor sees both in the chat, and the note for the agents not.
    assert [item["text"] for item in conversation(client, widget, token)] == [
        "Is mijn bestelling onderweg?",
        "Ik ben er nu weer, in de chat.",
    ]


def test_a_phone_number_in_the_pre_chat_form_becomes_the_visitors(client, widget, visitor):
    _id, token = visitor
    response = say(client, widget, token, "Hallo", "c1", name="Piet", phone="06 12345678")
    assert response.status_code == 201
    customer = Message.objects.get().case.customer
    assert customer.identities.filter(kind="phone", value="+31612345678").exists()
    assert say(client, widget, token, "Hallo", "c2", phone="12").json()["error"] == "Vul een geldig telefoonnummer in."
