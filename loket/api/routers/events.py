"""The organisation's event log, for integrators who poll instead of receiving webhooks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from loket.api.auth import READ, actor_of
from loket.api.pagination import PageParams, paginate
from loket.api.schemas.common import Page
from loket.api.schemas.events import EventFilters, EventOut
from loket.events.selectors import list_events
from loket.webhooks.payloads import event_payload

router = Router(tags=["events"])


@router.get("", auth=READ, response=Page[EventOut], summary="List events (oldest first), as webhooks send them")
def get_events(request: HttpRequest, filters: Query[EventFilters], page: Query[PageParams]) -> dict[str, Any]:
    events = list_events(actor_of(request).organization, type=filters.type, case_id=filters.case, since=filters.since)
    result = paginate(events, page, order="created_at")
    result["items"] = [event_payload(event) for event in result["items"]]
    return result
