"""The dashboard per organisation: figures from the rollups, a constant number of queries, the
read-only viewer, CSV export, the weekly summary and an agent's own scores."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loket.monitor.tests.factories import answered

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_scores_comments_and_the_worst_contacts(client, owner, survey, email_case):
    answered(email_case, "5", comment="Top geholpen")
    answered(email_case, "1", comment="Niemand belde terug")
    client.force_login(owner)
    page = client.get(reverse("monitor:dashboard")).content.decode()
    assert "3,0" in page  # CSAT (5 + 1) / 2
    assert "Top geholpen" in page
    assert "Niemand belde terug" in page
    assert reverse("web:case", args=[email_case.pk]) in page  # the worst contact links to its case
    # The chart's bar (CSAT 3.0 on 1-5: half the height), with a decimal point SVG understands.
    assert 'height="50.0"' in page


def test_the_dashboard_costs_the_same_number_of_queries_whatever_the_responses(
    client, owner, survey, email_case, django_assert_num_queries
):
    client.force_login(owner)
    answered(email_case, "4")
    client.get(reverse("monitor:dashboard"))
    with django_assert_num_queries(12) as few:
        client.get(reverse("monitor:dashboard"))
    for value in "12345" * 4:
        answered(email_case, value, comment="opmerking")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("monitor:dashboard"))


def test_a_viewer_sees_the_dashboard_but_cannot_change_or_handle_anything(client, viewer, owner, survey, email_case):
    answered(email_case, "2", comment="Zichtbaar voor de klant")
    client.force_login(viewer)
    page = client.get(reverse("monitor:dashboard")).content.decode()
    assert "Zichtbaar voor de klant" in page
    assert reverse("web:case", args=[email_case.pk]) not in page  # a client sees the number, not the case
    for name in ("monitor:surveys", "monitor:alert_rules", "monitor:dashboard_settings", "monitor:my_scores"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_export_is_csv_of_the_period(client, owner, survey, email_case):
    answered(email_case, "4", comment="Prima")
    client.force_login(owner)
    response = client.get(reverse("monitor:export"))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert body.splitlines()[0].startswith("tijdstip,zaak,kanaal")
    assert email_case.number in body
    assert "Prima" in body


def test_the_weekly_summary_prints(client, owner, survey, email_case):
    answered(email_case, "4", comment="Prima")
    client.force_login(owner)
    page = client.get(reverse("monitor:weekly")).content.decode()
    assert "Weekoverzicht klanttevredenheid" in page
    assert "Prima" in page


def test_an_agent_sees_their_own_scores_and_a_lead_the_teams(client, agent, owner, survey, email_case):
    answered(email_case, "3", comment="Redelijk")
    client.force_login(agent)
    page = client.get(reverse("monitor:my_scores")).content.decode()
    assert "Redelijk" in page
    client.force_login(owner)  # an admin leads every team
    page = client.get(reverse("monitor:my_scores") + f"?agent={agent.pk}").content.decode()
    assert "Redelijk" in page
    assert client.get(reverse("monitor:my_scores") + "?agent=987654").status_code == 404


def test_an_admin_sets_up_a_survey_and_a_bad_one_is_refused(client, owner, team):
    client.force_login(owner)
    bad = client.post(
        reverse("monitor:surveys"),
        {
            "name": "Leeg",
            "q1": "csat",
            "q2": "csat",
            "trigger": "contact",
            "sample_percent": 100,
            "quiet_days": 14,
            "valid_days": 7,
        },
    )
    assert "maar één keer voorkomen" in bad.content.decode()
    client.post(
        reverse("monitor:surveys"),
        {
            "name": "Standaard",
            "q1": "nps",
            "q2": "text",
            "trigger": "contact",
            "sample_percent": 50,
            "quiet_days": 14,
            "valid_days": 7,
            "is_active": "on",
        },
    )
    from loket.monitor.models import Survey

    survey = Survey.objects.get()
    assert (survey.name, survey.questions, survey.sample_percent) == (
        "Standaard",
        [{"kind": "nps"}, {"kind": "text"}],
        50,
    )
