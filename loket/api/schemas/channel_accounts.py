from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Input, Patch, Str120, Str255

Kind = Literal["whatsapp", "sms", "chat"]
ExternalId = Annotated[Str255, Field(max_length=64, examples=["10634295353625"])]
Number = Annotated[Str120, Field(max_length=32, examples=["+31 20 123 4567"])]
Secrets = Annotated[
    dict[str, Annotated[str, Field(max_length=1000)]],
    Field(
        description="Write-only. WhatsApp: app_secret, verify_token (both required), access_token. SMS: auth_token. "
        "An empty or left-out secret keeps the stored one.",
        examples=[{"app_secret": "…", "verify_token": "…", "access_token": "…"}],
    ),
]


Settings = Annotated[
    dict[str, Any],
    Field(
        description="SMS: account_sid (required), messaging_service_sid. Chat widget: allowed_origins (list of "
        "https://host origins; required), greeting (text), ask_details (bool). Only the settings sent change.",
        examples=[{"allowed_origins": ["https://www.woonwinkel.nl"], "greeting": "Hallo!"}],
    ),
]


class ChannelAccountOut(Schema):
    id: int
    kind: str = Field(description="'whatsapp', 'sms' or 'chat'.")
    name: str
    external_id: str = Field(description="The provider's id of the number (WhatsApp: the phone number id).")
    display_number: str
    team_id: int | None = Field(description="The team new cases go to; null: the organisation's default team.")
    is_active: bool = Field(description="An inactive account answers its webhook with 404 and sends nothing.")
    webhook_url: str = Field(description="Where the provider posts this account's traffic ('' for a chat widget).")
    snippet: str = Field(description="Chat widget: the script tag to put on the website's pages; else ''.")
    settings: dict[str, Any] = Field(
        description="SMS: account_sid, messaging_service_sid. Chat widget: allowed_origins (the websites that "
        "may show it), greeting, ask_details."
    )
    secrets: dict[str, str] = Field(
        description="Per secret: '' when not set, else a hint ('…abcd' for long ones, '•••' for short ones). "
        "Secrets are never returned."
    )
    pending: int = Field(description="Stored messages not yet on a case.")
    failed: int = Field(description="Messages in quarantine.")
    last_received_at: datetime | None


class ChannelAccountCreate(Input):
    kind: Kind
    name: Str120 = ""
    external_id: ExternalId = Field(
        "", description="WhatsApp: the phone number id; SMS: the Twilio number (E.164); none for chat."
    )
    display_number: Number = ""
    team_id: Id | None = None
    secrets: Secrets = Field(default_factory=dict)
    settings: Settings = Field(default_factory=dict)


class ChannelAccountUpdate(Patch):
    name: Str120 | None = None
    external_id: ExternalId | None = None
    display_number: Number | None = None
    team_id: Id | None = None
    secrets: Secrets | None = None
    settings: Settings | None = None
    is_active: bool | None = None
