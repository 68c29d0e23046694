from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Input, LongText, Ref, Str60, Str512, Str1024
from loket.api.schemas.customers import ChannelName


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class SentTemplateOut(Schema):
    name: str
    language: str
    parameters: dict[str, str]


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
    delivery_status: str = Field(description="Outbound only: queued, sent, delivered, read or failed.")
    delivery_error: str
    created_at: datetime
    attachments: list[AttachmentOut]
    template: SentTemplateOut | None = Field(
        None, description="A WhatsApp template message: the template sent (`text` is it filled in)."
    )

    @staticmethod
    def resolve_author(message: object) -> dict[str, object] | None:
        author = message.author  # type: ignore[attr-defined]
        return {"id": author.pk, "name": author.display_name} if author else None

    @staticmethod
    def resolve_template(message: object) -> object | None:
        try:
            return message.whatsapp_template  # type: ignore[attr-defined]
        except ObjectDoesNotExist:
            return None


class TemplateIn(Input):
    name: Str512 = Field(min_length=1, description="The template's name, as in WhatsApp Manager.")
    language: Str60 = Field(min_length=1, description="Its language as Meta writes it: `nl`, `en_US` (or `en-US`).")
    parameters: dict[Str60, Str1024] | list[Str1024] = Field(
        default_factory=dict,
        description='The values of the body\'s placeholders: `{"1": "Jolanda"}` or `["Jolanda"]` for '
        '`{{1}}`, `{"first_name": "Jolanda"}` for `{{first_name}}`.',
    )


class MessageIn(Input):
    kind: Literal["reply", "note"] = Field(description="A reply goes to the customer; a note stays internal.")
    text: LongText | None = Field(None, min_length=1, description="The message; not with a template.")
    channel: ChannelName | None = Field(None, description="Replies only; default: the channel the customer last used.")
    template: TemplateIn | None = Field(
        None,
        description="Replies only: an approved WhatsApp template instead of a text (the only way to write to "
        "a customer on WhatsApp more than 24 hours after their last message).",
    )


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
