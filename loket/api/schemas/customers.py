from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Id, Input, LongText, Patch, Str100, Str200, Str320

IdentityKind = Literal["email", "phone", "whatsapp", "social", "portal", "external"]
ChannelName = Literal["email", "phone", "chat", "whatsapp", "sms", "social", "web", "api"]
SubscriptionStatus = Literal["active", "suspended", "ended"]


class IdentityOut(Schema):
    id: int
    kind: str
    value: str = Field(description="Normalised: e-mail in lower case, phone numbers in E.164.")
    label: str


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    status: str = Field(description="'active' or 'deceased'. Never address a deceased customer as if alive.")
    is_deceased: bool
    date_of_death: date | None
    language: str
    preferred_channel: str
    notes: str
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime


class NewIdentity(Input):
    kind: IdentityKind
    value: Str320 = Field(examples=["06 12345678"], description="Any notation; stored normalised.")


class IdentityIn(NewIdentity):
    label: Str100 = ""
    move: bool = Field(
        False,
        description=(
            "When the address belongs to another customer, move it (with its messages) to this one "
            "instead of answering 422. The other customer is recorded as merged when nothing else is left of it."
        ),
    )


class CustomerCreate(Input):
    kind: Literal["person", "business"] = "person"
    name: Str200 = ""
    language: Literal["nl", "en"] = "nl"
    preferred_channel: ChannelName | Literal[""] = ""
    notes: LongText = ""
    identities: list[NewIdentity] = Field(default_factory=list, max_length=50)


class CustomerUpdate(Patch):
    kind: Literal["person", "business"] | None = None
    name: Str200 | None = None
    language: Literal["nl", "en"] | None = None
    preferred_channel: ChannelName | Literal[""] | None = None
    notes: LongText | None = None


class CustomerFilters(Schema):
    q: Str200 = Field("", description="Name, e-mail, phone number in any notation, or subscription reference.")


class MergeIn(Input):
    into: Id = Field(description="Id of the customer that stays; this customer is merged into it.")


class SubscriptionOut(Schema):
    id: int
    product: str
    reference: str
    status: str
    started_on: date | None
    ended_on: date | None


class SubscriptionIn(Input):
    product: Str200
    reference: Str100 = ""
    status: SubscriptionStatus = "active"
    started_on: date | None = None
    ended_on: date | None = None
