from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loket.cases.actions import do_resolve_case
from loket.events.selectors import list_events

pytestmark = pytest.mark.django_db


def test_list_events_of_one_organisation_by_type_case_and_moment(org, other_org, case, inbound_case):
    do_resolve_case(case, actor=None)
    assert {e.organization_id for e in list_events(org)} == {org.pk}
    assert not list_events(other_org).exists()
    assert [e.type for e in list_events(org, case_id=case.pk).order_by("pk")] == ["case.opened", "case.resolved"]
    assert list_events(org, type="case.resolved").get().case == case
    assert not list_events(org, since=timezone.now() + timedelta(seconds=1)).exists()
