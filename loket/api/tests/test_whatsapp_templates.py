"""WhatsApp templates through the API: a number's templates, and a reply that is a template
(the only way to reach a customer on WhatsApp 24 hours after their last message)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from loket.cases.receiving import InboundMessage, do_receive_message
from loket.integrations.whatsapp.tests.meta import template_pages, whatsapp_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(org, team, http_calls):
    from loket.integrations.whatsapp.actions import do_sync_templates
    from loket.integrations.whatsapp.tests.meta import WABA_ID

    account = whatsapp_number(org, team)
    account.waba_id = WABA_ID
    account.save()
    http_calls[1].reply = template_pages()
    do_sync_templates(account)
    return account


@pytest.fixture
def whatsapp_case(org, number):
    """Jolanda wrote on WhatsApp two days ago: the 24-hour window has closed."""
    message = InboundMessage(
        channel="whatsapp",
        identity_kind="whatsapp",
        identity_value="+31612345678",
        sender_name="Jolanda de Vries",
        text="Wanneer komt mijn bank?",
        external_id="wamid.API-1",
        received_at=timezone.now() - timedelta(days=2),
    )
    return do_receive_message(org, message).message.case


def test_a_numbers_templates_are_listed_with_what_a_message_needs(api, number):
    response = api.get(f"/channel-accounts/{number.pk}/templates", status="approved", language="nl")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["name"] for item in items] == ["bestelling_onderweg", "levering_gepland", "zomeractie"]
    levering = items[1]
    assert levering["account_id"] == number.pk
    assert levering["parameters"] == ["1", "2", "3"]
    assert levering["body"].startswith("Beste {{1}}")
    assert (levering["sendable"], levering["unsupported"], levering["gone"]) == (True, "", False)
    assert items[2]["sendable"] is False
    assert items[2]["unsupported"] == "een kop met image"


def test_another_organisations_token_gets_404_for_the_templates(outsider_api, number):
    response = outsider_api.get(f"/channel-accounts/{number.pk}/templates")
    assert response.status_code == 404


def test_a_template_reply_goes_out_and_shows_as_the_text_the_customer_got(
    api, whatsapp_case, http_calls, run_tasks, django_capture_on_commit_callbacks
):
    body = {
        "kind": "reply",
        "template": {"name": "levering_gepland", "language": "nl", "parameters": ["Jolanda", "hoekbank", "dinsdag"]},
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/cases/{whatsapp_case.pk}/messages", body)
    assert response.status_code == 201, response.content
    message = response.json()
    assert message["channel"] == "whatsapp"
    assert message["text"].startswith("Uw levering\n\nBeste Jolanda, wij bezorgen uw hoekbank op dinsdag.")
    assert message["template"] == {
        "name": "levering_gepland",
        "language": "nl",
        "parameters": {"1": "Jolanda", "2": "hoekbank", "3": "dinsdag"},
    }
    run_tasks()
    [sent] = [request for request in http_calls[0] if request.method == "POST"]
    assert json.loads(sent.content)["template"]["name"] == "levering_gepland"
    listed = api.get(f"/cases/{whatsapp_case.pk}/messages").json()["items"]
    assert listed[-1]["delivery_status"] == "sent"
    assert listed[0]["template"] is None


@pytest.mark.parametrize(
    ("template", "fields"),
    [
        (
            {"name": "levering_gepland", "language": "nl", "parameters": {"1": "Jolanda", "3": "dinsdag"}},
            {"template.parameters.2": "Vul {{2}} in."},
        ),
        (
            {"name": "onbekend", "language": "nl"},
            {"template.name": "No template 'onbekend' in 'nl' for this case's WhatsApp number."},
        ),
        (
            {"name": "afspraak_herinnering", "language": "nl", "parameters": ["8:00", "12:00"]},
            {"template.template": "Het sjabloon afspraak_herinnering is niet goedgekeurd (In beoordeling)."},
        ),
    ],
)
def test_a_template_that_cannot_go_out_is_a_422_naming_the_field(api, whatsapp_case, template, fields):
    response = api.post(f"/cases/{whatsapp_case.pk}/messages", {"kind": "reply", "template": template})
    assert response.status_code == 422
    assert response.json()["fields"] == fields
    assert whatsapp_case.messages.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "reply", "text": "Hoi", "template": {"name": "levering_gepland", "language": "nl"}}, {"text"}),
        ({"kind": "note", "template": {"name": "levering_gepland", "language": "nl"}}, {"template"}),
        (
            {"kind": "reply", "channel": "email", "template": {"name": "levering_gepland", "language": "nl"}},
            {"channel"},
        ),
        ({"kind": "reply"}, {"text"}),
    ],
)
def test_a_reply_is_a_text_or_a_template(api, whatsapp_case, body, fields):
    response = api.post(f"/cases/{whatsapp_case.pk}/messages", body)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == fields


def test_a_free_form_reply_after_the_window_is_a_422_with_the_reason(api, whatsapp_case):
    response = api.post(f"/cases/{whatsapp_case.pk}/messages", {"kind": "reply", "text": "Wij komen dinsdag."})
    assert response.status_code == 422
    assert "alleen een goedgekeurd sjabloon" in response.json()["reason"]
    assert whatsapp_case.messages.count() == 1
