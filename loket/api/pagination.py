"""Cursor pagination: ``{"items": [...], "next": "<cursor>"|null}``.

The cursor is opaque to clients (URL-safe base64 of JSON) and holds the sort key and id of
the last item served. The next page is everything strictly after that position (keyset
pagination), so rows inserted meanwhile never shift or repeat items the client already has.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import Field

from loket.api.errors import ApiError
from loket.api.schemas.common import MAX_ID

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 500

M = TypeVar("M", bound=models.Model)


class PageParams(Schema):
    cursor: str | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _invalid_cursor() -> ApiError:
    return ApiError(422, "invalid", "The request has invalid fields.", fields={"cursor": "Invalid cursor."})


def encode_cursor(key: Any, pk: int) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, field: models.Field) -> tuple[Any, int]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid_cursor()
    key: Any
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= MAX_ID:
            raise ValueError("id")
        if isinstance(field, models.DateTimeField):
            key = datetime.fromisoformat(value)
            if key.tzinfo is None:
                raise ValueError("naive")
            key.astimezone(UTC)  # OverflowError near the ends of the calendar
        elif isinstance(field, models.CharField):
            if not isinstance(value, str) or "\x00" in value:
                raise ValueError("key")
            key = value
        else:
            raise ValueError("unsupported sort field")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise _invalid_cursor() from None
    return key, pk


def paginate(queryset: QuerySet[M], params: PageParams, *, order: str) -> dict[str, Any]:
    """One page of ``queryset`` ordered by ``order`` (e.g. ``"-updated_at"``), then by id.

    ``order`` must name a non-null field; the id breaks ties, so the position is exact.
    """
    descending = order.startswith("-")
    name = order.lstrip("-")
    field = queryset.model._meta.get_field(name)
    queryset = queryset.order_by(order, "-pk" if descending else "pk")
    if params.cursor:
        key, pk = decode_cursor(params.cursor, field)  # type: ignore[arg-type]
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{name}__{op}": key}) | Q(**{name: key, f"pk__{op}": pk}))
    rows = list(queryset[: params.limit + 1])
    items, more = rows[: params.limit], len(rows) > params.limit
    last = items[-1] if items else None
    return {
        "items": items,
        "next": encode_cursor(getattr(last, name), last.pk) if more and last is not None else None,
    }
