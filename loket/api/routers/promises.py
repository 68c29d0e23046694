"""Promises: list, make, keep, break, cancel, renegotiate, report; the board and the kept-rate.

Outside systems (a carrier, the ERP) report with ``POST /promises/{id}/report`` or
``POST /promises/report-by-ref/{external_ref}`` (or the signed webhook, docs/promises.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from loket.accounts.selectors import access_colleague, access_team
from loket.api.auth import ADMIN, READ, WRITE, actor_of
from loket.api.pagination import PageParams, paginate
from loket.api.refs import find, find_optional
from loket.api.schemas.common import Page, Str120
from loket.api.schemas.promises import (
    BoardOut,
    BookingLinkIn,
    BookingLinkOut,
    CancelIn,
    ChangeOut,
    KeptRateOut,
    NoteIn,
    PolicyIn,
    PolicyOut,
    PromiseCreate,
    PromiseFilters,
    PromiseOut,
    RenegotiateIn,
    ReporterIn,
    ReporterOut,
    ReportIn,
)
from loket.cases.selectors import access_case
from loket.promises import actions, booking
from loket.promises.schedule import policies_for
from loket.promises.selectors import (
    access_promise,
    access_promise_by_ref,
    filter_promises,
    kept_rate,
    kept_rate_totals,
    promise_history,
    team_board,
)

router = Router(tags=["promises"])


@router.get("", auth=READ, response=Page[PromiseOut], summary="List promises (soonest due first)")
def list_promises(request: HttpRequest, filters: Query[PromiseFilters], page: Query[PageParams]) -> dict[str, Any]:
    promises = filter_promises(
        actor_of(request).organization,
        status=filters.status or "",
        kind=filters.kind or "",
        case_id=filters.case,
        owner_id=filters.owner,
        team_id=filters.team,
    )
    return paginate(promises, page, order="due_until")


@router.post("", auth=WRITE, response={201: PromiseOut}, summary="Make a promise on a case")
def create_promise(request: HttpRequest, payload: PromiseCreate) -> Status[Any]:
    actor = actor_of(request)
    case = find(actor, "case_id", payload.case_id, access_case)
    owner = find_optional(actor, "owner_id", payload.owner_id, access_colleague)
    promise = actions.check_make_promise(
        actor.membership,
        case,
        kind=payload.kind,
        description=payload.description,
        due_from=payload.due_from,
        due_until=payload.due_until,
        channel=payload.channel or "",
        phone=payload.phone,
        owner=owner,
        owner_pinned=owner is not None,
        external_ref=payload.external_ref,
        source="api",
    )
    return Status(201, access_promise(actor.organization, promise.pk))


@router.get(
    "/kept-rate", auth=READ, response=KeptRateOut, summary="Promise-kept rate per team, agent or kind, per week"
)
def get_kept_rate(
    request: HttpRequest, by: str = "team", since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    by = by if by in ("team", "agent", "kind") else "team"
    rows = kept_rate(actor_of(request).organization, by=by, since=since, until=until)
    return {"by": by, **kept_rate_totals(rows), "rows": rows}


@router.get("/board", auth=READ, response=BoardOut, summary="A team's promises: due today, at risk, broken")
def get_board(request: HttpRequest, team: int | None = None) -> Any:
    actor = actor_of(request)
    team_id = find(actor, "team", team, access_team).pk if team is not None else None
    return team_board(actor.organization, team_id)


@router.post("/report-by-ref/{external_ref}", auth=WRITE, response=PromiseOut, summary="Report by external reference")
def report_by_ref(request: HttpRequest, external_ref: Str120, payload: ReportIn) -> Any:
    actor = actor_of(request)
    promise = access_promise_by_ref(actor.organization, external_ref)
    actions.check_report_outcome(actor.membership, promise, outcome=payload.outcome, reason=payload.reason)
    return access_promise(actor.organization, promise.pk)


@router.post("/reporters", auth=ADMIN, response={201: ReporterOut}, summary="Register a system that reports by webhook")
def create_reporter(request: HttpRequest, payload: ReporterIn) -> Status[Any]:
    actor = actor_of(request)
    reporter, secret = actions.check_create_reporter(actor.membership, name=payload.name)
    url = f"{settings.SITE_URL}/inbound/toezeggingen/{reporter.key}/"
    return Status(201, {"id": reporter.pk, "name": reporter.name, "webhook_url": url, "secret": secret})


@router.get("/policies", auth=ADMIN, response=list[PolicyOut], summary="When each kind is reminded and escalated")
def list_policies(request: HttpRequest) -> Any:
    policies = policies_for(actor_of(request).organization.pk)
    return [{"kind": kind, **vars(policy)} for kind, policy in policies.items()]


@router.put("/policies/{kind}", auth=ADMIN, response=PolicyOut, summary="Set one kind's reminder and escalation")
def set_policy(request: HttpRequest, kind: str, payload: PolicyIn) -> Any:
    row = actions.check_set_promise_policy(actor_of(request).membership, kind=kind, **payload.model_dump())
    return {
        "kind": row.kind,
        "remind_minutes": row.remind_minutes,
        "risk_minutes": row.risk_minutes,
        "risk_working_days": row.risk_working_days,
    }


@router.post("/booking-links", auth=WRITE, response={201: BookingLinkOut}, summary="A link the customer books with")
def create_booking_link(request: HttpRequest, payload: BookingLinkIn) -> Status[Any]:
    actor = actor_of(request)
    actions.require_writer(actor.membership)
    case = find(actor, "case_id", payload.case_id, access_case)
    link = booking.do_create_booking_link(case, email=payload.email)
    return Status(201, {"url": booking.url_for(link), "token": booking.token_for(link), "expires_at": link.expires_at})


@router.get("/{int:promise_id}", auth=READ, response=PromiseOut, summary="Get a promise")
def get_promise(request: HttpRequest, promise_id: int) -> Any:
    return access_promise(actor_of(request).organization, promise_id)


@router.get("/{int:promise_id}/history", auth=READ, response=list[ChangeOut], summary="A promise's history")
def get_history(request: HttpRequest, promise_id: int) -> Any:
    return list(promise_history(access_promise(actor_of(request).organization, promise_id)))


@router.post("/{int:promise_id}/keep", auth=WRITE, response=PromiseOut, summary="Mark kept")
def keep_promise(request: HttpRequest, promise_id: int, payload: NoteIn) -> Any:
    actor = actor_of(request)
    actions.check_keep_promise(actor.membership, access_promise(actor.organization, promise_id), note=payload.note)
    return access_promise(actor.organization, promise_id)


@router.post("/{int:promise_id}/break", auth=WRITE, response=PromiseOut, summary="Mark broken")
def break_promise(request: HttpRequest, promise_id: int, payload: NoteIn) -> Any:
    actor = actor_of(request)
    actions.check_break_promise(actor.membership, access_promise(actor.organization, promise_id), note=payload.note)
    return access_promise(actor.organization, promise_id)


@router.post("/{int:promise_id}/cancel", auth=WRITE, response=PromiseOut, summary="Cancel, with a reason")
def cancel_promise(request: HttpRequest, promise_id: int, payload: CancelIn) -> Any:
    actor = actor_of(request)
    promise = access_promise(actor.organization, promise_id)
    actions.check_cancel_promise(actor.membership, promise, reason=payload.reason)
    return access_promise(actor.organization, promise_id)


@router.post(
    "/{int:promise_id}/renegotiate", auth=WRITE, response={201: PromiseOut}, summary="A new window (keeps the history)"
)
def renegotiate_promise(request: HttpRequest, promise_id: int, payload: RenegotiateIn) -> Status[Any]:
    actor = actor_of(request)
    new = actions.check_renegotiate_promise(
        actor.membership,
        access_promise(actor.organization, promise_id),
        due_from=payload.due_from,
        due_until=payload.due_until,
        description=payload.description,
        note=payload.note,
    )
    return Status(201, access_promise(actor.organization, new.pk))


@router.post("/{int:promise_id}/report", auth=WRITE, response=PromiseOut, summary="An outside system: kept or failed")
def report_promise(request: HttpRequest, promise_id: int, payload: ReportIn) -> Any:
    actor = actor_of(request)
    promise = access_promise(actor.organization, promise_id)
    actions.check_report_outcome(actor.membership, promise, outcome=payload.outcome, reason=payload.reason)
    return access_promise(actor.organization, promise_id)
