"""/api/v1/business-hours: the organisation's opening hours and a team's own (admin tokens only)."""

from __future__ import annotations

import pytest
import time_machine

pytestmark = pytest.mark.django_db

OFFICE = {
    "weekly": {
        day: [{"opens": "09:00", "closes": "12:30"}, {"opens": "13:00", "closes": "17:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    },
    "holidays": {"observed": True, "country": "NL"},
    "exceptions": [{"date": "2026-12-24", "label": "Kerstavond", "hours": [{"opens": "09:00", "closes": "15:00"}]}],
}


def test_without_hours_the_organisation_is_always_open(admin_api):
    response = admin_api.get("/business-hours")
    assert response.status_code == 200
    body = response.json()
    assert (body["own"], body["open_now"], body["time_zone"]) == (False, True, "Europe/Amsterdam")
    assert body["weekly"]["sunday"] == [{"opens": "00:00", "closes": "24:00"}]


@time_machine.travel("2026-12-24 15:30 +0100", tick=False)
def test_setting_hours_with_an_exception_and_reading_them_back(admin_api):
    response = admin_api.request("PUT", "/business-hours", OFFICE)
    assert response.status_code == 200, response.content
    body = admin_api.get("/business-hours").json()
    assert body["own"] is True
    assert body["weekly"]["monday"] == OFFICE["weekly"]["monday"]
    assert body["weekly"]["saturday"] == []
    assert body["exceptions"] == OFFICE["exceptions"]
    # Christmas Eve closed at 15:00; Christmas and Boxing Day are holidays; the weekend; Monday 09:00.
    assert body["open_now"] is False
    assert body["next_opening"] == "2026-12-28T08:00:00Z"
    assert [h["name"] for h in body["upcoming_holidays"][:2]] == ["Eerste kerstdag", "Tweede kerstdag"]


def test_holiday_names_follow_the_clients_language(admin_api):
    admin_api.request("PUT", "/business-hours", OFFICE)
    body = admin_api.request("GET", "/business-hours", headers={"Accept-Language": "en"}).json()
    assert "Christmas Day" in [h["name"] for h in body["upcoming_holidays"]]


def test_wrong_hours_are_422_naming_each_field_and_change_nothing(admin_api):
    admin_api.request("PUT", "/business-hours", OFFICE)
    wrong = {
        "weekly": {"monday": [{"opens": "09:00", "closes": "12:00"}, {"opens": "11:00", "closes": "13:00"}]},
        "holidays": {"observed": True, "country": "ZZ"},
        "exceptions": [{"date": "2026-12-24", "hours": [{"opens": "17:00", "closes": "09:00"}]}],
    }
    response = admin_api.request("PUT", "/business-hours", wrong)
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert "overlappen" in fields["weekly.monday"]
    assert "sluitingstijd" in fields["exceptions.0"]
    assert "ZZ" in fields["holidays.country"]
    assert admin_api.get("/business-hours").json()["weekly"]["monday"] == OFFICE["weekly"]["monday"]
    unknown_day = admin_api.request("PUT", "/business-hours", {"weekly": {"funday": []}})
    assert unknown_day.status_code == 422
    assert any(name.startswith("weekly.funday") for name in unknown_day.json()["fields"])


def test_a_team_follows_the_organisation_until_it_has_its_own_hours(admin_api, team):
    admin_api.request("PUT", "/business-hours", OFFICE)
    follows = admin_api.get(f"/business-hours/teams/{team.pk}").json()
    assert (follows["team_id"], follows["own"]) == (team.pk, False)
    assert follows["weekly"]["monday"] == OFFICE["weekly"]["monday"]

    evenings = {"weekly": {"monday": [{"opens": "18:00", "closes": "22:00"}]}, "holidays": {"observed": False}}
    own = admin_api.request("PUT", f"/business-hours/teams/{team.pk}", evenings).json()
    assert own["own"] is True
    assert own["weekly"]["monday"] == [{"opens": "18:00", "closes": "22:00"}]
    assert own["holidays"]["observed"] is False
    assert admin_api.get("/business-hours").json()["weekly"]["monday"] == OFFICE["weekly"]["monday"]

    back = admin_api.request("DELETE", f"/business-hours/teams/{team.pk}").json()
    assert back["own"] is False
    assert back["weekly"]["monday"] == OFFICE["weekly"]["monday"]


def test_only_an_admin_token_reads_or_sets_hours(api, team):
    assert api.get("/business-hours").status_code == 403
    assert api.request("PUT", "/business-hours", OFFICE).status_code == 403
    assert api.get(f"/business-hours/teams/{team.pk}").status_code == 403


def test_another_organisations_team_is_404(outsider_api, team):
    assert outsider_api.request("PUT", f"/business-hours/teams/{team.pk}", OFFICE).status_code == 404
    assert outsider_api.request("DELETE", f"/business-hours/teams/{team.pk}").status_code == 404
