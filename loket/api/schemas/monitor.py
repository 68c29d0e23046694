"""Schemas of the monitor's API: surveys, survey responses and alerts."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Str60, Str120, Str512


class SurveyOut(Schema):
    id: int
    name: str
    team_id: int | None
    channel: str
    trigger: str
    sample_percent: int
    quiet_days: int
    valid_days: int
    questions: list[dict[str, str]]
    is_active: bool


class SurveyIn(Schema):
    name: Str120
    questions: list[dict[Str60, Str512]] = Field(max_length=10)
    team_id: Id | None = None
    channel: Str60 = ""
    trigger: Str60 = "contact"
    sample_percent: int = Field(100, ge=1, le=100)
    quiet_days: int = Field(14, ge=0, le=365)
    valid_days: int = Field(7, ge=1, le=60)
    is_active: bool = True


class ResponseOut(Schema):
    id: int
    created_at: datetime
    case_id: int
    contact_id: int | None
    channel: str
    team_id: int | None
    agent_id: int | None
    reason: str
    csat: int | None
    mark: int | None
    nps: int | None
    ces: int | None
    solved: bool | None
    comment: str
    low: bool
    seconds_to_response: int


class AlertOut(Schema):
    id: int
    rule_id: int
    status: str
    value: float
    sample: int
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    auto_resolved: bool
