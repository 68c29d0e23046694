from __future__ import annotations

import pytest
from django.urls import reverse

from loket.cases.actions import do_open_case
from loket.customers.actions import do_add_subscription, do_create_customer
from loket.customers.models import Customer, Identity
from loket.events.models import Event
from loket.web.tests.conftest import mark_deceased

pytestmark = pytest.mark.django_db


def customer_url(customer, name="web:customer", *extra):
    return reverse(name, args=[customer.pk, *extra])


def test_customer_view_shows_identities_subscriptions_and_all_cases(agent_client, customer, case, agent, org):
    do_add_subscription(customer, product="Energiecontract", reference="EN-000042")
    second = do_open_case(org, customer, subject="Factuurvraag", actor=agent, owner=agent)
    html = agent_client.get(customer_url(customer)).content.decode()
    assert "Jolanda de Vries" in html
    assert "jolanda@example.nl" in html
    assert "+31612345678" in html
    assert "EN-000042" in html
    assert case.number in html
    assert second.number in html


def test_deceased_banner_shows_on_the_customer(agent_client, customer):
    mark_deceased(customer)
    html = agent_client.get(customer_url(customer)).content.decode()
    assert 'data-testid="deceased-banner"' in html


def test_adding_an_identity_normalises_it(agent_client, customer):
    response = agent_client.post(
        customer_url(customer, "web:customer_add_identity"), {"kind": "whatsapp", "value": "06-87654321", "label": ""}
    )
    assert response.status_code == 302
    assert customer.identities.filter(kind="whatsapp", value="+31687654321").exists()
    assert Event.objects.filter(type="customer.identity_added", customer=customer).exists()


def test_an_invalid_identity_is_refused_on_the_form(agent_client, customer):
    response = agent_client.post(
        customer_url(customer, "web:customer_add_identity"), {"kind": "email", "value": "geen-adres"}
    )
    assert response.status_code == 400
    assert "geen geldig e-mailadres" in response.content.decode()


def test_an_identity_of_another_customer_is_refused(agent_client, customer, org):
    do_create_customer(org, actor=None, name="Ander", identities=[("email", "ander@example.nl")])
    response = agent_client.post(
        customer_url(customer, "web:customer_add_identity"), {"kind": "email", "value": "Ander@Example.nl"}
    )
    assert response.status_code == 400
    assert "hoort al bij een andere klant" in response.content.decode()


def test_viewer_cannot_add_an_identity(viewer_client, customer):
    response = viewer_client.post(
        customer_url(customer, "web:customer_add_identity"), {"kind": "email", "value": "x@example.nl"}
    )
    assert response.status_code == 403
    assert not customer.identities.filter(value="x@example.nl").exists()


def test_merge_finds_the_duplicate_then_confirms_then_merges(agent_client, customer, org, agent, team):
    duplicate = do_create_customer(org, actor=None, name="J. de Vries", identities=[("email", "jdv@example.nl")])
    dup_case = do_open_case(org, duplicate, subject="Dubbel", actor=agent, owner=agent)
    search = agent_client.get(customer_url(customer, "web:customer_merge_search"), {"q": "jdv@example"})
    assert list(search.context["candidates"]) == [duplicate]
    confirm_url = customer_url(customer, "web:customer_merge_confirm", duplicate.pk)
    assert confirm_url in search.content.decode()
    confirm = agent_client.get(confirm_url)
    assert "J. de Vries wordt samengevoegd met Jolanda de Vries" in confirm.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None  # nothing changes before the POST
    response = agent_client.post(customer_url(customer, "web:customer_merge", duplicate.pk))
    assert response.status_code == 302
    duplicate.refresh_from_db()
    dup_case.refresh_from_db()
    assert duplicate.merged_into == customer
    assert dup_case.customer == customer
    assert customer.identities.filter(value="jdv@example.nl").exists()


def test_merge_search_never_offers_the_customer_itself(agent_client, customer):
    response = agent_client.get(customer_url(customer, "web:customer_merge_search"), {"q": "Jolanda"})
    assert list(response.context["candidates"]) == []


def test_merging_a_customer_with_itself_is_refused_with_a_message(agent_client, customer):
    response = agent_client.post(customer_url(customer, "web:customer_merge", customer.pk), follow=True)
    assert "niet met zichzelf" in response.content.decode()


def test_viewer_cannot_merge(viewer_client, customer, org):
    duplicate = do_create_customer(org, actor=None, name="Dubbel")
    assert viewer_client.post(customer_url(customer, "web:customer_merge", duplicate.pk)).status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_customer_list_searches_by_phone_in_any_notation(agent_client, customer, org):
    do_create_customer(org, actor=None, name="Iemand anders")
    response = agent_client.get(reverse("web:customers"), {"q": "+31 6 1234 5678"})
    assert list(response.context["page"].object_list) == [customer]


def test_customer_list_hides_merged_customers(agent_client, customer, org):
    merged = do_create_customer(org, actor=None, name="Oud record")
    merged.merged_into = customer
    merged.save()
    html = agent_client.get(reverse("web:customers")).content.decode()
    assert "Jolanda de Vries" in html
    assert "Oud record" not in html


def test_customer_list_marks_deceased_customers(agent_client, customer):
    mark_deceased(customer)
    assert "deceased-mark" in agent_client.get(reverse("web:customers")).content.decode()


def test_merged_customer_page_is_not_found(agent_client, customer, org):
    merged = Customer.objects.create(organization=org, name="Weg", merged_into=customer)
    Identity.objects.create(organization=org, customer=merged, kind="email", value="weg@example.nl")
    assert agent_client.get(customer_url(merged)).status_code == 404
