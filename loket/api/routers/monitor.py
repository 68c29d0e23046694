"""The Klantcontact Monitor: surveys, their responses, and alerts (docs/monitor.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from loket.accounts.selectors import access_team
from loket.api.auth import ADMIN, READ, actor_of
from loket.api.pagination import PageParams, paginate
from loket.api.refs import find_optional
from loket.api.schemas.common import Page
from loket.api.schemas.monitor import AlertOut, ResponseOut, SurveyIn, SurveyOut
from loket.monitor.actions import check_acknowledge_alert, check_resolve_alert, check_save_survey
from loket.monitor.selectors import access_alert, access_survey, list_alerts, list_responses, list_surveys

router = Router(tags=["monitor"])


@router.get("/surveys", auth=READ, response=Page[SurveyOut], summary="List surveys")
def list_surveys_api(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return paginate(list_surveys(actor_of(request).organization), page, order="name")


@router.post("/surveys", auth=ADMIN, response={201: SurveyOut}, summary="Create a survey")
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status[Any]:
    actor = actor_of(request)
    fields = payload.model_dump(exclude={"team_id"})
    team = find_optional(actor, "team_id", payload.team_id, access_team)
    return Status(201, check_save_survey(actor.membership, None, team=team, **fields))


@router.get("/surveys/{int:survey_id}", auth=READ, response=SurveyOut, summary="Get a survey")
def get_survey(request: HttpRequest, survey_id: int) -> Any:
    return access_survey(actor_of(request).organization, survey_id)


@router.get("/survey-responses", auth=READ, response=Page[ResponseOut], summary="List survey responses (newest first)")
def list_responses_api(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return paginate(list_responses(actor_of(request).organization), page, order="-created_at")


@router.get("/alerts", auth=READ, response=Page[AlertOut], summary="List alerts (newest first)")
def list_alerts_api(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return paginate(list_alerts(actor_of(request).organization), page, order="-opened_at")


@router.get("/alerts/{int:alert_id}", auth=READ, response=AlertOut, summary="Get an alert")
def get_alert(request: HttpRequest, alert_id: int) -> Any:
    return access_alert(actor_of(request).organization, alert_id)


@router.post("/alerts/{int:alert_id}/acknowledge", auth=ADMIN, response=AlertOut, summary="Acknowledge an alert")
def acknowledge_alert(request: HttpRequest, alert_id: int) -> Any:
    actor = actor_of(request)
    return check_acknowledge_alert(actor.membership, access_alert(actor.organization, alert_id))


@router.post("/alerts/{int:alert_id}/resolve", auth=ADMIN, response=AlertOut, summary="Resolve an alert")
def resolve_alert(request: HttpRequest, alert_id: int) -> Any:
    actor = actor_of(request)
    return check_resolve_alert(actor.membership, access_alert(actor.organization, alert_id))
