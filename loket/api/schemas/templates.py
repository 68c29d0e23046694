from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Str60
from loket.integrations.whatsapp.templates import unsupported_reason


class TemplateFilters(Schema):
    status: Str60 | None = Field(None, description="Only templates with this status (APPROVED, PENDING, …).")
    language: Str60 | None = Field(None, description="Only templates in this language (`nl`, `en_US`).")


class TemplateOut(Schema):
    id: int
    account_id: int
    name: str
    language: str
    category: str
    status: str = Field(description="Meta's: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …")
    status_reason: str = Field(description="Meta's reason for the last status change, if it gave one.")
    body: str = Field(description="The text, with its placeholders (`{{1}}` or `{{first_name}}`).")
    parameters: list[str] = Field(description="The placeholders a message must fill, in order.")
    sendable: bool = Field(description="Approved, still in WhatsApp Manager, and Loket can fill it in.")
    unsupported: str = Field(
        description="Why Loket cannot send it (a media header, a button variable …); '' if it can."
    )
    gone: bool = Field(description="No longer in WhatsApp Manager (kept: sent messages refer to it).")
    components: list[Any] = Field(description="The components as Meta returned them.")
    synced_at: datetime | None

    @staticmethod
    def resolve_sendable(template: Any) -> bool:
        return bool(template.is_sendable)

    @staticmethod
    def resolve_unsupported(template: Any) -> str:
        return unsupported_reason(template.unsupported) if template.unsupported else ""

    @staticmethod
    def resolve_gone(template: Any) -> bool:
        return template.gone_at is not None
