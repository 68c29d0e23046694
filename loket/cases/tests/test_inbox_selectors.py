from __future__ import annotations

import pytest

from loket.accounts.actions import do_create_team
from loket.cases.actions import do_open_case
from loket.cases.selectors import inbox_counts, search_cases
from loket.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_counts_count_each_case_once_however_many_team_members(org, team, agent, owner, customer):
    do_create_team(org, "Klantenservice", members=[UserFactory()])  # a third member of the same team
    do_open_case(org, customer, subject="In de wachtrij", actor=None, team=team)
    counts = inbox_counts(org, agent)
    assert counts["unassigned"] == 1
    assert counts["open"] == 1
    assert counts["team"] == 1


def test_counts_include_cases_without_a_team(org, agent, customer):
    do_open_case(org, customer, subject="Zonder team", actor=agent, owner=agent)
    assert inbox_counts(org, agent)["open"] == 1


def test_search_cases_by_number_or_subject_only_in_the_organisation(org, other_org, team, customer, agent):
    case = do_open_case(org, customer, subject="Kapotte lamp", actor=agent, owner=agent)
    assert list(search_cases(org, "lamp")) == [case]
    assert list(search_cases(org, case.number.lower())) == [case]
    assert list(search_cases(other_org, "lamp")) == []
    assert list(search_cases(org, "  ")) == []
