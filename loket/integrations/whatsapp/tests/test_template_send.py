"""Sending an approved WhatsApp template: the only way to write to a customer more than 24 hours
after their last message. The Graph API is faked at the one outbound HTTP seam (meta.py)."""

from __future__ import annotations

import json

import httpx
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from loket.accounts.models import Membership
from loket.cases.actions import check_reply, do_open_case
from loket.cases.models import Case, Message
from loket.customers.actions import do_create_customer
from loket.integrations.actions import do_process_pending
from loket.integrations.models import MessageTemplate, SentTemplate
from loket.integrations.whatsapp.actions import check_send_template
from loket.integrations.whatsapp.tests.meta import connect_templates, corpus, post
from loket.web.tests.conftest import mark_deceased

pytestmark = pytest.mark.django_db

# Jolanda's recorded message was written on 22 May 2022 at 21:01 UTC.
WINDOW_CLOSED = "2022-05-24 09:00+00:00"
WINDOW_OPEN = "2022-05-22 22:00+00:00"
LEVERING = {"1": "Jolanda", "2": "hoekbank", "3": "dinsdag 12 mei"}
PAUSED = {
    "error": {
        "message": "(#132015) Template is Paused",
        "type": "OAuthException",
        "code": 132015,
        "error_data": {"messaging_product": "whatsapp", "details": "Template is paused due to low quality."},
        "fbtrace_id": "C3d4E5f6G7h8I9j0",
    }
}


@pytest.fixture
def whatsapp_case(client, account, graph):
    """Jolanda's image message (a recorded webhook) on a case, and the number's templates."""
    post(client, account, corpus("restfb__webhook-incoming-message-image.json"))
    do_process_pending()
    connect_templates(account, graph)
    return Case.objects.get()


def template(name: str) -> MessageTemplate:
    return MessageTemplate.objects.get(name=name)


def membership_of(user, case) -> Membership:
    return Membership.objects.get(user=user, organization=case.organization)


def sends(graph) -> list[httpx.Request]:
    return [request for request in graph.requests if request.method == "POST"]


def send(case, user, capture, run_tasks, name="levering_gepland", parameters=None, at=WINDOW_CLOSED) -> Message:
    with capture(execute=True), time_machine.travel(at, tick=False):
        message = check_send_template(
            membership_of(user, case), case, template=template(name), parameters=parameters or LEVERING
        )
    run_tasks()
    message.refresh_from_db()
    return message


def test_outside_the_window_an_approved_template_goes_out_with_its_parameters(
    whatsapp_case, agent, graph, django_capture_on_commit_callbacks, run_tasks
):
    message = send(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.SENT
    assert message.external_id == "wamid.TEMPLATE"
    [request] = sends(graph)
    assert str(request.url) == "https://graph.facebook.com/v23.0/10634295353625/messages"
    assert json.loads(request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "491234567890",
        "type": "template",
        "template": {
            "name": "levering_gepland",
            "language": {"code": "nl"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Jolanda"},
                        {"type": "text", "text": "hoekbank"},
                        {"type": "text", "text": "dinsdag 12 mei"},
                    ],
                }
            ],
        },
    }
    # The timeline shows what she got; the template and its values are kept beside it.
    assert message.text.startswith("Uw levering\n\nBeste Jolanda, wij bezorgen uw hoekbank op dinsdag 12 mei.")
    sent = SentTemplate.objects.get(message=message)
    assert (sent.name, sent.language, sent.parameters) == ("levering_gepland", "nl", LEVERING)
    assert message.channel == "whatsapp"
    assert message.author is not None


def test_named_parameters_go_out_by_name(whatsapp_case, agent, graph, django_capture_on_commit_callbacks, run_tasks):
    values = {"first_name": "Jolanda", "order_number": "ORD-1001"}
    message = send(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks, "bestelling_onderweg", values)
    [request] = sends(graph)
    assert json.loads(request.content)["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Jolanda"},
                {"type": "text", "parameter_name": "order_number", "text": "ORD-1001"},
            ],
        }
    ]
    assert message.text == "Hoi Jolanda, je bestelling ORD-1001 is onderweg.\n\n[Volg je pakket]"


@pytest.mark.parametrize(
    ("parameters", "errors"),
    [
        ({"1": "Jolanda", "2": "", "3": "dinsdag"}, {"parameters.2": ["Vul {{2}} in."]}),
        ({"1": "Jolanda", "3": "dinsdag"}, {"parameters.2": ["Vul {{2}} in."]}),
        (
            {"1": "Jolanda", "2": "hoek\nbank", "3": "dinsdag"},
            {"parameters.2": ["WhatsApp neemt in een variabele geen regeleinde of tab aan."]},
        ),
        (
            {"1": "Jolanda", "2": "hoekbank", "3": "dinsdag      12 mei"},
            {"parameters.3": ["WhatsApp neemt in een variabele niet meer dan vier spaties achter elkaar aan."]},
        ),
        (
            {**LEVERING, "4": "extra"},
            {"parameters": ["Dit sjabloon heeft geen variabele {{4}}."]},
        ),
    ],
)
def test_a_missing_or_malformed_parameter_is_refused_and_nothing_is_sent(
    whatsapp_case, agent, graph, run_tasks, parameters, errors
):
    with pytest.raises(ValidationError) as refused:
        check_send_template(
            membership_of(agent, whatsapp_case),
            whatsapp_case,
            template=template("levering_gepland"),
            parameters=parameters,
        )
    assert refused.value.message_dict == errors
    assert not whatsapp_case.messages.filter(kind=Message.Kind.OUTBOUND).exists()
    assert run_tasks() == 0
    assert sends(graph) == []


@pytest.mark.parametrize(
    ("name", "change", "error"),
    [
        ("afspraak_herinnering", {}, "Het sjabloon afspraak_herinnering is niet goedgekeurd (In beoordeling)."),
        ("levering_gepland", {"status": "PAUSED"}, "Het sjabloon levering_gepland is niet goedgekeurd (Gepauzeerd)."),
        ("zomeractie", {}, "Loket kan dit sjabloon niet versturen: een kop met image."),
    ],
)
def test_a_template_that_cannot_be_sent_is_refused_with_the_reason(whatsapp_case, agent, name, change, error):
    MessageTemplate.objects.filter(name=name).update(**change)
    with pytest.raises(ValidationError) as refused:
        check_send_template(
            membership_of(agent, whatsapp_case), whatsapp_case, template=template(name), parameters={"1": "8", "2": "9"}
        )
    assert refused.value.message_dict == {"template": [error]}


def test_a_template_gone_from_whatsapp_manager_is_refused(whatsapp_case, agent):
    MessageTemplate.objects.filter(name="levering_gepland").update(gone_at="2026-01-01T00:00Z")
    with pytest.raises(ValidationError, match="staat niet meer in WhatsApp Manager"):
        check_send_template(
            membership_of(agent, whatsapp_case),
            whatsapp_case,
            template=template("levering_gepland"),
            parameters=LEVERING,
        )


def test_a_viewer_cannot_send_a_template(whatsapp_case, viewer):
    with pytest.raises(PermissionDenied):
        check_send_template(
            membership_of(viewer, whatsapp_case),
            whatsapp_case,
            template=template("levering_gepland"),
            parameters=LEVERING,
        )


def test_no_template_goes_to_a_customer_who_has_died(whatsapp_case, agent):
    mark_deceased(whatsapp_case.customer)
    with pytest.raises(ValidationError, match="Deze klant is overleden"):
        check_send_template(
            membership_of(agent, whatsapp_case),
            whatsapp_case,
            template=template("levering_gepland"),
            parameters=LEVERING,
        )


def test_inside_the_window_a_template_may_be_sent_too(
    whatsapp_case, agent, graph, django_capture_on_commit_callbacks, run_tasks
):
    message = send(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks, at=WINDOW_OPEN)
    assert message.delivery_status == Message.Delivery.SENT
    assert json.loads(sends(graph)[0].content)["type"] == "template"


def test_a_template_meta_has_paused_fails_visibly_and_the_list_is_fetched_again(
    whatsapp_case, agent, graph, django_capture_on_commit_callbacks, run_tasks
):
    def paused(request):
        if request.method == "POST":
            return httpx.Response(400, json=PAUSED)
        return httpx.Response(200, json={"data": [], "paging": {}})

    graph.reply = paused
    message = send(whatsapp_case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.FAILED
    assert message.delivery_error == "132015 (#132015) Template is Paused Template is paused due to low quality."
    assert len(sends(graph)) == 1  # not retried
    fetched = [r for r in graph.requests if r.method == "GET" and r.url.path.endswith("/message_templates")]
    assert len(fetched) == 3  # the two pages of the fixture, then the fetch Meta's refusal asked for


def test_a_customer_who_never_wrote_on_whatsapp_gets_a_template_not_a_free_form_message(
    org, team, agent, account, graph, django_capture_on_commit_callbacks, run_tasks
):
    """ "Verder via WhatsApp": an e-mail case of a customer whose WhatsApp number Loket knows."""
    connect_templates(account, graph)
    customer = do_create_customer(
        org,
        actor=None,
        name="Jolanda de Vries",
        identities=[("email", "jolanda@example.nl"), ("whatsapp", "+31612345678")],
    )
    case = do_open_case(org, customer, subject="Levering", actor=agent, owner=agent)
    with pytest.raises(ValidationError) as refused:
        check_reply(membership_of(agent, case), case, text="Hoi Jolanda", channel="whatsapp")
    assert "nog niet via WhatsApp geschreven" in refused.value.messages[0]
    message = send(case, agent, django_capture_on_commit_callbacks, run_tasks)
    assert message.delivery_status == Message.Delivery.SENT
    assert json.loads(sends(graph)[0].content)["to"] == "31612345678"


def test_a_customer_without_a_whatsapp_number_gets_no_template(case, agent, account, graph):
    connect_templates(account, graph)
    with pytest.raises(ValidationError, match="De klant heeft geen WhatsApp-nummer"):
        check_send_template(
            membership_of(agent, case), case, template=template("levering_gepland"), parameters=LEVERING
        )
