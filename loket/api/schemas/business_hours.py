from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from loket.api.schemas.common import Input, Str100

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Clock = Annotated[str, StringConstraints(pattern=r"^\d{1,2}[:.]\d{2}$"), Field(examples=["09:00"])]


class IntervalSchema(Schema):
    opens: Clock
    closes: Clock = Field(description="After `opens`; `24:00` for midnight.", examples=["17:00"])


class HolidaysSchema(Schema):
    observed: bool = Field(True, description="Closed on the country's public holidays (an exception goes first).")
    country: Annotated[str, StringConstraints(max_length=3)] = Field(
        "NL", description="ISO 3166 code, as the `holidays` package knows it."
    )


class ExceptionSchema(Schema):
    date: date
    label: Str100 = Field("", examples=["Kerstavond"])
    hours: list[IntervalSchema] = Field(default_factory=list, description="Empty: closed all day.")


class BusinessHoursIn(Input):
    weekly: dict[Weekday, list[IntervalSchema]] = Field(
        description="Per weekday, its opening intervals (several allowed); a day left out or empty is closed.",
        examples=[{"monday": [{"opens": "09:00", "closes": "12:30"}, {"opens": "13:00", "closes": "17:00"}]}],
    )
    holidays: HolidaysSchema = Field(default_factory=lambda: HolidaysSchema(observed=True, country="NL"))
    exceptions: list[ExceptionSchema] = Field(
        default_factory=list, description="Dates with other hours (or closed), e.g. Christmas Eve."
    )


class HolidayOut(Schema):
    date: date
    name: str


class BusinessHoursOut(Schema):
    team_id: int | None = Field(description="null: the organisation's hours.")
    own: bool = Field(
        description="Organisation: whether hours are set (if not: always open). Team: whether it has its own "
        "(if not, the organisation's apply and are shown)."
    )
    time_zone: str = Field(examples=["Europe/Amsterdam"])
    weekly: dict[Weekday, list[IntervalSchema]]
    holidays: HolidaysSchema
    exceptions: list[ExceptionSchema]
    open_now: bool
    next_opening: datetime | None = Field(description="Now when open; null when it does not open within a year.")
    upcoming_holidays: list[HolidayOut] = Field(description="Public holidays in the coming year that close it.")
