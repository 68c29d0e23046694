from __future__ import annotations

import pytest
from django.urls import reverse

from loket.customers.actions import do_add_subscription

pytestmark = pytest.mark.django_db

SEARCH = reverse("web:search")


def test_search_finds_a_case_by_part_of_its_number(agent_client, case):
    response = agent_client.get(SEARCH, {"q": case.number[-6:]})
    assert list(response.context["cases"]) == [case]


def test_search_finds_a_case_by_subject(agent_client, case):
    response = agent_client.get(SEARCH, {"q": "beschadigd"})
    assert case.number in response.content.decode()


def test_search_finds_a_customer_by_email_phone_and_reference(agent_client, customer):
    do_add_subscription(customer, product="Bank", reference="ORD-777")
    for query in ("JOLANDA@example.nl", "0612345678", "+31 6 12 34 56 78", "ORD-777", "de vries"):
        response = agent_client.get(SEARCH, {"q": query})
        assert list(response.context["customers"]) == [customer], query


def test_empty_search_shows_only_the_box(agent_client, case):
    response = agent_client.get(SEARCH)
    assert response.status_code == 200
    assert case.number not in response.content.decode()


def test_search_never_finds_another_organisations_data(outsider_client, case, customer):
    for query in (case.number, "beschadigd", "jolanda@example.nl", "0612345678", "Jolanda"):
        response = outsider_client.get(SEARCH, {"q": query})
        assert list(response.context["cases"]) == []
        assert list(response.context["customers"]) == []
        html = response.content.decode()
        assert "Bank beschadigd geleverd" not in html
        assert "Jolanda de Vries" not in html
