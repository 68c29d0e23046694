from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Input, LongText, Patch, Str120, Str255

ResponseHours = Annotated[int, Field(ge=1, le=24 * 30)]
Port = Annotated[int, Field(ge=1, le=65535)]


class ImapOut(Schema):
    host: str
    port: int
    security: str = Field(description="'ssl', 'starttls' or 'none'.")
    username: str
    folder: str
    processed_folder: str = Field(description="Where handled mail is moved; empty: it stays, marked as read.")
    last_poll_at: datetime | None
    last_error: str = Field(description="Empty when the last poll succeeded.")
    fetched_count: int


class MailCounts(Schema):
    received: int = Field(description="Put on a case.")
    rejected: int = Field(description="Quarantined with a reason.")
    sent: int
    failed: int = Field(description="Refused by the receiving server, or bounced later.")


class MailboxOut(Schema):
    id: int
    address: str
    team_id: int | None = Field(description="The team new cases go to; null: the organisation's default team.")
    sender_name: str
    signature: str
    quote_history: bool
    plus_addressing: bool = Field(description="Replies ask to be answered at address+<case number>@domain.")
    send_acknowledgement: bool
    acknowledgement_text: str = Field(description="Empty: the default text.")
    response_hours: int
    is_active: bool = Field(description="An inactive mailbox refuses new mail (SMTP 550).")
    pending: int = Field(description="Stored messages not yet on a case.")
    failed: int = Field(description="Messages in quarantine.")
    last_7_days: MailCounts = Field(description="Today and the six days before (Europe/Amsterdam).")
    imap: ImapOut | None = Field(
        description="The IMAP account Loket polls for this mailbox; the password is never shown."
    )

    @staticmethod
    def resolve_imap(mailbox: object) -> object:
        try:
            return mailbox.imap  # type: ignore[attr-defined]
        except ObjectDoesNotExist:
            return None


class MailboxSettings(Input):
    sender_name: Str120 = ""
    signature: LongText = ""
    quote_history: bool = True
    plus_addressing: bool = True
    send_acknowledgement: bool = False
    acknowledgement_text: LongText = ""
    response_hours: ResponseHours = 24


Address = Annotated[Str255, Field(max_length=254, examples=["klantenservice@example.nl"])]


class MailboxCreate(MailboxSettings):
    address: Address
    team_id: Id | None = None


class MailboxUpdate(Patch):
    address: Address | None = None
    team_id: Id | None = None
    sender_name: Str120 | None = None
    signature: LongText | None = None
    quote_history: bool | None = None
    plus_addressing: bool | None = None
    send_acknowledgement: bool | None = None
    acknowledgement_text: LongText | None = None
    response_hours: ResponseHours | None = None
    is_active: bool | None = None


class ImapIn(Input):
    host: Str255
    port: Port = 993
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: Str255
    password: LongText = Field(
        "", description="Required the first time; leave out to keep the stored one. Never returned."
    )
    folder: Str255 = "INBOX"
    processed_folder: Str255 = "Loket/Verwerkt"
