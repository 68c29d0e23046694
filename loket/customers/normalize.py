"""Normalising identity values, so that one address is one identity whatever its spelling."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from loket.customers.models import Identity

DEFAULT_REGION = "NL"
PHONE_KINDS = (Identity.Kind.PHONE, Identity.Kind.WHATSAPP)
# Read once: ``Identity.Kind.values`` builds a new list on every access (8 % of an inbound
# worker's CPU under the SMS load, py-spy; every inbound message is normalised).
KINDS = frozenset(Identity.Kind.values)


def normalize_phone(value: str, *, strict: bool = True) -> str:
    """A phone number in any common notation → E.164 (+31612345678). Dutch by default.

    ``strict``: the number must be valid by the numbering plans phonenumbers knows (catches
    an agent's typo); otherwise it need only be possible (the right length for its country).
    """
    raw = value.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("%(value)s is geen geldig telefoonnummer.") % {"value": repr(value)}, code="invalid_phone"
        ) from exc
    if not (phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)):
        raise ValidationError(
            _("%(value)s is geen geldig telefoonnummer.") % {"value": repr(value)}, code="invalid_phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str) -> str:
    address = value.strip().lower()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError(
            _("%(value)s is geen geldig e-mailadres.") % {"value": repr(value)}, code="invalid_email"
        ) from exc
    return address


def normalize_identity(kind: str, value: str) -> str:
    """Raise ValidationError (with a translated message) for a value that cannot be an identity."""
    if kind not in KINDS:
        raise ValidationError(_("Onbekende soort identiteit %(kind)s.") % {"kind": repr(kind)}, code="invalid_kind")
    if kind == Identity.Kind.EMAIL:
        return normalize_email(value)
    if kind == Identity.Kind.WHATSAPP:
        # A WhatsApp number is the one WhatsApp says wrote (its wa_id): real by definition,
        # also where phonenumbers' numbering plans lag behind (a new range) or do not know it.
        # So: any possible number, and any international number E.164 allows (up to 15 digits).
        try:
            return normalize_phone(value, strict=False)
        except ValidationError:
            international = re.sub(r"[\s().-]", "", value)
            if re.fullmatch(r"\+[1-9]\d{6,14}", international):
                return international
            raise
    if kind in PHONE_KINDS:
        return normalize_phone(value)
    cleaned = value.strip()
    if not cleaned:
        raise ValidationError(_("Een identiteit mag niet leeg zijn."), code="blank")
    if kind == Identity.Kind.SOCIAL:
        cleaned = cleaned.lower()
    return cleaned[:320]


def looks_like_phone(query: str) -> str | None:
    """For search: the E.164 form of a query that is a phone number, else None."""
    digits = sum(ch.isdigit() for ch in query)
    if digits < 6:
        return None
    try:
        return normalize_phone(query)
    except ValidationError:
        return None
