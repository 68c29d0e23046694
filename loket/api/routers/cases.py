"""Cases: list and filter, open, change, hand over, resolve, reopen."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status

from loket.accounts.selectors import access_colleague, access_team
from loket.api.auth import READ, WRITE, actor_of
from loket.api.pagination import PageParams, paginate
from loket.api.refs import find, find_optional
from loket.api.schemas.cases import CaseCreate, CaseFilters, CaseOut, CaseUpdate, HandoverIn
from loket.api.schemas.common import Page
from loket.cases.actions import (
    check_change_status,
    check_hand_over,
    check_open_case,
    check_reopen_case,
    check_resolve_case,
    check_update_case,
)
from loket.cases.selectors import access_case, filter_cases
from loket.customers.selectors import access_customer

router = Router(tags=["cases"])


@router.get("", auth=READ, response=Page[CaseOut], summary="List cases (most recently updated first)")
def list_cases(request: HttpRequest, filters: Query[CaseFilters], page: Query[PageParams]) -> dict[str, Any]:
    cases = filter_cases(
        actor_of(request).organization,
        status=filters.status or "",
        owner_id=filters.owner,
        team_id=filters.team,
        customer_id=filters.customer,
        tag=filters.tag,
        channel=filters.channel or "",
        updated_since=filters.updated_since,
    )
    return paginate(cases, page, order="-updated_at")


@router.post("", auth=WRITE, response={201: CaseOut}, summary="Open a case for a customer")
def create_case(request: HttpRequest, payload: CaseCreate) -> Status[Any]:
    actor = actor_of(request)
    case = check_open_case(
        actor.membership,
        find(actor, "customer_id", payload.customer_id, access_customer),
        subject=payload.subject,
        owner=find_optional(actor, "owner_id", payload.owner_id, access_colleague),
        team=find_optional(actor, "team_id", payload.team_id, access_team),
        assign_to_actor=False,
        priority=payload.priority,
        reason=payload.reason,
        tags=payload.tags,
    )
    return Status(201, access_case(actor.organization, case.pk))


@router.get("/{int:case_id}", auth=READ, response=CaseOut, summary="Get a case")
def get_case(request: HttpRequest, case_id: int) -> Any:
    return access_case(actor_of(request).organization, case_id)


@router.patch("/{int:case_id}", auth=WRITE, response=CaseOut, summary="Change subject, priority, reason, tags, status")
def update_case(request: HttpRequest, case_id: int, payload: CaseUpdate) -> Any:
    actor = actor_of(request)
    case = access_case(actor.organization, case_id)
    changes = payload.model_dump(exclude_unset=True)
    status = changes.pop("status", None)
    with transaction.atomic():  # both changes or neither
        if changes:
            check_update_case(actor.membership, case, **changes)
        if status is not None:
            check_change_status(actor.membership, case, status)
    return access_case(actor.organization, case_id)


@router.post(
    "/{int:case_id}/handover", auth=WRITE, response=CaseOut, summary="Hand the case over to a colleague or team"
)
def hand_over(request: HttpRequest, case_id: int, payload: HandoverIn) -> Any:
    actor = actor_of(request)
    case = access_case(actor.organization, case_id)
    check_hand_over(
        actor.membership,
        case,
        to_user=find_optional(actor, "to_user", payload.to_user, access_colleague),
        to_team=find_optional(actor, "to_team", payload.to_team, access_team),
        reason=payload.reason,
        note=payload.note,
    )
    return access_case(actor.organization, case_id)


@router.post("/{int:case_id}/resolve", auth=WRITE, response=CaseOut, summary="Resolve a case")
def resolve_case(request: HttpRequest, case_id: int) -> Any:
    actor = actor_of(request)
    check_resolve_case(actor.membership, access_case(actor.organization, case_id))
    return access_case(actor.organization, case_id)


@router.post("/{int:case_id}/reopen", auth=WRITE, response=CaseOut, summary="Reopen a resolved or closed case")
def reopen_case(request: HttpRequest, case_id: int) -> Any:
    actor = actor_of(request)
    check_reopen_case(actor.membership, access_case(actor.organization, case_id))
    return access_case(actor.organization, case_id)
