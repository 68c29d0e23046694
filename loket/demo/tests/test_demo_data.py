from __future__ import annotations

import pytest

from loket.accounts.models import Organization
from loket.cases.models import Case, Message
from loket.cases.selectors import list_cases
from loket.customers.models import Customer
from loket.demo.data import load_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_both_organisations_and_loading_again_changes_nothing():
    first = load_demo()
    counts = (Organization.objects.count(), Case.objects.count(), Message.objects.count(), Customer.objects.count())
    second = load_demo()
    assert first.created
    assert not second.created
    assert counts == (
        Organization.objects.count(),
        Case.objects.count(),
        Message.objects.count(),
        Customer.objects.count(),
    )


def test_jolandas_sofa_has_one_timeline_across_email_phone_and_whatsapp():
    load_demo()
    woonwinkel = Organization.objects.get(slug="woonwinkel")
    sofa = list_cases(woonwinkel).get(customer__name="Jolanda de Vries")
    channels = set(sofa.messages.filter(kind="inbound").values_list("channel", flat=True))
    assert channels == {"email", "phone", "whatsapp"}
    assert sofa.owner.username == "bram"
    assert sofa.handover_count == 1


def test_energie_noord_has_a_deceased_customer_woonwinkel_never_sees():
    load_demo()
    woonwinkel = Organization.objects.get(slug="woonwinkel")
    energie = Organization.objects.get(slug="energie-noord")
    hendrik = Customer.objects.for_org(energie).get(name="Hendrik Bakker")
    assert hendrik.is_deceased
    assert hendrik.date_of_death.isoformat() == "2026-11-18"
    assert not list_cases(woonwinkel).filter(customer=hendrik).exists()
    assert not Customer.objects.for_org(woonwinkel).filter(name="Hendrik Bakker").exists()


def test_the_demo_chat_can_be_opened_as_a_visitor(client):
    from loket.demo.data import DEMO_CHAT

    load_demo()
    load_demo()  # once, however often the demo is loaded
    response = client.get(f"/chat/{DEMO_CHAT}/")
    assert response.status_code == 200
    assert "Stel gerust uw vraag" in response.content.decode()
    assert "frame-ancestors http://127.0.0.1:8000 http://localhost:8000" in response["Content-Security-Policy"]


def test_the_demo_has_a_survey_responses_and_the_low_score_flags_the_sofa():
    from loket.monitor.models import Response, Survey

    load_demo()
    woonwinkel = Organization.objects.get(slug="woonwinkel")
    assert Survey.objects.for_org(woonwinkel).filter(is_active=True).exists()
    assert sorted(Response.objects.for_org(woonwinkel).values_list("csat", flat=True)) == [2, 5]
    sofa = list_cases(woonwinkel).get(customer__name="Jolanda de Vries")
    assert "lage score" in [tag.name for tag in sofa.tags.all()]
