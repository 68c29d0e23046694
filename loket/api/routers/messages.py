"""A case's messages: read the conversation, reply to the customer, add an internal note."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from loket.api.auth import READ, WRITE, actor_of
from loket.api.errors import ApiError
from loket.api.pagination import PageParams, paginate
from loket.api.schemas.common import Page
from loket.api.schemas.messages import MessageIn, MessageOut
from loket.cases.actions import check_add_note, check_reply
from loket.cases.selectors import access_case, list_messages

router = Router(tags=["messages"])


@router.get(
    "/{int:case_id}/messages", auth=READ, response=Page[MessageOut], summary="List a case's messages (oldest first)"
)
def get_messages(request: HttpRequest, case_id: int, page: Query[PageParams]) -> dict[str, Any]:
    case = access_case(actor_of(request).organization, case_id)
    return paginate(list_messages(case), page, order="created_at")


@router.post(
    "/{int:case_id}/messages", auth=WRITE, response={201: MessageOut}, summary="Reply to the customer or add a note"
)
def post_message(request: HttpRequest, case_id: int, payload: MessageIn) -> Status[Any]:
    actor = actor_of(request)
    case = access_case(actor.organization, case_id)
    if payload.kind == "note":
        if payload.channel is not None:
            raise ApiError(422, "invalid", "A note is internal.", fields={"channel": "A note has no channel."})
        message = check_add_note(actor.membership, case, text=payload.text)
    else:
        message = check_reply(actor.membership, case, text=payload.text, channel=payload.channel or "")
    return Status(201, list_messages(case).get(pk=message.pk))
