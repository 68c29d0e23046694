from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from loket.api.schemas.common import Input, LongText, Str60, Str100, Str200, Str255, Str320

Mandate = Literal["executor", "power_of_attorney", "heir", "estate_service", "none"]


class DocumentIn(Input):
    filename: Str255
    content_base64: LongText = Field(description="The death certificate or mandate, a PDF or image, base64.")


class DeathNotificationIn(Input):
    deceased_name: Str200
    date_of_death: date = Field(description="Not in the future.")
    deceased_date_of_birth: date | None = None
    deceased_address: Str320 = ""
    deceased_postcode: Str60 = ""
    deceased_customer_number: Str100 = Field("", description="Your customer number, a subscription reference.")
    deceased_email: Str320 = ""
    deceased_phone: Str60 = ""
    reporter_name: Str200
    reporter_email: Str320 = ""
    reporter_phone: Str60 = ""
    relation: Str100 = ""
    mandate: Mandate = "none"
    preferred_contact: Literal["email", "phone"] = "email"
    document: DocumentIn | None = None


class DeathNotificationOut(Schema):
    id: int
    case_id: int
    case_number: str = Field(examples=["Z-2026-000123"])
    specialist: str | None = Field(description="The name of the one person who handles it.")
    deceased_name: str
    date_of_death: date
    matched: bool = Field(description="A specialist has confirmed which customer died.")
    customer_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_case_number(obj: object) -> str:
        return obj.case.number  # type: ignore[attr-defined,no-any-return]

    @staticmethod
    def resolve_specialist(obj: object) -> str | None:
        owner = obj.case.owner  # type: ignore[attr-defined]
        return owner.display_name if owner else None

    @staticmethod
    def resolve_matched(obj: object) -> bool:
        return obj.customer_id is not None  # type: ignore[attr-defined]
