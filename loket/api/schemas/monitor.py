"""Schemas of the monitor's API: surveys, survey responses and alerts."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


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
    name: str
    questions: list[dict[str, str]]
    team_id: int | None = None
    channel: str = ""
    trigger: str = "contact"
    sample_percent: int = 100
    quiet_days: int = 14
    valid_days: int = 7
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
