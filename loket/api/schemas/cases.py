from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Input, LongText, Patch, Ref, Str60, Str100, Str250, Timestamp
from loket.api.schemas.customers import ChannelName

CaseStatus = Literal["new", "open", "waiting_customer", "waiting_internal", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
HandoverReason = Literal["expertise", "absence", "escalation", "customer", "other"]


class CaseCustomer(Schema):
    id: int
    name: str
    status: str = Field(description="'deceased' means: write to the next of kin, never to the customer.")


class CaseOut(Schema):
    id: int
    number: str = Field(examples=["Z-2026-000123"])
    subject: str
    status: str
    priority: str
    reason: str
    tags: list[str]
    customer: CaseCustomer
    owner: Ref | None
    team: Ref | None
    handover_count: int
    contact_count: int
    message_count: int
    last_inbound_channel: str
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    resolved_at: datetime | None

    @staticmethod
    def resolve_tags(case: object) -> list[str]:
        return [tag.name for tag in case.tags.all()]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_owner(case: object) -> dict[str, object] | None:
        owner = case.owner  # type: ignore[attr-defined]
        return {"id": owner.pk, "name": owner.display_name} if owner else None


class CaseFilters(Schema):
    status: CaseStatus | None = None
    owner: Id | None = Field(None, description="User id of the owner.")
    team: Id | None = None
    customer: Id | None = None
    tag: Str60 = ""
    channel: ChannelName | None = Field(None, description="The channel the customer last wrote on.")
    updated_since: Timestamp | None = Field(None, description="Only cases updated at or after this moment.")


class CaseCreate(Input):
    customer_id: Id
    subject: Str250 = Field(min_length=1)
    priority: Priority = "normal"
    reason: Str100 = Field("", description="Contact reason, e.g. 'levering'.")
    tags: list[Str60] = Field(default_factory=list, max_length=20)
    owner_id: Id | None = Field(None, description="Without owner the case waits in the team's queue.")
    team_id: Id | None = Field(None, description="Without team: the organisation's default team.")


class CaseUpdate(Patch):
    subject: Str250 | None = None
    priority: Priority | None = None
    reason: Str100 | None = None
    tags: list[Str60] | None = Field(None, max_length=20, description="Replaces the case's tags.")
    status: CaseStatus | None = None


class HandoverIn(Input):
    to_user: Id | None = Field(None, description="User id of the new owner.")
    to_team: Id | None = Field(None, description="Team id; with no user the case waits in that team's queue.")
    reason: HandoverReason
    note: LongText = Field("", description="Required when the reason is 'other'.")
