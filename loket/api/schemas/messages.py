from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Input, LongText, Ref
from loket.api.schemas.customers import ChannelName


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class IdentityRef(Schema):
    id: int
    kind: str
    value: str


class MessageOut(Schema):
    id: int
    case_id: int
    contact_id: int | None
    kind: str = Field(description="'inbound', 'outbound' or 'note' (internal, never sent).")
    channel: str
    text: str
    html: str = Field(description="Sanitised HTML.")
    author: Ref | None
    identity: IdentityRef | None
    external_id: str = Field(description="The provider's id; for e-mail the Message-ID (Loket's own, for replies).")
    cc: list[str] = Field(description="Other recipients of the e-mail.")
    automatic: bool = Field(
        description="Written by a machine: an out-of-office reply or a bounce, or Loket's acknowledgement."
    )
    delivery_status: str = Field(description="Outbound only: queued, sent, delivered or failed.")
    delivery_error: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(message: object) -> dict[str, object] | None:
        author = message.author  # type: ignore[attr-defined]
        return {"id": author.pk, "name": author.display_name} if author else None


class MessageIn(Input):
    kind: Literal["reply", "note"] = Field(description="A reply goes to the customer; a note stays internal.")
    text: LongText = Field(min_length=1)
    channel: ChannelName | None = Field(None, description="Replies only; default: the channel the customer last used.")


class ContactOut(Schema):
    id: int
    channel: str
    direction: str
    identity: IdentityRef | None
    handled_by: Ref | None
    started_at: datetime
    ended_at: datetime | None

    @staticmethod
    def resolve_handled_by(contact: object) -> dict[str, object] | None:
        user = contact.handled_by  # type: ignore[attr-defined]
        return {"id": user.pk, "name": user.display_name} if user else None
