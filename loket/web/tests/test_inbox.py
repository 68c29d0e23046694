from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loket.cases.actions import do_open_case, do_resolve_case
from loket.cases.models import Case
from loket.customers.actions import do_create_customer
from loket.web.tests.conftest import mark_deceased, receive

pytestmark = pytest.mark.django_db

INBOX = reverse("web:inbox")


def open_cases(org, agent, count, **kwargs):
    cases = []
    for n in range(count):
        customer = do_create_customer(org, actor=None, name=f"Klant {n}")
        cases.append(do_open_case(org, customer, subject=f"Vraag {n}", actor=agent, owner=agent, **kwargs))
    return cases


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inbox_lists_my_cases_with_counts(agent_client, case, inbound_case):
    response = agent_client.get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html
    assert "Bank beschadigd geleverd" in html
    assert inbound_case.number not in html  # unassigned: not "mine"
    counts = {name: count for name, _label, count in response.context["views"]}
    assert counts["mine"] == 1
    assert counts["unassigned"] == 1
    assert counts["open"] == 2
    assert counts["resolved"] == 0


def test_unassigned_view_shows_the_team_queue(agent_client, case, inbound_case):
    html = agent_client.get(INBOX, {"view": "unassigned"}).content.decode()
    assert inbound_case.number in html
    assert case.number not in html


def test_rows_show_customer_channel_status_owner_and_deceased_marker(agent_client, org, team, agent):
    message = receive(org, channel="whatsapp", kind="whatsapp", value="+31612345678", text="Hoi")
    case = message.case
    mark_deceased(case.customer)
    html = agent_client.get(INBOX, {"view": "open"}).content.decode()
    assert 'class="chan chan--whatsapp"' in html
    assert "deceased-mark" in html
    assert case.get_status_display() in html
    assert "Klantenservice" in html  # the team of an unassigned case


def test_filters_narrow_the_list(agent_client, org, agent, team):
    urgent, _normal = open_cases(org, agent, 2)
    urgent.priority = Case.Priority.URGENT
    urgent.save()
    response = agent_client.get(INBOX, {"view": "open", "priority": "urgent"})
    numbers = [c.number for c in response.context["page"].object_list]
    assert numbers == [urgent.number]


def test_the_filters_show_what_is_chosen(agent_client, org, agent, team):
    html = agent_client.get(INBOX, {"view": "open", "priority": "urgent", "team": team.pk}).content.decode()
    assert '<select id="id_priority" name="priority">' in html
    assert '<option value="urgent" selected>' in html
    assert f'<option value="{team.pk}" selected>{team.name}</option>' in html
    assert '<option value="" selected>' in html  # the other filters: "all"
    assert f'<option value="{agent.pk}">' in html


def test_filter_by_channel_and_status(agent_client, org, agent, team):
    email_case = receive(org, channel="email").case
    receive(org, channel="sms", kind="phone", value="0612345679")
    response = agent_client.get(INBOX, {"view": "open", "channel": "email", "status": "new"})
    assert [c.pk for c in response.context["page"].object_list] == [email_case.pk]


def test_an_invalid_filter_value_is_ignored_not_a_crash(agent_client, case):
    response = agent_client.get(INBOX, {"view": "nonsense", "team": "abc", "sort": "evil", "page": "-3"})
    assert response.status_code == 200
    assert case.number in response.content.decode()


def test_sorting_by_priority_puts_urgent_cases_first(agent_client, org, agent, team):
    low, urgent = open_cases(org, agent, 2)
    urgent.priority = Case.Priority.URGENT
    urgent.save()
    response = agent_client.get(INBOX, {"sort": "priority"})
    assert [c.pk for c in response.context["page"].object_list] == [urgent.pk, low.pk]


def test_resolved_view_lists_resolved_cases(agent_client, case, agent):
    do_resolve_case(case, actor=agent)
    assert case.number not in agent_client.get(INBOX).content.decode()
    assert case.number in agent_client.get(INBOX, {"view": "resolved"}).content.decode()


def test_inbox_is_paginated_by_the_configured_page_size(agent_client, org, agent, team, settings):
    settings.INBOX_PAGE_SIZE = 3
    open_cases(org, agent, 5)
    first = agent_client.get(INBOX)
    assert len(first.context["page"].object_list) == 3
    second = agent_client.get(INBOX, {"page": 2})
    assert len(second.context["page"].object_list) == 2
    assert "Pagina 2 van 2" in second.content.decode()


def test_a_filtered_view_is_paged_by_its_own_count_not_the_views(agent_client, org, agent, team, settings):
    """Unfiltered, the pager takes the view's count (one query fewer); a filter counts itself."""
    settings.INBOX_PAGE_SIZE = 3
    open_cases(org, agent, 3)
    open_cases(org, agent, 2, priority="urgent")
    assert "Pagina 1 van 2" in agent_client.get(INBOX).content.decode()
    filtered = agent_client.get(INBOX, {"priority": "urgent"})
    assert len(filtered.context["page"].object_list) == 2
    assert not filtered.context["page"].has_other_pages()


def test_htmx_request_gets_only_the_table_and_the_counts(agent_client, case):
    response = agent_client.get(INBOX, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-table"')
    assert 'id="inbox-counts"' in html
    assert 'hx-swap-oob="true"' in html
    assert "<html" not in html
    assert case.number in html


def test_viewer_starts_on_all_open_cases(viewer_client, case):
    response = viewer_client.get(INBOX)
    assert response.context["current_view"] == "open"
    assert case.number in response.content.decode()


def test_inbox_query_count_does_not_grow_with_the_number_of_cases(agent_client, org, agent, team):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(INBOX, {"view": "open"})
        assert response.status_code == 200
        return len(queries), len(response.context["page"].object_list)

    cases = open_cases(org, agent, 5, tags=["levering"])
    few, rows = count_queries()
    assert rows == 5
    for case in cases[:2]:
        mark_deceased(case.customer)
    open_cases(org, agent, 25, tags=["retour"])
    many, rows = count_queries()
    assert rows == 25
    assert many == few


def test_inbox_stays_within_a_fixed_query_budget(agent_client, org, agent, team, django_assert_max_num_queries):
    open_cases(org, agent, 30)
    with django_assert_max_num_queries(15):
        agent_client.get(INBOX)


def test_counts_and_pages_stop_at_the_cap_so_a_huge_view_stays_fast(agent_client, org, team, customer, monkeypatch):
    from loket.cases import selectors
    from loket.cases.actions import do_open_case
    from loket.web import paging

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for n in range(5):
        do_open_case(org, customer, subject=f"Zaak {n}", actor=None, team=team)
    from loket.web.views import inbox as inbox_view

    monkeypatch.setattr(inbox_view, "COUNT_CAP", 3)
    response = agent_client.get(INBOX + "?view=unassigned")
    counts = {name: count for name, _label, count in response.context["views"]}
    assert counts["unassigned"] == 3  # counted up to the cap, not all five
    assert '<span class="count">2+</span>' in response.content.decode()
    assert response.context["page"].paginator.is_capped
