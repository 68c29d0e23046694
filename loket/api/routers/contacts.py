"""A case's contacts: one session on one channel each (a call, a chat, an e-mail exchange)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from loket.api.auth import READ, actor_of
from loket.api.pagination import PageParams, paginate
from loket.api.schemas.common import Page
from loket.api.schemas.messages import ContactOut
from loket.cases.selectors import access_case, list_contacts

router = Router(tags=["contacts"])


@router.get(
    "/{int:case_id}/contacts", auth=READ, response=Page[ContactOut], summary="List a case's contacts (oldest first)"
)
def get_contacts(request: HttpRequest, case_id: int, page: Query[PageParams]) -> dict[str, Any]:
    case = access_case(actor_of(request).organization, case_id)
    return paginate(list_contacts(case), page, order="started_at")
