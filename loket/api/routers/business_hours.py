"""Opening hours ("Openingstijden") of the organisation and of its teams (admin tokens only).

A team's own hours replace the organisation's for that team; deleting them makes the team
follow the organisation's again. Times are wall-clock times in Europe/Amsterdam.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Router

from loket.accounts import hours
from loket.accounts.actions import check_remove_business_hours, check_set_business_hours
from loket.accounts.models import Organization, Team
from loket.accounts.selectors import access_team, business_hours_row, calendar_of
from loket.api.auth import ADMIN, actor_of
from loket.api.schemas.business_hours import BusinessHoursIn, BusinessHoursOut

router = Router(tags=["business hours"])


def _interval(interval: hours.Interval) -> dict[str, str]:
    opens, closes = interval.to_json()
    return {"opens": opens, "closes": closes}


def _out(organization: Organization, team: Team | None) -> dict[str, Any]:
    row = business_hours_row(organization, team)
    applies = row if row is not None or team is None else business_hours_row(organization)
    calendar = calendar_of(applies)
    now = timezone.now()
    language = (translation.get_language() or "nl")[:2]
    return {
        "team_id": team.pk if team else None,
        "own": row is not None,
        "time_zone": settings.TIME_ZONE,
        "weekly": {day: [_interval(i) for i in calendar.weekly[n]] for n, day in enumerate(hours.WEEKDAYS)},
        "holidays": {"observed": calendar.observe_holidays, "country": calendar.holiday_country},
        "exceptions": [
            {"date": item.day, "label": item.label, "hours": [_interval(i) for i in item.intervals]}
            for item in calendar.exceptions
        ],
        "open_now": hours.is_open(calendar, now),
        "next_opening": hours.next_opening(calendar, now),
        "upcoming_holidays": [
            {"date": day, "name": name}
            for day, name in hours.upcoming_holidays(calendar, timezone.localdate(now), language=language)
        ],
    }


def _calendar(payload: BusinessHoursIn) -> hours.Calendar:
    return hours.build(
        {day: [(i.opens, i.closes) for i in intervals] for day, intervals in payload.weekly.items()},
        exceptions=[(item.date, item.label, [(i.opens, i.closes) for i in item.hours]) for item in payload.exceptions],
        holiday_country=payload.holidays.country,
        observe_holidays=payload.holidays.observed,
        zone=settings.TIME_ZONE,
    )


@router.get("", auth=ADMIN, response=BusinessHoursOut, summary="Get the organisation's opening hours")
def get_business_hours(request: HttpRequest) -> dict[str, Any]:
    return _out(actor_of(request).organization, None)


@router.put("", auth=ADMIN, response=BusinessHoursOut, summary="Set the organisation's opening hours")
def set_business_hours(request: HttpRequest, payload: BusinessHoursIn) -> dict[str, Any]:
    actor = actor_of(request)
    check_set_business_hours(actor.membership, _calendar(payload))
    return _out(actor.organization, None)


@router.get("/teams/{int:team_id}", auth=ADMIN, response=BusinessHoursOut, summary="Get a team's opening hours")
def get_team_business_hours(request: HttpRequest, team_id: int) -> dict[str, Any]:
    organization = actor_of(request).organization
    return _out(organization, access_team(organization, team_id))


@router.put("/teams/{int:team_id}", auth=ADMIN, response=BusinessHoursOut, summary="Set a team's own opening hours")
def set_team_business_hours(request: HttpRequest, team_id: int, payload: BusinessHoursIn) -> dict[str, Any]:
    actor = actor_of(request)
    team = access_team(actor.organization, team_id)
    check_set_business_hours(actor.membership, _calendar(payload), team=team)
    return _out(actor.organization, team)


@router.delete(
    "/teams/{int:team_id}",
    auth=ADMIN,
    response=BusinessHoursOut,
    summary="Remove a team's own opening hours (it follows the organisation's again)",
)
def remove_team_business_hours(request: HttpRequest, team_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    team = access_team(actor.organization, team_id)
    check_remove_business_hours(actor.membership, team)
    return _out(actor.organization, team)
