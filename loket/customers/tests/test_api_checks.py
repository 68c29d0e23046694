"""The check_* actions the API (and the desk) use to create and change customers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from loket.accounts.models import Membership
from loket.customers.actions import (
    check_add_subscription,
    check_create_customer,
    check_update_customer,
    do_add_subscription,
    do_create_customer,
)
from loket.customers.selectors import filter_customers, list_subscriptions

pytestmark = pytest.mark.django_db


def _membership(user, org) -> Membership:
    return Membership.objects.get(user=user, organization=org)


def test_create_customer_names_the_bad_identity_field(agent, org):
    with pytest.raises(ValidationError) as error:
        check_create_customer(_membership(agent, org), name="X", identities=[("phone", "123")])
    assert set(error.value.message_dict) == {"identities"}


def test_a_viewer_cannot_create_or_change_customers(viewer, org, customer):
    membership = _membership(viewer, org)
    with pytest.raises(PermissionDenied):
        check_create_customer(membership, name="X")
    with pytest.raises(PermissionDenied):
        check_update_customer(membership, customer, name="Y")


def test_customers_of_another_organisation_cannot_be_changed(outsider, other_org, customer):
    membership = _membership(outsider, other_org)
    with pytest.raises(PermissionDenied):
        check_update_customer(membership, customer, name="Y")
    with pytest.raises(PermissionDenied):
        check_add_subscription(membership, customer, product="Bank")


def test_subscription_needs_a_product_and_an_end_after_its_start(agent, org, customer):
    with pytest.raises(ValidationError) as error:
        check_add_subscription(
            _membership(agent, org), customer, product=" ", started_on=date(2026, 2, 1), ended_on=date(2026, 1, 1)
        )
    assert set(error.value.message_dict) == {"product", "ended_on"}
    subscription = check_add_subscription(_membership(agent, org), customer, product=" Bank ", reference="B-1 ")
    assert (subscription.product, subscription.reference) == ("Bank", "B-1")


def test_filter_customers_lists_all_or_searches(org, customer):
    other = do_create_customer(org, actor=None, name="Kees")
    assert set(filter_customers(org)) == {customer, other}
    assert list(filter_customers(org, "06 12345678")) == [customer]


def test_subscriptions_of_one_customer(org, customer):
    do_add_subscription(customer, product="Bank")
    do_add_subscription(do_create_customer(org, actor=None, name="Kees"), product="Stoel")
    assert [s.product for s in list_subscriptions(customer)] == ["Bank"]
