"""Channel accounts: what each kind asks of an admin, and the writes on them.

A channel account is one number or widget of the organisation on a messaging channel
(``ChannelAccount``). Each kind names its provider id, its secrets and its webhook here, once:
the admin pages, the API and the management commands are all built from ``ACCOUNT_KINDS``.

Secrets are stored encrypted (loket.lib.secrets) and never shown back: a page or API answer
says only whether each is set, with its last four characters when it is long enough for
those to give nothing away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Membership, Team
from loket.integrations.models import ChannelAccount

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class SecretSpec:
    name: str
    label: StrOrPromise
    help: StrOrPromise = ""
    required: bool = True  # needed before the account can receive anything


@dataclass(frozen=True)
class AccountKind:
    kind: str
    label: StrOrPromise
    external_id_label: StrOrPromise
    external_id_help: StrOrPromise
    secrets: tuple[SecretSpec, ...]
    webhook: str  # the URL name of the account's inbound webhook (it takes the key)
    setup_help: StrOrPromise = ""


ACCOUNT_KINDS: dict[str, AccountKind] = {
    ChannelAccount.Kind.WHATSAPP: AccountKind(
        kind=ChannelAccount.Kind.WHATSAPP,
        label=gettext_lazy("WhatsApp-nummer"),
        external_id_label=gettext_lazy("Phone number id"),
        external_id_help=gettext_lazy(
            "Het id van het nummer (niet het nummer zelf): Meta for Developers → WhatsApp → API Setup."
        ),
        secrets=(
            SecretSpec(
                "app_secret",
                gettext_lazy("App secret"),
                gettext_lazy("Meta for Developers → App settings → Basic. Loket controleert er elke webhook mee."),
            ),
            SecretSpec(
                "verify_token",
                gettext_lazy("Verify token"),
                gettext_lazy("Kies zelf een lange willekeurige tekst en vul dezelfde in bij Meta's webhookinstelling."),
            ),
            SecretSpec(
                "access_token",
                gettext_lazy("Access token"),
                gettext_lazy("Het permanente token van een system user; nodig om te antwoorden en media op te halen."),
                required=False,
            ),
        ),
        webhook="whatsapp_webhook",
        setup_help=gettext_lazy(
            "Vul bij Meta for Developers → WhatsApp → Configuration de callback-URL hieronder in, met "
            "het verify token, en abonneer de app op het veld messages. Zie docs/channels/whatsapp.md."
        ),
    ),
}


def account_kind(kind: str) -> AccountKind:
    return ACCOUNT_KINDS[kind]


def secret_hints(account: ChannelAccount) -> dict[str, str]:
    """Per secret of the account's kind: '' when not set, else '…abcd' (or '•••' when short).

    The last four characters only for secrets of 16 or more, so that a hint never narrows down
    a short, guessable one."""
    hints = {}
    for spec in account_kind(account.kind).secrets:
        value = account.secret(spec.name)
        hints[spec.name] = "" if not value else f"…{value[-4:]}" if len(value) >= 16 else "•••"
    return hints


def _require_admin(membership: Membership, account: ChannelAccount | None = None, team: Team | None = None) -> None:
    if not membership.is_admin:
        raise PermissionDenied
    if account is not None and account.organization_id != membership.organization_id:
        raise PermissionDenied
    if team is not None and team.organization_id != membership.organization_id:
        raise PermissionDenied


def check_create_channel_account(membership: Membership, *, kind: str, **values: Any) -> ChannelAccount:
    """Connect a number (or widget) to the organisation; its required secrets must be given.

    ``values``: name, external_id, display_number, team, secrets (see ``_save``)."""
    if kind not in ACCOUNT_KINDS:
        raise ValidationError({"kind": _("Onbekende soort kanaal.")})
    _require_admin(membership, team=values.get("team"))
    return _save(ChannelAccount(organization=membership.organization, kind=kind), **values)


def check_update_channel_account(membership: Membership, account: ChannelAccount, **values: Any) -> ChannelAccount:
    """Change an account; a secret left empty keeps the stored one."""
    _require_admin(membership, account, values.get("team"))
    return _save(account, **values)


def _save(
    account: ChannelAccount,
    *,
    name: str,
    external_id: str,
    display_number: str = "",
    team: Team | None = None,
    secrets: dict[str, str] | None = None,
) -> ChannelAccount:
    spec = account_kind(account.kind)
    secrets = {key: (value or "").strip() for key, value in (secrets or {}).items()}
    unknown = set(secrets) - {secret.name for secret in spec.secrets}
    if unknown:
        raise ValidationError({"secrets": _("Onbekend geheim: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
    account.external_id = external_id.strip()
    account.display_number = display_number.strip()
    account.name = name.strip() or account.display_number or account.external_id
    account.team = team
    if not account.external_id:
        raise ValidationError({"external_id": _("Vul %(label)s in.") % {"label": spec.external_id_label}})
    account.set_secrets(**secrets)
    missing = {
        secret.name: _("Vul %(label)s in.") % {"label": secret.label}
        for secret in spec.secrets
        if secret.required and not account.secret(secret.name)
    }
    if missing:
        raise ValidationError(missing)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        # Unique per kind across Loket (one number reaches one organisation); the message does
        # not say which organisation has it.
        raise ValidationError({"external_id": _("Dit nummer is al gekoppeld.")}) from None
    return account


def check_set_channel_account_active(membership: Membership, account: ChannelAccount, active: bool) -> ChannelAccount:
    """An inactive account answers its webhooks with 404 and sends nothing; what was stored stays."""
    _require_admin(membership, account)
    account.is_active = active
    account.save(update_fields=["is_active"])
    return account
