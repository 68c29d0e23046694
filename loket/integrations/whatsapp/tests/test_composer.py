"""The case view's composer on a WhatsApp case: outside the 24-hour window the agent picks an
approved template (the customer's language first), fills in its placeholders and sends it; a
free-form reply on WhatsApp is not offered, and refused when sent anyway."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.urls import reverse

from loket.cases.models import Case, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.models import MessageTemplate
from loket.integrations.whatsapp.tests.meta import connect_templates, corpus, post

pytestmark = pytest.mark.django_db

# Jolanda's recorded message was written on 22 May 2022 at 21:01 UTC.
WINDOW_CLOSED = "2022-05-24 09:00+00:00"
WINDOW_OPEN = "2022-05-22 22:00+00:00"


@pytest.fixture
def whatsapp_case(client, account, graph):
    post(client, account, corpus("restfb__webhook-incoming-message-image.json"))
    do_process_pending()
    connect_templates(account, graph)
    return Case.objects.get()


def page(agent_client, case, at=WINDOW_CLOSED, **params) -> str:
    with time_machine.travel(at, tick=False):
        response = agent_client.get(reverse("web:case", args=[case.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def chooser(agent_client, case, name: str, *, htmx: bool = True):
    pk = MessageTemplate.objects.get(name=name).pk
    headers = {"HX-Request": "true"} if htmx else {}
    with time_machine.travel(WINDOW_CLOSED, tick=False):
        return agent_client.get(reverse("web:case_template", args=[case.pk]), {"template": pk}, headers=headers)


def test_outside_the_window_the_composer_offers_templates_in_the_customers_language_first(agent_client, whatsapp_case):
    html = page(agent_client, whatsapp_case)
    assert "neemt WhatsApp alleen een goedgekeurd sjabloon aan. Kies hieronder een sjabloon" in html
    chooser_html = html.split('data-testid="whatsapp-templates"')[1].split("</form>")[0]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', chooser_html, re.S)
    assert [label for label, _ in groups] == ["In de taal van de klant", "Andere talen"]
    assert re.findall(r">([^<]+)</option>", groups[0][1]) == ["bestelling_onderweg (nl)", "levering_gepland (nl)"]
    assert re.findall(r">([^<]+)</option>", groups[1][1]) == ["delivery_scheduled (en_US)"]
    # Not offered: pending, and a template with an image header Loket cannot fill (said so).
    assert "afspraak_herinnering" not in html
    assert "zomeractie" not in chooser_html
    assert "1 goedgekeurd sjabloon staat niet in de lijst" in html
    # The free-form composer stays for notes and other channels, not for WhatsApp.
    channels = html.split('name="channel"')[1].split("</select>")[0]
    assert 'value="whatsapp"' not in channels
    assert 'value="email" selected' in channels


def test_choosing_a_template_gives_a_field_per_placeholder_and_a_preview(agent_client, whatsapp_case):
    response = chooser(agent_client, whatsapp_case, "levering_gepland")
    html = response.content.decode()
    assert "<html" not in html  # the region, for htmx
    assert re.findall(r'name="(parameters\.[^"]+)"', html) == [
        "parameters.1",
        "parameters.2",
        "parameters.3",
    ]
    assert 'data-template-param="2"' in html
    assert "Voorbeeld: hoekbank" in html
    assert '<mark class="template-slot template-slot--empty" data-template-slot="1">{{1}}</mark>' in html
    assert "Uw levering" in html
    assert "Woonwinkel klantenservice" in html
    assert "<li>Dat past</li>" in html
    # Without JavaScript the same URL is the whole case page with the template chosen.
    full = chooser(agent_client, whatsapp_case, "levering_gepland", htmx=False).content.decode()
    assert "<html" in full
    assert 'name="parameters.3"' in full


def test_the_agent_sends_a_template_and_the_timeline_shows_what_the_customer_got(agent_client, whatsapp_case):
    levering = MessageTemplate.objects.get(name="levering_gepland")
    data = {"template": levering.pk, "parameters.1": "Jolanda", "parameters.2": "hoekbank", "parameters.3": "dinsdag"}
    with time_machine.travel(WINDOW_CLOSED, tick=False):
        response = agent_client.post(reverse("web:case_template", args=[whatsapp_case.pk]), data)
    assert response.status_code == 302
    message = whatsapp_case.messages.get(kind=Message.Kind.OUTBOUND)
    assert message.delivery_status == Message.Delivery.QUEUED
    html = page(agent_client, whatsapp_case)
    assert "Beste Jolanda, wij bezorgen uw hoekbank op dinsdag." in html
    assert 'data-testid="template-tag"' in html
    assert "sjabloon levering_gepland (nl)" in html


def test_a_missing_value_shows_on_its_field_keeps_the_others_and_sends_nothing(agent_client, whatsapp_case):
    levering = MessageTemplate.objects.get(name="levering_gepland")
    data = {"template": levering.pk, "parameters.1": "Jolanda", "parameters.2": " ", "parameters.3": "dinsdag"}
    with time_machine.travel(WINDOW_CLOSED, tick=False):
        response = agent_client.post(reverse("web:case_template", args=[whatsapp_case.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vul {{2}} in." in html
    assert 'value="Jolanda"' in html
    assert '<mark class="template-slot" data-template-slot="3">dinsdag</mark>' in html
    assert not whatsapp_case.messages.filter(kind=Message.Kind.OUTBOUND).exists()


def test_a_free_form_reply_on_whatsapp_outside_the_window_is_refused_with_the_reason(agent_client, whatsapp_case):
    with time_machine.travel(WINDOW_CLOSED, tick=False):
        response = agent_client.post(
            reverse("web:case_reply", args=[whatsapp_case.pk]), {"text": "Wij komen dinsdag.", "channel": "whatsapp"}
        )
    assert response.status_code == 400
    assert "neemt WhatsApp alleen een goedgekeurd sjabloon aan. Kies een sjabloon, of een ander kanaal." in (
        response.content.decode()
    )
    assert not whatsapp_case.messages.filter(kind=Message.Kind.OUTBOUND).exists()


def test_inside_the_window_the_agent_writes_freely_and_templates_are_folded_away(agent_client, whatsapp_case):
    html = page(agent_client, whatsapp_case, at=WINDOW_OPEN)
    assert "WhatsApp: antwoorden kan tot 23 mei 23:01" in html
    assert '<details class="template-details">' in html
    assert 'value="whatsapp" selected' in html.split('name="channel"')[1].split("</select>")[0]


def test_without_templates_the_composer_says_where_they_come_from(agent_client, whatsapp_case):
    MessageTemplate.objects.update(status="REJECTED")
    html = page(agent_client, whatsapp_case)
    assert 'data-testid="no-templates"' in html
    assert "WhatsApp Manager" in html.split('data-testid="no-templates"')[1]


def test_another_organisations_template_cannot_be_sent_on_its_case(client, outsider, other_org, whatsapp_case):
    """The outsider's own WhatsApp case: our template's id is not among its choices."""
    from loket.cases.receiving import InboundMessage, do_receive_message

    theirs = do_receive_message(
        other_org,
        InboundMessage(channel="whatsapp", identity_kind="whatsapp", identity_value="+31687654321", text="Hoi"),
    ).message.case
    ours = MessageTemplate.objects.get(name="levering_gepland")
    client.force_login(outsider)
    data = {"template": ours.pk, "parameters.1": "a", "parameters.2": "b", "parameters.3": "c"}
    response = client.post(reverse("web:case_template", args=[theirs.pk]), data)
    assert response.status_code == 400
    assert "levering_gepland" not in response.content.decode()
    assert not Message.objects.filter(kind=Message.Kind.OUTBOUND).exists()
    # And our case is not theirs to see.
    assert client.get(reverse("web:case_template", args=[whatsapp_case.pk])).status_code == 404


def test_a_viewer_gets_no_template_form(viewer, client, whatsapp_case):
    client.force_login(viewer)
    assert client.get(reverse("web:case_template", args=[whatsapp_case.pk])).status_code == 403
    html = client.get(reverse("web:case", args=[whatsapp_case.pk])).content.decode()
    assert 'data-testid="whatsapp-templates"' not in html


def test_a_template_for_a_customer_without_whatsapp_shows_why_it_was_not_sent(agent_client, case, account, graph):
    """An e-mail case (no template form on its page): a template posted anyway gets its reason shown."""
    connect_templates(account, graph)
    levering = MessageTemplate.objects.get(name="levering_gepland")
    data = {"template": levering.pk, "parameters.1": "Jolanda", "parameters.2": "bank", "parameters.3": "dinsdag"}
    response = agent_client.post(reverse("web:case_template", args=[case.pk]), data)
    assert response.status_code == 400
    assert "De klant heeft geen WhatsApp-nummer" in response.content.decode()
    assert not case.messages.exists()
