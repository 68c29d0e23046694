"""Writes on mailboxes: an admin adds, changes and removes the organisation's addresses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Team
from loket.integrations.models import Mailbox


def _require_admin(membership: Membership, mailbox: Mailbox | None = None) -> None:
    if not membership.is_admin:
        raise PermissionDenied
    if mailbox is not None and mailbox.organization_id != membership.organization_id:
        raise PermissionDenied


def check_create_mailbox(
    membership: Membership, *, address: str, team: Team | None, sender_name: str = "", signature: str = ""
) -> Mailbox:
    """Add an address. Addresses are unique across Loket: mail to one must reach one organisation."""
    _require_admin(membership)
    if team is not None and team.organization_id != membership.organization_id:
        raise PermissionDenied
    try:
        with transaction.atomic():
            return Mailbox.objects.create(
                organization=membership.organization,
                address=address,
                team=team,
                sender_name=sender_name,
                signature=signature,
            )
    except IntegrityError:
        raise ValidationError({"address": _("Dit adres is al in gebruik.")}) from None


def check_set_mailbox_active(membership: Membership, mailbox: Mailbox, active: bool) -> Mailbox:
    """An inactive mailbox refuses new mail at SMTP time (550); what was stored stays."""
    _require_admin(membership, mailbox)
    mailbox.is_active = active
    mailbox.save(update_fields=["is_active"])
    return mailbox
