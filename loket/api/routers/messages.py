"""A case's messages: read the conversation, reply to the customer (a text, or a WhatsApp
template), add an internal note."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from loket.api.auth import READ, WRITE, ApiActor, actor_of
from loket.api.errors import ApiError
from loket.api.pagination import PageParams, paginate
from loket.api.schemas.common import Page
from loket.api.schemas.messages import MessageIn, MessageOut, TemplateIn
from loket.cases.actions import check_add_note, check_reply
from loket.cases.models import Case, Message
from loket.cases.selectors import access_case, list_messages
from loket.integrations.whatsapp.actions import check_send_template
from loket.integrations.whatsapp.selectors import find_template

router = Router(tags=["messages"])


def _invalid(reason: str, **fields: str) -> ApiError:
    return ApiError(422, "invalid", reason, fields=fields)


@router.get(
    "/{int:case_id}/messages", auth=READ, response=Page[MessageOut], summary="List a case's messages (oldest first)"
)
def get_messages(request: HttpRequest, case_id: int, page: Query[PageParams]) -> dict[str, Any]:
    case = access_case(actor_of(request).organization, case_id)
    return paginate(list_messages(case), page, order="created_at")


@router.post(
    "/{int:case_id}/messages",
    auth=WRITE,
    response={201: MessageOut},
    summary="Reply to the customer (a text or a WhatsApp template) or add a note",
)
def post_message(request: HttpRequest, case_id: int, payload: MessageIn) -> Status[Any]:
    actor = actor_of(request)
    case = access_case(actor.organization, case_id)
    if payload.kind == "note":
        if payload.channel is not None:
            raise _invalid("A note is internal.", channel="A note has no channel.")
        if payload.template is not None:
            raise _invalid("A note is internal.", template="A note has no template.")
        message = check_add_note(actor.membership, case, text=_text(payload))
    elif payload.template is not None:
        if payload.text is not None:
            raise _invalid("A template is the text.", text="Send a text or a template, not both.")
        if payload.channel not in (None, "whatsapp"):
            raise _invalid("Templates are WhatsApp's.", channel="A template goes out on WhatsApp.")
        message = _send_template(actor, case, payload.template)
    else:
        message = check_reply(actor.membership, case, text=_text(payload), channel=payload.channel or "")
    return Status(201, list_messages(case).get(pk=message.pk))


def _text(payload: MessageIn) -> str:
    if payload.text is None:
        raise _invalid("The request has invalid fields.", text="Field required")
    return payload.text


def _send_template(actor: ApiActor, case: Case, given: TemplateIn) -> Message:
    """The template of that name and language of the case's WhatsApp number; its errors named
    as the request names them (``template.parameters.1``)."""
    template = find_template(case, given.name, given.language)
    if template is None:
        raise _invalid(
            "No such template.",
            **{"template.name": f"No template {given.name!r} in {given.language!r} for this case's WhatsApp number."},
        )
    values = given.parameters
    parameters = {str(n): value for n, value in enumerate(values, start=1)} if isinstance(values, list) else values
    try:
        return check_send_template(actor.membership, case, template=template, parameters=parameters)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {
                (name if name == NON_FIELD_ERRORS else f"template.{name}"): messages
                for name, messages in error.message_dict.items()
            }
        ) from error
