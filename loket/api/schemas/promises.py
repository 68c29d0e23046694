from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Input, LongText, Ref, Str120, Timestamp
from loket.api.schemas.customers import ChannelName

PromiseKind = Literal["callback", "reply", "pickup", "delivery", "replacement", "refund", "visit", "other"]
PromiseStatus = Literal["open", "kept", "broken", "cancelled", "renegotiated"]


class PromiseOut(Schema):
    id: int
    case_id: int
    kind: str
    description: str
    status: str
    owner: Ref | None
    owner_pinned: bool
    due_from: datetime | None = Field(description="Start of the window; null for a plain deadline.")
    due_until: datetime
    channel: str
    external_ref: str
    source: str
    reason: str
    replaces_id: int | None
    kept_at: datetime | None
    broken_at: datetime | None
    kept_late_at: datetime | None = Field(description="A 'kept' reported after the promise was broken.")
    cannot_keep_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_owner(promise: object) -> dict[str, object] | None:
        owner = promise.owner  # type: ignore[attr-defined]
        return {"id": owner.pk, "name": owner.display_name} if owner else None


class PromiseCreate(Input):
    case_id: Id
    kind: PromiseKind
    description: LongText = Field(description="What was promised, in the customer's words.")
    due_from: Timestamp | None = Field(None, description="Start of the window; omit for a plain deadline.")
    due_until: Timestamp
    channel: ChannelName | None = None
    phone: Str120 = ""
    owner_id: Id | None = Field(None, description="Pin the promise to this colleague; default: the case owner.")
    external_ref: Str120 = Field("", description="The order or shipment number an outside system reports on.")


class PromiseFilters(Schema):
    status: PromiseStatus | None = None
    kind: PromiseKind | None = None
    case: Id | None = None
    owner: Id | None = None
    team: Id | None = None


class NoteIn(Input):
    note: LongText = ""


class CancelIn(Input):
    reason: LongText


class RenegotiateIn(Input):
    due_from: Timestamp | None = None
    due_until: Timestamp
    description: LongText = ""
    note: LongText = ""


class ReportIn(Input):
    outcome: Literal["kept", "failed"]
    reason: LongText = ""


class ChangeOut(Schema):
    what: str
    status: str
    actor_id: int | None
    note: str
    created_at: datetime


class KeptRateRow(Schema):
    week: str | None
    group: str
    kept: int
    broken: int
    rate: float | None


class KeptRateOut(Schema):
    by: str
    kept: int
    broken: int
    rate: float | None
    rows: list[KeptRateRow]


class BoardOut(Schema):
    due_today: list[PromiseOut]
    at_risk: list[PromiseOut]
    broken: list[PromiseOut]


class ReporterIn(Input):
    name: Str120


class ReporterOut(Schema):
    id: int
    name: str
    webhook_url: str
    secret: str = Field(description="Shown once: sign reports with it (X-Loket-Signature).")


class BookingLinkIn(Input):
    case_id: Id
    email: Str120 = ""


class BookingLinkOut(Schema):
    url: str
    token: str
    expires_at: datetime


class SlotOut(Schema):
    slot: str = Field(description="The slot's key, to book it.")
    start: datetime
    end: datetime
    free: int


class BookingIn(Input):
    slot: str


class BookingOut(Schema):
    status: str
    due_from: datetime | None
    due_until: datetime | None


class PolicyIn(Input):
    remind_minutes: int = Field(
        ge=0, le=60 * 24 * 30, description="Remind the owner this long before the window opens."
    )
    risk_minutes: int = Field(0, ge=0, le=60 * 24 * 30, description="At risk this long before the window closes.")
    risk_working_days: int = Field(0, ge=0, le=20, description="Or: at risk this many working days before the date.")


class PolicyOut(Schema):
    kind: str
    remind_minutes: int
    risk_minutes: int
    risk_working_days: int
