"""A chat visitor writes from the website: each message lands on their case, once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loket.cases.actions import do_add_note, do_reply
from loket.cases.models import Case, Message
from loket.customers.actions import do_create_customer
from loket.customers.models import Identity
from loket.integrations.models import ChannelAccount
from loket.integrations.webchat.tests.chat import conversation, say
from loket.integrations.webchat.visitors import new_visitor

pytestmark = pytest.mark.django_db


def test_a_new_browser_gets_a_token_and_keeps_it(client, widget):
    url = reverse("webchat_visitor", args=[widget.key])
    first = client.post(url)
    assert first.status_code == 201
    token = first.json()["token"]
    again = client.post(url, headers={"X-Loket-Visitor": token})
    assert (again.status_code, again.json()["token"]) == (200, token)


def test_the_first_message_opens_a_case_for_the_widgets_team(client, widget, visitor, team):
    _id, token = visitor
    response = say(client, widget, token, "Mijn bank is beschadigd geleverd", "c1", name="Jolanda de Vries")
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    case = message.case
    assert (message.channel, message.kind, message.text) == ("chat", "inbound", "Mijn bank is beschadigd geleverd")
    assert (case.team, case.customer.name) == (team, "Jolanda de Vries")
    assert case.subject  # named after the customer's words


def test_a_message_sent_twice_is_stored_once(client, widget, visitor):
    _id, token = visitor
    first = say(client, widget, token, "Hallo?", "same-id")
    second = say(client, widget, token, "Hallo?", "same-id")
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.filter(channel="chat").count() == 1


def test_the_visitor_sees_the_chat_and_nothing_else_of_the_case(client, widget, visitor, agent):
    _id, token = visitor
    say(client, widget, token, "Waar blijft mijn bank?", "c1")
    case = Case.objects.get()
    reply = do_reply(case, actor=agent, text="Hij komt dinsdag.", channel="chat")
    do_add_note(case, actor=agent, text="Intern: leverancier bellen")
    do_reply(case, actor=agent, text="Ook per mail bevestigd.", channel="email")
    items = conversation(client, widget, token)
    assert [(item["from"], item["text"]) for item in items] == [
        ("visitor", "Waar blijft mijn bank?"),
        ("agent", "Hij komt dinsdag."),
    ]
    assert items[1]["name"] == agent.first_name
    assert items[0]["client_id"] == "c1"
    assert conversation(client, widget, token, after=reply.pk) == []


def test_another_visitor_sees_nothing_of_it(client, widget, visitor):
    _id, token = visitor
    say(client, widget, token, "Geheim: mijn adres is Dorpsstraat 1", "c1")
    _other, other_token = new_visitor(widget)
    assert conversation(client, widget, other_token) == []


def test_forged_tokens_and_tokens_of_another_widget_are_refused(client, widget, visitor, other_org):
    _id, token = visitor
    other = ChannelAccount(organization=other_org, kind="chat", name="Concurrent")
    other.external_id = other.key
    other.settings = {"allowed_origins": ["https://concurrent.example"]}
    other.save()
    _other_id, other_token = new_visitor(other)
    assert say(client, widget, other_token, "Hallo", "c1").status_code == 403
    assert say(client, widget, token + "x", "Hallo", "c2").status_code == 403
    assert say(client, other, token, "Hallo", "c3").status_code == 403
    assert not Message.objects.exists()


def test_bad_input_gets_a_clear_error_and_stores_nothing(client, widget, visitor):
    _id, token = visitor
    url = reverse("webchat_messages", args=[widget.key])
    assert say(client, widget, token, "   ", "c1").status_code == 400
    assert "mag niet leeg" in say(client, widget, token, "", "c1").json()["error"]
    assert say(client, widget, token, "x" * 5001, "c2").status_code == 400
    assert say(client, widget, token, "Hallo", "").status_code == 400
    bad = client.post(url, "{nee", content_type="application/json", headers={"X-Loket-Visitor": token})
    assert bad.status_code == 400
    assert say(client, widget, token, "Hallo", "c3", email="geen-adres").json()["error"] == (
        "Vul een geldig e-mailadres in."
    )
    assert not Message.objects.exists()


def test_an_unknown_or_switched_off_widget_is_404(client, widget, visitor):
    _id, token = visitor
    assert client.get(reverse("webchat_page", args=["onbekend"])).status_code == 404
    widget.is_active = False
    widget.save()
    assert say(client, widget, token, "Hallo", "c1").status_code == 404
    assert client.get(reverse("webchat_page", args=[widget.key])).status_code == 404


def test_a_new_email_address_becomes_the_visitors(client, widget, visitor):
    _id, token = visitor
    say(client, widget, token, "Hallo", "c1", name="Piet", email="Piet@Example.nl")
    customer = Message.objects.get().case.customer
    assert customer.identities.filter(kind="email", value="piet@example.nl").exists()


def test_an_address_of_another_customer_is_not_taken_but_told_to_the_agent(client, widget, visitor, org):
    known = do_create_customer(org, actor=None, name="Jolanda de Vries", identities=[("email", "jolanda@example.nl")])
    _id, token = visitor
    say(client, widget, token, "Hallo", "c1", email="jolanda@example.nl")
    identity = Identity.objects.get(kind="email", value="jolanda@example.nl")
    assert identity.customer == known  # not moved: anyone can type an address
    note = Message.objects.get(kind="note")
    assert "jolanda@example.nl" in note.text
    assert "Jolanda de Vries" in note.text
    # … and the visitor never sees the note.
    assert [item["text"] for item in conversation(client, widget, token)] == ["Hallo"]


def test_the_agent_is_offered_to_link_the_visitor_to_the_customer_whose_address_they_gave(
    client, widget, visitor, org, agent
):
    known = do_create_customer(org, actor=None, name="Jolanda de Vries", identities=[("email", "jolanda@example.nl")])
    _id, token = visitor
    say(client, widget, token, "Hallo", "c1", email="jolanda@example.nl")
    case = Case.objects.get()
    client.force_login(agent)
    html = client.get(f"/zaken/{case.pk}/").content.decode()
    assert "Gaf jolanda@example.nl op; dat adres hoort bij Jolanda de Vries." in html
    link = f"/klanten/{known.pk}/samenvoegen/{case.customer_id}/?next=/zaken/{case.pk}/"
    assert link in html
    # Linking (the merge) moves the visitor and their case to Jolanda; the offer is gone, and
    # the chat goes on in the same case.
    client.post(f"/klanten/{known.pk}/samenvoegen/{case.customer_id}/bevestigen/", {"next": f"/zaken/{case.pk}/"})
    case.refresh_from_db()
    assert case.customer == known
    assert "identity-claims" not in client.get(f"/zaken/{case.pk}/").content.decode()
    client.logout()
    say(client, widget, token, "Bent u er nog?", "c2")
    assert (
        Message.objects.filter(channel="chat", kind="inbound").values_list("case_id", flat=True).distinct().count() == 1
    )


def _reply(case, agent, capture, run_tasks, channel="chat") -> Message:
    with capture(execute=True):
        reply = do_reply(case, actor=agent, text="Goedemiddag!", channel=channel)
    run_tasks()
    reply.refresh_from_db()
    return reply


def test_read_marks_reach_the_agents_timeline(
    client, widget, visitor, agent, django_capture_on_commit_callbacks, run_tasks
):
    _id, token = visitor
    say(client, widget, token, "Hallo", "c1")
    reply = _reply(Case.objects.get(), agent, django_capture_on_commit_callbacks, run_tasks)
    assert reply.delivery_status == "sent"
    response = client.post(
        reverse("webchat_read", args=[widget.key]),
        {"up_to": reply.pk},
        content_type="application/json",
        headers={"X-Loket-Visitor": token},
    )
    assert response.json() == {"marked": 1}
    reply.refresh_from_db()
    assert reply.delivery_status == "read"


def test_a_chat_reply_to_a_case_nobody_chatted_in_fails_visibly(
    inbound_case, agent, django_capture_on_commit_callbacks, run_tasks
):
    reply = _reply(inbound_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert reply.delivery_status == "failed"
    assert "niet gechat" in reply.delivery_error
