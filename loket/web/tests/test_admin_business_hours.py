"""Beheer → Openingstijden: the organisation's opening hours and a team's own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from loket.accounts.hours import is_open
from loket.accounts.models import BusinessHours
from loket.accounts.selectors import business_hours_for

pytestmark = pytest.mark.django_db

URL = reverse("web:admin_business_hours")

WEEK = {
    "monday": "09:00-12:30, 13:00-17:00",
    "tuesday": "09:00-17:00",
    "wednesday": "09:00-17:00",
    "thursday": "09:00-17:00",
    "friday": "09:00-16:00",
    "saturday": "",
    "sunday": "gesloten",
    "observe_holidays": "on",
    "holiday_country": "NL",
    "exceptions": "24-12-2026 09:00-15:00 Kerstavond\n31-12-2026 gesloten Oudejaarsdag",
}


def test_an_organisation_without_hours_is_offered_office_hours_to_start_from(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nog geen openingstijden ingesteld" in html
    assert 'value="09:00-17:00"' in html  # Monday, ready to save
    assert "Koningsdag" in html  # the coming year's Dutch holidays


def test_an_admin_sets_the_hours_and_they_apply(owner_client, org):
    response = owner_client.post(URL, WEEK)
    assert response.status_code == 302
    calendar = business_hours_for(org)
    assert [str(i) for i in calendar.weekly[0]] == ["09:00-12:30", "13:00-17:00"]
    assert [item.label for item in calendar.exceptions] == ["Kerstavond", "Oudejaarsdag"]
    assert is_open(calendar, datetime(2026, 12, 24, 13, 59, tzinfo=UTC))  # 14:59 on Christmas Eve
    assert not is_open(calendar, datetime(2026, 12, 24, 14, 0, tzinfo=UTC))  # 15:00: closed early
    page = owner_client.get(URL).content.decode()
    assert "24-12-2026 09:00-15:00 Kerstavond" in page  # shown as it was written
    assert "Openingstijden opgeslagen." in page


def test_wrong_hours_are_shown_on_their_field_and_nothing_is_saved(owner_client):
    response = owner_client.post(URL, {**WEEK, "tuesday": "09:00-12:00, 11:00-13:00", "exceptions": "morgen dicht"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "overlappen" in html
    assert "Regel 1:" in html
    assert "09:00-12:00, 11:00-13:00" in html  # what was typed stays in the form
    assert not BusinessHours.objects.exists()


def test_a_team_gets_its_own_hours_and_can_follow_the_organisation_again(owner_client, org, team):
    owner_client.post(URL, WEEK)
    team_url = reverse("web:admin_team_business_hours", args=[team.pk])
    assert "volgt de openingstijden van de organisatie" in owner_client.get(team_url).content.decode()
    response = owner_client.post(team_url, {**WEEK, "saturday": "10:00-14:00"})
    assert response.status_code == 302
    assert [str(i) for i in business_hours_for(org, team.pk).weekly[5]] == ["10:00-14:00"]
    assert business_hours_for(org).weekly[5] == ()  # the organisation's are unchanged
    assert "eigen openingstijden" in owner_client.get(URL).content.decode()

    owner_client.post(team_url, {"form": "remove"})
    assert business_hours_for(org, team.pk).weekly[5] == ()


def test_only_admins_see_or_change_the_hours(agent_client, viewer_client, team):
    for client in (agent_client, viewer_client):
        assert client.get(URL).status_code == 403
        assert client.post(URL, WEEK).status_code == 403
        assert client.post(reverse("web:admin_team_business_hours", args=[team.pk]), WEEK).status_code == 403
    assert not BusinessHours.objects.exists()


def test_another_organisations_team_is_404(outsider_client, team):
    url = reverse("web:admin_team_business_hours", args=[team.pk])
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, {"form": "remove"}).status_code == 404
    assert outsider_client.post(url, WEEK).status_code == 404
    assert not BusinessHours.objects.exists()


def test_the_page_is_in_english_for_an_english_speaking_admin(owner_client):
    owner_client.cookies["django_language"] = "en"
    html = owner_client.get(URL).content.decode()
    assert "Opening hours" in html
    assert "Pentecost Monday" in html
