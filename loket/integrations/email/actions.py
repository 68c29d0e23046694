"""Writes on mailboxes: an admin adds, changes and removes the organisation's addresses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Team
from loket.integrations.models import ImapAccount, Mailbox
from loket.lib.secrets import encrypt

# What an admin sets on a mailbox besides its address and team (see Mailbox for each).
MAILBOX_SETTINGS = (
    "sender_name",
    "signature",
    "quote_history",
    "plus_addressing",
    "send_acknowledgement",
    "acknowledgement_text",
    "response_hours",
)


def _require_admin(membership: Membership, mailbox: Mailbox | None = None, team: Team | None = None) -> None:
    if not membership.is_admin:
        raise PermissionDenied
    if mailbox is not None and mailbox.organization_id != membership.organization_id:
        raise PermissionDenied
    if team is not None and team.organization_id != membership.organization_id:
        raise PermissionDenied


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(MAILBOX_SETTINGS)
    if unknown:
        raise ValueError(f"unknown mailbox settings: {sorted(unknown)}")
    hours = values.get("response_hours")
    if hours is not None and not 1 <= hours <= 24 * 30:
        raise ValidationError({"response_hours": _("Kies een reactietijd tussen 1 uur en 30 dagen.")})
    return values


def check_create_mailbox(membership: Membership, *, address: str, team: Team | None, **values: Any) -> Mailbox:
    """Add an address. Addresses are unique across Loket: mail to one must reach one organisation."""
    _require_admin(membership, team=team)
    mailbox = Mailbox(organization=membership.organization, address=address, team=team, **_settings(values))
    return _save(mailbox)


def check_update_mailbox(
    membership: Membership, mailbox: Mailbox, *, address: str, team: Team | None, **values: Any
) -> Mailbox:
    _require_admin(membership, mailbox, team)
    mailbox.address, mailbox.team = address, team
    for name, value in _settings(values).items():
        setattr(mailbox, name, value)
    return _save(mailbox)


def _save(mailbox: Mailbox) -> Mailbox:
    mailbox.address = mailbox.address.strip().lower()
    try:
        validate_email(mailbox.address)
    except ValidationError:
        raise ValidationError({"address": _("Vul een geldig e-mailadres in.")}) from None
    if "+" in mailbox.address.partition("@")[0]:
        # "service+z-2026-000123@…" is how replies find their case: a mailbox address has no "+".
        raise ValidationError({"address": _("Een mailboxadres mag geen + bevatten.")})
    try:
        with transaction.atomic():
            mailbox.save()
    except IntegrityError:
        raise ValidationError({"address": _("Dit adres is al in gebruik.")}) from None
    return mailbox


def check_set_mailbox_active(membership: Membership, mailbox: Mailbox, active: bool) -> Mailbox:
    """An inactive mailbox refuses new mail at SMTP time (550); what was stored stays."""
    _require_admin(membership, mailbox)
    mailbox.is_active = active
    mailbox.save(update_fields=["is_active"])
    return mailbox


IMAP_SETTINGS = ("host", "port", "security", "username", "folder", "processed_folder")


def check_set_imap(membership: Membership, mailbox: Mailbox, *, password: str = "", **values: Any) -> ImapAccount:
    """Connect the mailbox to an IMAP account (or change it). An empty password keeps the stored one.

    A changed server, user or folder starts reading the folder from the beginning; what was
    stored before is recognised by its Message-ID and not stored twice.
    """
    _require_admin(membership, mailbox)
    unknown = set(values) - set(IMAP_SETTINGS)
    if unknown:
        raise ValueError(f"unknown IMAP settings: {sorted(unknown)}")
    account = ImapAccount.objects.filter(mailbox=mailbox).first() or ImapAccount(
        organization_id=mailbox.organization_id, mailbox=mailbox
    )
    if account.pk is None and not password:
        raise ValidationError({"password": _("Vul het wachtwoord van het IMAP-account in.")})
    where = (account.host, account.username, account.folder)
    for name, value in values.items():
        setattr(account, name, value)
    if (account.host, account.username, account.folder) != where:
        account.uidvalidity, account.last_uid = None, 0
    if password:
        account.password_encrypted = encrypt(password)
    account.last_error, account.last_error_at = "", None
    account.save()
    return account


def check_remove_imap(membership: Membership, mailbox: Mailbox) -> None:
    """Stop polling. Mail fetched before stays; the server's folders are left as they are."""
    _require_admin(membership, mailbox)
    ImapAccount.objects.filter(mailbox=mailbox).delete()
