"""What the desk shows: the inbox by next promise due, the team board, notifications, kept-rate."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.cases.actions import do_open_case
from loket.promises.actions import do_keep_promise, do_make_promise
from loket.promises.models import Notification
from loket.promises.tests.conftest import at

pytestmark = pytest.mark.django_db


def cases_with_promises(org, customer, agent, n, start_hour=10):
    cases = []
    for i in range(n):
        case = do_open_case(org, customer, subject=f"Zaak {i}", actor=agent, owner=agent)
        do_make_promise(
            case,
            actor=agent,
            kind="callback",
            description="Terugbellen",
            due_from=at(f"2026-12-0{2 + i % 5} {start_hour}:00"),
            due_until=at(f"2026-12-0{2 + i % 5} {start_hour}:30"),
        )
        cases.append(case)
    return cases


def test_the_inbox_sorts_by_the_next_promise_due_with_a_constant_number_of_queries(
    clock, org, team, customer, agent, agent_client
):
    def load():
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get("/", {"view": "open", "sort": "promise"})
        assert response.status_code == 200
        return len(queries), response

    do_open_case(org, customer, subject="Zonder toezegging", actor=agent, owner=agent)
    cases_with_promises(org, customer, agent, 3)
    few, _response = load()
    cases_with_promises(org, customer, agent, 12)
    many, response = load()
    assert many == few
    rows = response.context["page"].object_list
    dues = [c.next_promise_due for c in rows]
    assert dues[-1] is None  # the case without a promise comes last
    assert dues[:-1] == sorted(dues[:-1])
    assert "Toezegging" in response.content.decode()


def test_the_inbox_filters_cases_with_a_promise_due_today(clock, org, team, customer, agent, agent_client):
    today = do_open_case(org, customer, subject="Vandaag terugbellen", actor=agent, owner=agent)
    do_make_promise(
        today,
        actor=agent,
        kind="callback",
        description="x",
        due_from=at("2026-12-01 15:00"),
        due_until=at("2026-12-01 15:30"),
    )
    cases_with_promises(org, customer, agent, 2)
    response = agent_client.get("/", {"view": "open", "promise": "today"})
    assert [c.pk for c in response.context["page"].object_list] == [today.pk]


def test_the_team_board_shows_due_today_at_risk_and_broken(clock, org, team, case, agent, lead_client, guard):
    due_today = do_make_promise(
        case,
        actor=agent,
        kind="callback",
        description="Vandaag bellen",
        due_from=at("2026-12-01 16:00"),
        due_until=at("2026-12-01 17:00"),
    )
    at_risk = do_make_promise(
        case,
        actor=agent,
        kind="callback",
        description="Bijna te laat",
        due_from=at("2026-12-01 09:30"),
        due_until=at("2026-12-01 10:00"),
    )
    broken = do_make_promise(case, actor=agent, kind="reply", description="Antwoord", due_until=at("2026-12-01 09:20"))
    clock.move_to(at("2026-12-01 09:50"))
    guard()
    response = lead_client.get("/toezeggingen/", {"team": team.pk})
    board = response.context["board"]
    assert board.due_today == [due_today]
    assert board.at_risk == [at_risk]
    assert board.broken == [broken]
    html = response.content.decode()
    assert "Bijna te laat" in html
    assert "Vandaag bellen" in html


def test_notifications_are_counted_in_the_menu_and_marked_read(clock, case, agent, agent_client, guard):
    do_make_promise(case, actor=agent, kind="reply", description="Antwoord", due_until=at("2026-12-01 09:20"))
    clock.move_to(at("2026-12-01 09:21"))
    guard()
    page = agent_client.get("/").content.decode()
    assert 'class="count count--alert">1<' in page
    note = Notification.objects.get(recipient=agent)
    assert "excuses" in agent_client.get("/meldingen/").content.decode()
    response = agent_client.post(f"/meldingen/{note.pk}/gelezen/")
    assert response.status_code == 302
    assert response["Location"] == f"/zaken/{case.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_another_persons_notification_is_404(clock, case, agent, lead, lead_client, guard):
    do_make_promise(case, actor=agent, kind="reply", description="Antwoord", due_until=at("2026-12-01 09:20"))
    clock.move_to(at("2026-12-01 09:21"))
    guard()
    mine = Notification.objects.get(recipient=agent)
    assert lead_client.post(f"/meldingen/{mine.pk}/gelezen/").status_code == 404


def test_kept_rate_per_kind_on_the_page_and_in_the_api(clock, case, agent, agent_client, api, guard):
    kept = do_make_promise(case, actor=agent, kind="callback", description="a", due_until=at("2026-12-01 10:00"))
    do_keep_promise(kept, actor=agent)
    do_make_promise(case, actor=agent, kind="callback", description="b", due_until=at("2026-12-01 10:00"))
    do_make_promise(case, actor=agent, kind="pickup", description="c", due_until=at("2026-12-01 11:00"))
    clock.move_to(at("2026-12-01 12:00"))
    guard()
    body = api.get("/promises/kept-rate", by="kind").json()
    assert (body["kept"], body["broken"], body["rate"]) == (1, 2, 0.3333)
    by_kind = {row["group"]: row for row in body["rows"]}
    assert by_kind["callback"]["rate"] == 0.5
    assert by_kind["pickup"]["rate"] == 0.0
    page = agent_client.get("/toezeggingen/betrouwbaarheid/", {"by": "kind"}).content.decode()
    assert "1 van 3 nagekomen" in page
    assert "Terugbellen" in page
