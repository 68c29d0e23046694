"""Building blocks shared by every resource's schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, StringConstraints, field_validator


def _clean_text(value: str) -> str:
    # PostgreSQL rejects NUL in text and no database stores a lone surrogate: refuse them
    # here so that they become a 422 naming the field instead of a crash at save time.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _in_range(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    return value


# Strings the database can store: bounded to their column, no NUL, valid Unicode.
Str60 = Annotated[str, StringConstraints(max_length=60), AfterValidator(_clean_text)]
Str100 = Annotated[str, StringConstraints(max_length=100), AfterValidator(_clean_text)]
Str120 = Annotated[str, StringConstraints(max_length=120), AfterValidator(_clean_text)]
Str150 = Annotated[str, StringConstraints(max_length=150), AfterValidator(_clean_text)]
Str200 = Annotated[str, StringConstraints(max_length=200), AfterValidator(_clean_text)]
Str250 = Annotated[str, StringConstraints(max_length=250), AfterValidator(_clean_text)]
Str255 = Annotated[str, StringConstraints(max_length=255), AfterValidator(_clean_text)]
Str320 = Annotated[str, StringConstraints(max_length=320), AfterValidator(_clean_text)]
Str512 = Annotated[str, StringConstraints(max_length=512), AfterValidator(_clean_text)]
Str1024 = Annotated[str, StringConstraints(max_length=1024), AfterValidator(_clean_text)]
# Message bodies and notes; the request size limit applies on top.
LongText = Annotated[str, StringConstraints(max_length=1_000_000), AfterValidator(_clean_text)]

# A database id: a positive 64-bit integer (anything else cannot name a row).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# An aware timestamp (a naive one is ambiguous across DST); "2026-03-01T09:00:00+01:00" or "…Z".
Timestamp = Annotated[AwareDatetime, AfterValidator(_in_range)]


class Input(Schema):
    """Base of every request body: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Patch(Input):
    """Base of a PATCH body: only the fields sent change, and none of them may be null."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null; leave the field out to keep it unchanged")
        return value


class Ref(Schema):
    id: int
    name: str


class ErrorOut(Schema):
    code: str = Field(examples=["invalid"])
    reason: str
    fields: dict[str, str] = Field(default_factory=dict, examples=[{"subject": "Geef de zaak een onderwerp."}])


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")
