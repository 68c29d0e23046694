"""Objects a request body names by id (``"team_id": 3``), looked up in the token's organisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404

from loket.accounts.models import Organization
from loket.api.auth import ApiActor
from loket.api.errors import not_found

T = TypeVar("T")


def find(actor: ApiActor, field: str, pk: int, access: Callable[[Organization, int], T]) -> T:
    """That object of the token's organisation; else 404 naming the field."""
    try:
        return access(actor.organization, pk)
    except Http404:
        raise not_found(field.removesuffix("_id").replace("_", " ").capitalize(), field=field) from None


def find_optional(actor: ApiActor, field: str, pk: int | None, access: Callable[[Organization, int], T]) -> T | None:
    return None if pk is None else find(actor, field, pk, access)
