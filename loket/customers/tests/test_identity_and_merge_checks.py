from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from loket.accounts.models import Membership
from loket.customers.actions import check_add_identity, check_merge_customers, do_create_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_member(agent, org):
    return Membership.objects.get(user=agent, organization=org)


def test_check_add_identity_puts_normalisation_errors_on_the_value(agent_member, customer):
    with pytest.raises(ValidationError) as excinfo:
        check_add_identity(agent_member, customer, kind="phone", value="12")
    assert "value" in excinfo.value.message_dict


def test_check_add_identity_refuses_viewers_and_other_organisations(viewer, org, customer, outsider, other_org):
    with pytest.raises(PermissionDenied):
        check_add_identity(
            Membership.objects.get(user=viewer, organization=org), customer, kind="email", value="a@b.nl"
        )
    with pytest.raises(PermissionDenied):
        check_add_identity(
            Membership.objects.get(user=outsider, organization=other_org), customer, kind="email", value="a@b.nl"
        )


def test_check_merge_customers_merges_within_the_organisation(agent_member, customer, org):
    duplicate = do_create_customer(org, actor=None, name="Dubbel", identities=[("email", "dubbel@example.nl")])
    assert check_merge_customers(agent_member, duplicate, customer) == customer
    duplicate.refresh_from_db()
    assert duplicate.merged_into == customer


def test_check_merge_customers_refuses_another_organisations_customer(agent_member, customer, other_org):
    foreign = do_create_customer(other_org, actor=None, name="Ander")
    with pytest.raises(PermissionDenied):
        check_merge_customers(agent_member, foreign, customer)
