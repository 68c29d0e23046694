from __future__ import annotations

import pytest

from loket.customers.actions import do_add_subscription, do_create_customer, do_mark_deceased
from loket.customers.models import Customer, Identity

pytestmark = pytest.mark.django_db


def test_create_customer_with_identities_in_any_notation(api, org):
    response = api.post(
        "/customers",
        {
            "name": "Jan Smit",
            "preferred_channel": "whatsapp",
            "identities": [
                {"kind": "email", "value": " Jan@Example.NL "},
                {"kind": "phone", "value": "0031 6 1234 5670"},
            ],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Jan Smit"
    assert {(i["kind"], i["value"]) for i in body["identities"]} == {
        ("email", "jan@example.nl"),
        ("phone", "+31612345670"),
    }
    assert Customer.objects.get(pk=body["id"]).organization == org


def test_an_identity_of_another_customer_cannot_be_taken(api, customer):
    response = api.post(
        "/customers", {"name": "Dubbel", "identities": [{"kind": "email", "value": "jolanda@example.nl"}]}
    )
    assert response.status_code == 422
    assert "value" in response.json()["fields"]
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("query", ["jolanda", "JOLANDA@example.nl", "+31612345678", "06-12 34 56 78", "EN-42"])
def test_search_finds_the_customer_by_name_email_phone_or_reference(api, customer, query):
    do_add_subscription(customer, product="Energie", reference="EN-42")
    do_create_customer(customer.organization, actor=None, name="Iemand anders")
    response = api.get("/customers", q=query)
    assert [item["id"] for item in response.json()["items"]] == [customer.pk]


def test_update_changes_only_the_fields_sent(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"notes": "Bel na 17 uur", "language": "en"})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.notes, customer.language) == ("Jolanda de Vries", "Bel na 17 uur", "en")


def test_add_identity_normalises_the_value(api, customer):
    response = api.post(
        f"/customers/{customer.pk}/identities", {"kind": "whatsapp", "value": "06 87654321", "label": "Werk"}
    )
    assert response.status_code == 201
    assert response.json() | {"id": 0} == {"id": 0, "kind": "whatsapp", "value": "+31687654321", "label": "Werk"}


def test_an_address_of_another_customer_is_moved_when_asked(api, customer, org):
    stranger = do_create_customer(org, actor=None, name="jdv@werk.example", identities=[("email", "jdv@werk.example")])
    refused = api.post(f"/customers/{customer.pk}/identities", {"kind": "email", "value": "JDV@werk.example"})
    assert refused.status_code == 422
    response = api.post(
        f"/customers/{customer.pk}/identities", {"kind": "email", "value": "JDV@werk.example", "move": True}
    )
    assert response.status_code == 201
    assert Identity.objects.get(value="jdv@werk.example").customer == customer
    stranger.refresh_from_db()
    assert stranger.merged_into == customer  # nothing was left of it
    # Asked again, nothing changes: the address is already hers.
    again = api.post(
        f"/customers/{customer.pk}/identities", {"kind": "email", "value": "jdv@werk.example", "move": True}
    )
    assert again.status_code == 201
    assert again.json()["id"] == response.json()["id"]


def test_subscriptions_are_listed_and_added(api, customer):
    do_add_subscription(customer, product="Internet", reference="NET-1")
    response = api.post(
        f"/customers/{customer.pk}/subscriptions",
        {"product": "Energie", "reference": "EN-1", "started_on": "2025-01-01", "ended_on": "2024-01-01"},
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"ended_on"}
    assert api.post(f"/customers/{customer.pk}/subscriptions", {"product": "Energie"}).status_code == 201
    products = [item["product"] for item in api.get(f"/customers/{customer.pk}/subscriptions").json()["items"]]
    assert products == ["Energie", "Internet"]


def test_merge_moves_identities_and_cases_and_hides_the_duplicate(api, customer, case, org):
    duplicate = do_create_customer(org, actor=None, name="J. de Vries", identities=[("email", "jdv@example.nl")])
    response = api.post(f"/customers/{duplicate.pk}/merge", {"into": customer.pk})
    assert response.status_code == 200
    assert response.json()["id"] == customer.pk
    assert Identity.objects.get(value="jdv@example.nl").customer == customer
    assert api.get(f"/customers/{duplicate.pk}").status_code == 404
    assert duplicate.pk not in [item["id"] for item in api.get("/customers").json()["items"]]


def test_merge_into_another_organisations_customer_is_404_naming_into(api, customer, other_org):
    stranger = do_create_customer(other_org, actor=None, name="Vreemde")
    response = api.post(f"/customers/{customer.pk}/merge", {"into": stranger.pk})
    assert response.status_code == 404
    assert response.json()["fields"] == {"into": "Customer not found."}
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_merge_with_itself_is_422(api, customer):
    response = api.post(f"/customers/{customer.pk}/merge", {"into": customer.pk})
    assert response.status_code == 422


def test_a_deceased_customer_shows_as_deceased(api, customer):
    do_mark_deceased(customer, date_of_death=None, actor=None)
    body = api.get(f"/customers/{customer.pk}").json()
    assert (body["status"], body["is_deceased"]) == ("deceased", True)
