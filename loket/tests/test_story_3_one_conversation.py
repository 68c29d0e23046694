"""Story 3 of DESIGN.md across the messaging channels: one conversation as the customer moves.

Jolanda starts on the shop's web chat, the agent carries on on WhatsApp ("verder via
WhatsApp": outside the 24-hour window with an approved template), she answers on WhatsApp and
later e-mails: every message lands in the one case, on one timeline, each marked with its
channel; nobody asks her to repeat herself. Real signed webhooks, the real inbound worker;
Meta's Graph API faked at the one HTTP seam.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from loket.accounts.models import Membership
from loket.cases.actions import check_reply
from loket.cases.models import Case, Message
from loket.cases.selectors import case_timeline
from loket.customers.actions import do_add_identity
from loket.integrations.actions import do_process_pending
from loket.integrations.email.inbound import do_accept_email
from loket.integrations.models import ChannelAccount, Mailbox, MessageTemplate
from loket.integrations.webchat.tests.chat import conversation, say
from loket.integrations.webchat.visitors import new_visitor
from loket.integrations.whatsapp.actions import check_send_template
from loket.integrations.whatsapp.tests.meta import connect_templates, post, whatsapp_number

pytestmark = pytest.mark.django_db


def _whatsapp_text(wa_id: str, name: str, text: str, wamid: str) -> bytes:
    """A text message in the Cloud API's webhook shape (as in the recorded corpus)."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": "10634295353625"},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [
            {"from": wa_id, "id": wamid, "timestamp": str(int(timezone.now().timestamp())), "text": {"body": text}}
            | {"type": "text"}
        ],
    }
    entry = {"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


@pytest.fixture
def graph(http_calls):
    requests, responder = http_calls
    responder.requests = requests
    return responder


def test_web_chat_then_whatsapp_then_email_is_one_case_on_one_timeline(
    client, org, team, agent, graph, django_capture_on_commit_callbacks, run_tasks
):
    widget = ChannelAccount(organization=org, kind="chat", name="Website", team=team)
    widget.external_id = widget.key
    widget.settings = {"allowed_origins": ["https://www.woonwinkel.example"]}
    widget.save()
    number = whatsapp_number(org, team)
    connect_templates(number, graph)
    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)
    membership = Membership.objects.get(user=agent, organization=org)

    # 1. The web chat: she gives her name and address, and her question.
    _visitor, token = new_visitor(widget)
    say(
        client,
        widget,
        token,
        "Mijn hoekbank is met een scheur geleverd.",
        "c1",
        name="Jolanda de Vries",
        email="jolanda@example.nl",
    )
    case = Case.objects.get()
    customer = case.customer

    # 2. "Verder via WhatsApp": the agent adds her mobile number and, as she never wrote on
    # WhatsApp, sends an approved template there (a free-text reply is refused with the reason).
    do_add_identity(customer, "whatsapp", "+31 6 12345678", actor=agent)
    with pytest.raises(Exception, match="sjabloon"):
        check_reply(membership, case, text="Kunt u een foto sturen?", channel="whatsapp")
    template = MessageTemplate.objects.get(name="levering_gepland", language="nl")
    with django_capture_on_commit_callbacks(execute=True):
        check_send_template(
            membership,
            case,
            template=template,
            parameters={"1": "Jolanda", "2": "nieuwe hoekbank", "3": "dinsdag 12 mei"},
        )
    run_tasks()
    sent = [request for request in graph.requests if request.method == "POST"]
    assert json.loads(sent[-1].content)["to"] == "31612345678"  # WhatsApp takes the number without +

    # 3. She answers on WhatsApp ten minutes later (a signed webhook, processed by the inbound
    # worker) …
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        body = _whatsapp_text("31612345678", "Jolanda", "Dinsdag past prima! Foto volgt.", "wamid.STORY3")
        assert post(client, number, body).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            do_process_pending()
    # 4. … and e-mails two days later, from the address she gave in the chat.
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        do_accept_email(
            [mailbox],
            b"From: Jolanda de Vries <jolanda@example.nl>\r\nTo: service@woonwinkel.example\r\n"
            b"Subject: Nog een vraag over de bank\r\nMessage-ID: <story3@example.nl>\r\n\r\n"
            b"Wordt de oude bank ook meegenomen?\r\n",
        )
        with django_capture_on_commit_callbacks(execute=True):
            do_process_pending()

    # One case, one customer, one timeline with every channel marked.
    assert Case.objects.count() == 1
    messages = list(Message.objects.filter(case=case).exclude(kind="note").order_by("pk"))
    assert [(m.kind, m.channel) for m in messages] == [
        ("inbound", "chat"),
        ("outbound", "whatsapp"),
        ("inbound", "whatsapp"),
        ("inbound", "email"),
    ]
    assert {m.identity.customer_id for m in messages if m.kind == "inbound"} == {customer.pk}
    timeline = [entry.message for entry in case_timeline(case) if entry.message is not None]
    assert [m.channel for m in timeline if m.kind != "note"] == ["chat", "whatsapp", "whatsapp", "email"]
    # The chat visitor sees the chat only: not the WhatsApp and e-mail messages of the case.
    assert [item["text"] for item in conversation(client, widget, token)] == [
        "Mijn hoekbank is met een scheur geleverd."
    ]
    # The agent's case view marks each message with its channel and delivery state.
    client.force_login(agent)
    html = client.get(f"/zaken/{case.pk}/").content.decode()
    for text in ("met een scheur geleverd", "Dinsdag past prima", "oude bank ook meegenomen", "nieuwe hoekbank"):
        assert text in html
    assert html.count('class="chan chan--whatsapp"') == 2
    assert html.count('class="chan chan--chat"') == 1
    assert html.count('class="chan chan--email"') == 1
