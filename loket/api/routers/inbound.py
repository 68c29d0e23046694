"""The generic inbound channel: any system can deliver a customer's message to Loket.

Idempotent on (channel, external_id): a retry answers 200 with the ids of the first delivery
and creates nothing. The answer comes only after the message is committed, so a 2xx means
the message is stored (the "nothing is lost" rule).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from loket.api.auth import INBOUND, actor_of
from loket.api.errors import errors_on
from loket.api.schemas.inbound import InboundIn, InboundOut
from loket.cases.actions import InboundMessage, IncomingAttachment, do_receive_message

router = Router(tags=["inbound"])


@router.post(
    "/messages",
    auth=INBOUND,
    response={201: InboundOut, 200: InboundOut},
    summary="Deliver a customer's message (idempotent on channel + external_id)",
)
def receive_message(request: HttpRequest, payload: InboundIn) -> Status[InboundOut]:
    inbound = InboundMessage(
        channel=payload.channel,
        identity_kind=payload.sender.kind,
        identity_value=payload.sender.value,
        sender_name=payload.sender.name,
        text=payload.text,
        html=payload.html,
        subject=payload.subject,
        external_id=payload.external_id,
        attachments=[
            IncomingAttachment(filename=item.filename, content=item.content, content_type=item.content_type)
            for item in payload.attachments
        ],
    )
    with errors_on("sender.value"):
        result = do_receive_message(actor_of(request).organization, inbound)
    message = result.message
    out = InboundOut(
        message_id=message.pk, case_id=message.case_id, case_number=message.case.number, created=result.created
    )
    return Status(201 if result.created else 200, out)
