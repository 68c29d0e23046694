from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from loket.cases.actions import do_open_case
from loket.customers.actions import do_add_identity, do_create_customer, do_merge_customers, resolve_identity
from loket.customers.models import Customer, Identity
from loket.customers.normalize import normalize_identity
from loket.customers.selectors import search_customers
from loket.events.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("email", "  Jolanda.DeVries@Example.NL ", "jolanda.devries@example.nl"),
        ("phone", "06-12345678", "+31612345678"),
        ("phone", "+31 6 1234 5678", "+31612345678"),
        ("phone", "0031612345678", "+31612345678"),
        ("phone", "050 312 4567", "+31503124567"),
        ("whatsapp", "+32 470 12 34 56", "+32470123456"),
        ("social", "@Jolanda_NL", "@jolanda_nl"),
    ],
)
def test_identity_values_are_normalised(kind, raw, expected):
    assert normalize_identity(kind, raw) == expected


def test_a_whatsapp_number_is_taken_as_whatsapp_gives_it_but_a_typed_phone_number_must_be_valid():
    """+49 1234567890 (from a recorded Meta webhook) is the right length for Germany but in no
    numbering plan phonenumbers knows: WhatsApp says it wrote, so it is that customer's number;
    typed by an agent as a phone number, it is most likely a typo."""
    assert normalize_identity("whatsapp", "+491234567890") == "+491234567890"
    with pytest.raises(ValidationError):
        normalize_identity("phone", "+491234567890")
    with pytest.raises(ValidationError):
        normalize_identity("whatsapp", "+31 6123")  # too short for any Dutch number


@pytest.mark.parametrize(("kind", "raw"), [("email", "geen-adres"), ("phone", "12"), ("phone", "bel me"), ("fax", "x")])
def test_invalid_identity_values_are_refused_with_a_reason(kind, raw):
    with pytest.raises(ValidationError) as error:
        normalize_identity(kind, raw)
    assert "geldig" in str(error.value) or "Onbekende" in str(error.value)


def test_resolution_finds_the_customer_whatever_the_notation(org, customer):
    identity = resolve_identity(org, "phone", "+31 (0)6 1234 5678".replace("(0)", ""))
    assert identity.customer == customer


def test_resolution_creates_a_customer_for_a_new_sender(org):
    identity = resolve_identity(org, "email", "Nieuw@Example.nl", name="Nieuwe Klant")
    assert identity.customer.name == "Nieuwe Klant"
    assert identity.value == "nieuw@example.nl"
    assert resolve_identity(org, "email", "nieuw@example.nl").customer == identity.customer


def test_same_address_in_another_organisation_is_another_customer(org, other_org, customer):
    theirs = resolve_identity(other_org, "email", "jolanda@example.nl")
    assert theirs.customer != customer
    assert theirs.customer.organization == other_org


def test_an_identity_belongs_to_one_customer_only(org, customer):
    other = do_create_customer(org, actor=None, name="Iemand Anders")
    with pytest.raises(ValidationError) as error:
        do_add_identity(other, "email", "JOLANDA@example.nl", actor=None)
    assert "hoort al bij" in str(error.value)


def test_merge_moves_identities_cases_and_subscriptions(org, team, customer, agent):
    duplicate = do_create_customer(org, actor=None, name="J. de Vries", identities=[("whatsapp", "+31687654321")])
    from loket.customers.actions import do_add_subscription

    do_add_subscription(duplicate, product="Bank", reference="WW-1")
    case = do_open_case(org, duplicate, subject="Bank", actor=agent, owner=agent)

    do_merge_customers(duplicate, customer, actor=agent)

    assert set(customer.identities.values_list("kind", flat=True)) == {"email", "phone", "whatsapp"}
    case.refresh_from_db()
    assert case.customer == customer
    assert customer.subscriptions.get().reference == "WW-1"
    duplicate.refresh_from_db()
    assert duplicate.merged_into == customer
    merged = Event.objects.get(type="customer.merged")
    assert merged.data["moved"] == {"identities": 1, "cases": 1, "subscriptions": 1}
    # The merged-away customer no longer shows up; its identity resolves to the survivor.
    assert list(search_customers(org, "de Vries")) == [customer]
    assert resolve_identity(org, "whatsapp", "+31687654321").customer == customer


def test_customers_of_two_organisations_cannot_be_merged(org, other_org, customer):
    theirs = Customer.objects.create(organization=other_org, name="Ander")
    with pytest.raises(ValidationError):
        do_merge_customers(theirs, customer, actor=None)


@pytest.mark.parametrize("query", ["Jolanda", "jolanda@example.nl", "0612345678", "+31 6 12345678", "EN-000777"])
def test_search_finds_a_customer_by_name_email_phone_or_subscription(org, customer, query):
    from loket.customers.actions import do_add_subscription

    do_add_subscription(customer, product="Energie", reference="EN-000777")
    assert list(search_customers(org, query)) == [customer]


def test_search_never_returns_another_organisations_customers(org, other_org, customer):
    do_create_customer(other_org, actor=None, name="Jolanda Anders", identities=[("email", "j@concurrent.nl")])
    assert [c.organization_id for c in search_customers(org, "Jolanda")] == [org.pk]
    assert Identity.objects.for_org(other_org).count() == 1
