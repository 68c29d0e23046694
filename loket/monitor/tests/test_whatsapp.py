"""WhatsApp: inside the 24-hour window the invitation is an interactive list (a tap answers);
a typed "8" counts too; outside the window nobody is invited."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.utils import timezone

from loket.cases.actions import check_reply
from loket.cases.models import Case
from loket.integrations.actions import do_process_pending
from loket.integrations.whatsapp.tests.meta import post, whatsapp_number
from loket.monitor.actions import check_save_survey
from loket.monitor.models import Response, SurveyInvitation
from loket.monitor.tests.conftest import membership_of

pytestmark = pytest.mark.django_db

CUSTOMER = "31612345678"


def body(message: dict) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": "10634295353625"},
        "contacts": [{"profile": {"name": "Jolanda"}, "wa_id": CUSTOMER}],
        "messages": [{"from": CUSTOMER, "timestamp": str(int(timezone.now().timestamp())), **message}],
    }
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
    ).encode()


def text(wamid: str, words: str) -> bytes:
    return body({"id": wamid, "type": "text", "text": {"body": words}})


def list_reply(wamid: str, row_id: str, title: str) -> bytes:
    return body(
        {
            "id": wamid,
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
        }
    )


@pytest.fixture
def graph(http_calls):
    requests, responder = http_calls
    ids = iter(range(1, 100))
    responder.reply = lambda request: httpx.Response(
        200, json={"messaging_product": "whatsapp", "messages": [{"id": f"wamid.OUT{next(ids)}"}]}
    )
    return requests


@pytest.fixture
def whatsapp_case(client, org, team, graph):
    account = whatsapp_number(org, team)
    post(client, account, text("wamid.IN1", "Mijn bank is kapot"))
    do_process_pending()
    return account, Case.objects.get()


def test_the_invitation_is_an_interactive_list_and_a_tap_answers_it(
    client, org, owner, whatsapp_case, graph, committed, run_tasks
):
    account, case = whatsapp_case
    check_save_survey(membership_of(owner, org), None, name="WA", questions=[{"kind": "mark"}], quiet_days=0)
    committed(check_reply, membership_of(owner, org), case, text="We komen morgen.")
    run_tasks()
    sent = json.loads(graph[-1].content)
    assert sent["type"] == "interactive"
    assert sent["interactive"]["type"] == "list"
    rows = sent["interactive"]["action"]["sections"][0]["rows"]
    assert [row["title"] for row in rows] == [str(n) for n in range(10, 0, -1)]
    assert sent["interactive"]["body"]["text"].startswith("Welk rapportcijfer geeft u het contact met ons?")
    post(client, account, list_reply("wamid.IN2", "survey:8", "8"))
    do_process_pending()
    response = Response.objects.get()
    assert (response.mark, response.channel, response.invitation) == (8, "whatsapp", SurveyInvitation.objects.get())


def test_a_typed_eight_counts_and_a_sentence_does_not(client, org, owner, whatsapp_case, graph, committed, run_tasks):
    account, case = whatsapp_case
    check_save_survey(membership_of(owner, org), None, name="WA", questions=[{"kind": "nps"}], quiet_days=0)
    committed(check_reply, membership_of(owner, org), case, text="We komen morgen.")
    run_tasks()
    sent = json.loads(graph[-1].content)
    assert sent["type"] == "text"  # NPS has eleven answers: more than a list holds
    assert "Antwoord met een cijfer van 0 tot en met 10." in sent["text"]["body"]
    post(client, account, text("wamid.IN2", "Dank je!"))
    do_process_pending()
    assert not Response.objects.exists()
    post(client, account, text("wamid.IN3", "8"))
    do_process_pending()
    assert Response.objects.get().nps == 8


def test_outside_the_24_hour_window_nobody_is_invited(org, owner, whatsapp_case, committed, run_tasks):
    from loket.monitor.actions import do_invite_after_contact

    _account, case = whatsapp_case
    check_save_survey(membership_of(owner, org), None, name="WA", questions=[{"kind": "csat"}], quiet_days=0)
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        invitation, reason = do_invite_after_contact(
            case, channel="whatsapp", trigger="contact", ended_at=timezone.now(), key="late"
        )
    assert (invitation, reason) == (None, "channel closed")
