"""check_* actions and selectors added for the REST API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from loket.accounts.models import Membership
from loket.cases.actions import check_open_case, check_reopen_case, check_resolve_case, do_reply
from loket.cases.models import Case
from loket.cases.selectors import filter_cases, list_contacts
from loket.customers.actions import do_create_customer

pytestmark = pytest.mark.django_db


def _membership(user, org) -> Membership:
    return Membership.objects.get(user=user, organization=org)


def test_the_desk_assigns_a_new_case_to_whoever_opens_it(agent, org, customer, team):
    case = check_open_case(_membership(agent, org), customer, subject="Bank")
    assert case.owner == agent


def test_without_assigning_to_the_actor_a_new_case_waits_in_the_team_queue(agent, org, customer, team):
    case = check_open_case(_membership(agent, org), customer, subject="Bank", assign_to_actor=False)
    assert (case.owner, case.team, case.status) == (None, team, Case.Status.NEW)


def test_a_case_cannot_be_opened_for_another_organisations_customer(outsider, other_org, customer):
    with pytest.raises(PermissionDenied):
        check_open_case(_membership(outsider, other_org), customer, subject="Poging")


def test_only_a_resolved_case_can_be_reopened(agent, org, case):
    with pytest.raises(ValidationError):
        check_reopen_case(_membership(agent, org), case)
    check_resolve_case(_membership(agent, org), case)
    assert check_reopen_case(_membership(agent, org), case).status == Case.Status.OPEN


def test_a_viewer_cannot_resolve(viewer, org, case):
    with pytest.raises(PermissionDenied):
        check_resolve_case(_membership(viewer, org), case)


def test_filter_cases_combines_filters(org, team, case, inbound_case, agent):
    assert set(filter_cases(org)) == {case, inbound_case}
    assert list(filter_cases(org, owner_id=agent.pk)) == [case]
    assert list(filter_cases(org, channel="api", status="new")) == [inbound_case]
    assert list(filter_cases(org, customer_id=do_create_customer(org, actor=None).pk)) == []


def test_list_contacts_oldest_first(inbound_case, agent):
    do_reply(inbound_case, actor=agent, text="Per mail", channel="email")
    assert [c.channel for c in list_contacts(inbound_case)] == ["api", "email"]
