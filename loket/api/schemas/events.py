from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Str60, Timestamp


class EventCase(Schema):
    id: int
    number: str
    status: str


class EventCustomer(Schema):
    id: int
    status: str


class EventOut(Schema):
    """The same JSON as a webhook's body (see docs/events.md for every type and its data)."""

    id: int
    type: str = Field(examples=["case.opened"])
    created_at: str = Field(description="ISO 8601 with microseconds, exactly as in the webhook body.")
    organization: str
    actor_id: int | None
    data: dict[str, Any]
    case: EventCase | None = None
    customer: EventCustomer | None = None


class EventFilters(Schema):
    type: Str60 = Field("", description="One event type, e.g. 'case.resolved'.")
    case: Id | None = Field(None, description="Only events of this case (id).")
    since: Timestamp | None = Field(None, description="Only events at or after this moment.")
