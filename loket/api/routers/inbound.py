"""The generic inbound channel: any system can deliver a customer's message to Loket.

Every message is stored as an inbound delivery before the answer is sent, so a 2xx means the
message is safe (the "nothing is lost" rule). Idempotent on (channel, external_id): a retry
stores nothing new and answers with the first delivery.

- ``POST /messages`` stores and then processes the message at once, answering 201 with its
  case (200 for a retry). With ``Prefer: respond-async`` (RFC 7240) it answers 202 as soon as
  the message is stored and the inbound worker puts it on a case, usually within a second.
- ``POST /batches`` stores up to 500 messages in one request and answers 202.
- ``GET /deliveries/{id}`` tells where a stored message went, or why it could not be processed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from loket.api.auth import INBOUND, actor_of
from loket.api.errors import not_found
from loket.api.schemas.inbound import AcceptedOut, BatchIn, BatchOut, DeliveryOut, InboundIn, InboundOut
from loket.cases.receiving import InboundMessage, IncomingAttachment
from loket.integrations.actions import Accepted, do_accept_inbound, do_process_delivery
from loket.integrations.models import InboundDelivery

router = Router(tags=["inbound"])


def _inbound(payload: InboundIn) -> InboundMessage:
    return InboundMessage(
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


def _accept(request: HttpRequest, inbounds: list[InboundMessage], *, prefix: str) -> list[Accepted]:
    """Store; an invalid sender address is a 422 naming the field (``<prefix><index>.sender.value``)."""
    try:
        return do_accept_inbound(actor_of(request).organization, inbounds)
    except ValidationError as error:
        fields = {
            (f"{prefix}{index}.sender.value" if prefix else "sender.value"): messages
            for index, messages in error.message_dict.items()
        }
        raise ValidationError(fields) from error


def _accepted_out(accepted: Accepted) -> AcceptedOut:
    delivery = accepted.delivery
    return AcceptedOut(
        delivery_id=delivery.pk,
        external_id=delivery.external_id,
        channel=delivery.channel,
        status=delivery.status,
        created=accepted.created,
        status_url=f"/api/v1/inbound/deliveries/{delivery.pk}",
    )


def _respond_async(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "")
    return any(token.strip().lower() == "respond-async" for token in prefer.split(","))


@router.post(
    "/messages",
    auth=INBOUND,
    response={201: InboundOut, 200: InboundOut, 202: AcceptedOut},
    summary="Deliver a customer's message (idempotent on channel + external_id)",
    description=(
        "Stores the message, then puts it on the customer's open case (or a new one): 201 with the case, "
        "200 for a retry of an id delivered before. With the header `Prefer: respond-async` the answer is "
        "202 as soon as the message is stored; follow `status_url` to see its case."
    ),
)
def receive_message(request: HttpRequest, response: HttpResponse, payload: InboundIn) -> Status[object]:
    accepted = _accept(request, [_inbound(payload)], prefix="")[0]
    if not _respond_async(request):
        delivery = do_process_delivery(accepted.delivery)
        if delivery is not None and delivery.status == InboundDelivery.Status.DONE and delivery.message is not None:
            message = delivery.message
            out = InboundOut(
                message_id=message.pk,
                case_id=message.case_id,
                case_number=message.case.number,
                created=accepted.created,
                delivery_id=delivery.pk,
            )
            return Status(201 if accepted.created else 200, out)
        if delivery is not None:
            accepted.delivery = delivery
    # Stored, not (yet) on a case: asked for, a worker has it in hand, or processing failed and will be retried.
    response["Location"] = f"/api/v1/inbound/deliveries/{accepted.delivery.pk}"
    return Status(202, _accepted_out(accepted))


@router.post(
    "/batches",
    auth=INBOUND,
    response={202: BatchOut},
    summary="Deliver up to 500 messages at once (stored, then processed by the inbound worker)",
    description=(
        "All or nothing: when one message is invalid the answer is 422 naming it "
        "(`messages.<index>.<field>`) and nothing is stored. Each message is idempotent on channel + "
        "external_id, as in POST /messages. A batch counts as one request for the rate limit."
    ),
)
def receive_batch(request: HttpRequest, payload: BatchIn) -> Status[BatchOut]:
    accepted = _accept(request, [_inbound(item) for item in payload.messages], prefix="messages.")
    return Status(
        202,
        BatchOut(accepted=sum(1 for a in accepted if a.created), deliveries=[_accepted_out(a) for a in accepted]),
    )


@router.get(
    "/deliveries/{delivery_id}",
    auth=INBOUND,
    response=DeliveryOut,
    summary="Where a delivered message went (pending, done with its case, or failed with the reason)",
)
def get_delivery(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    delivery = (
        InboundDelivery.objects.for_org(actor_of(request).organization)
        .select_related("message__case")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise not_found("Delivery")
    message = delivery.message
    return DeliveryOut(
        id=delivery.pk,
        channel=delivery.channel,
        external_id=delivery.external_id,
        status=delivery.status,
        attempts=delivery.attempts,
        error=delivery.error,
        received_at=delivery.received_at,
        processed_at=delivery.processed_at,
        message_id=message.pk if message else None,
        case_id=message.case_id if message else None,
        case_number=message.case.number if message else None,
    )
