from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from loket.api.schemas.common import Input, LongText, Str150, Str200, Str250, Str255, Str320
from loket.api.schemas.customers import IdentityKind


def _decode_base64(value: object) -> bytes:
    """Base64 text → bytes, refusing more than ATTACHMENT_MAX_BYTES before decoding it all."""
    if not isinstance(value, str):
        raise ValueError("must be base64 text")
    limit = settings.ATTACHMENT_MAX_BYTES
    if len(value) // 4 * 3 > limit + 2:
        raise ValueError(f"attachment is larger than {limit} bytes")
    try:
        content = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None
    if len(content) > limit:
        raise ValueError(f"attachment is larger than {limit} bytes")
    return content


Base64Content = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64", "examples": ["SGFsbG8="]}),
]

InboundChannel = Literal["api", "chat", "web", "sms", "whatsapp", "email", "social"]


class Sender(Input):
    kind: IdentityKind = Field(examples=["email"])
    value: Str320 = Field(examples=["jolanda@example.nl"], description="Phone numbers in any notation.")
    name: Str200 = ""


class InboundAttachment(Input):
    filename: Str255 = Field(min_length=1)
    content_type: Str150 = "application/octet-stream"
    content: Base64Content = Field(description="Base64 (standard alphabet, padded); at most ATTACHMENT_MAX_BYTES.")


class InboundIn(Input):
    external_id: Str255 = Field(
        min_length=1, description="Your (or your provider's) id of this message: the idempotency key, per channel."
    )
    channel: InboundChannel = "api"
    sender: Sender
    subject: Str250 = ""
    text: LongText = ""
    html: LongText = Field("", description="Sanitised before anyone sees it.")
    attachments: list[InboundAttachment] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _has_content(self) -> InboundIn:
        if not (self.text.strip() or self.html.strip() or self.attachments):
            raise ValueError("send text, html or an attachment")
        return self


class InboundOut(Schema):
    message_id: int
    case_id: int
    case_number: str
    created: bool = Field(description="False when this was a retry of a message already received.")
    delivery_id: int = Field(description="The stored delivery: GET /api/v1/inbound/deliveries/{delivery_id}.")


class AcceptedOut(Schema):
    delivery_id: int
    external_id: str
    channel: str
    status: str = Field(description="pending, done or failed (see the delivery).")
    created: bool = Field(description="False when this id was accepted before: nothing new was stored.")
    status_url: str


INBOUND_BATCH_MAX = 500


class BatchIn(Input):
    messages: list[InboundIn] = Field(min_length=1, max_length=INBOUND_BATCH_MAX, description="1 to 500 messages.")


class BatchOut(Schema):
    accepted: int = Field(description="How many messages were stored now (not retries).")
    deliveries: list[AcceptedOut]


class DeliveryOut(Schema):
    id: int
    channel: str
    external_id: str
    status: str = Field(description="pending: stored, not yet on a case; done: on a case; failed: see error.")
    attempts: int
    error: str
    received_at: datetime
    processed_at: datetime | None
    message_id: int | None
    case_id: int | None
    case_number: str | None
