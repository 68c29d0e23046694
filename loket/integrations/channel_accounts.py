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
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Membership, Team
from loket.integrations.ingress import forget_accounts
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
class SettingSpec:
    """A setting of the kind, kept in ``ChannelAccount.settings``.

    ``type``: "origins" (web origins, one per line; a list), "text" or "bool"."""

    name: str
    label: StrOrPromise
    type: str
    help: StrOrPromise = ""
    required: bool = False
    default: Any = ""
    model_field: bool = False  # kept in its own ChannelAccount field, not in ``settings``


@dataclass(frozen=True)
class AccountKind:
    kind: str
    label: StrOrPromise
    # None: the kind has no provider id (a chat widget); its key stands in.
    external_id_label: StrOrPromise | None
    external_id_help: StrOrPromise
    secrets: tuple[SecretSpec, ...]
    webhook: str | None  # the URL name of the account's inbound webhook (it takes the key)
    setup_help: StrOrPromise = ""
    settings: tuple[SettingSpec, ...] = ()
    # A function (account) that checks and normalises what the admin set, raising a
    # ValidationError keyed by field (dotted path, imported when used).
    clean: str = ""
    # A function (account) run after the account was saved (WhatsApp: fetch its templates).
    saved: str = ""


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
            "het verify token, en abonneer de app op de velden messages en message_template_status_update. "
            "Zie docs/channels/whatsapp.md."
        ),
        settings=(
            SettingSpec(
                "waba_id",
                gettext_lazy("WhatsApp Business-account-id"),
                "text",
                gettext_lazy(
                    "WhatsApp Manager → Accountinstellingen. Nodig om de goedgekeurde sjablonen op te halen "
                    "(buiten het 24-uursvenster)."
                ),
                model_field=True,
            ),
        ),
        saved="loket.integrations.whatsapp.actions.do_account_saved",
    ),
    ChannelAccount.Kind.SMS: AccountKind(
        kind=ChannelAccount.Kind.SMS,
        label=gettext_lazy("SMS-nummer (Twilio)"),
        external_id_label=gettext_lazy("Twilio-nummer"),
        external_id_help=gettext_lazy("Het nummer dat klanten sms'en, met landcode: +3197010204060."),
        secrets=(
            SecretSpec(
                "auth_token",
                gettext_lazy("Auth token"),
                gettext_lazy("Twilio console → Account info. Loket controleert er elke webhook mee."),
            ),
        ),
        webhook="sms_webhook",
        setup_help=gettext_lazy(
            "Vul in Twilio's console (Phone Numbers → Active numbers → dit nummer → Messaging) bij "
            "„A message comes in” de callback-URL hieronder in, methode HTTP POST. Zie docs/channels/sms.md."
        ),
        settings=(
            SettingSpec(
                "account_sid",
                gettext_lazy("Account SID"),
                "text",
                gettext_lazy("Twilio console → Account info: AC gevolgd door 32 tekens."),
                required=True,
            ),
            SettingSpec(
                "messaging_service_sid",
                gettext_lazy("Messaging Service SID"),
                "text",
                gettext_lazy("Leeg: antwoorden gaan van het nummer zelf. MG…: via die Messaging Service."),
            ),
        ),
        clean="loket.integrations.sms.config.clean_account",
    ),
    ChannelAccount.Kind.CHAT: AccountKind(
        kind=ChannelAccount.Kind.CHAT,
        label=gettext_lazy("Chatwidget"),
        external_id_label=None,
        external_id_help="",
        secrets=(),
        webhook=None,
        setup_help=gettext_lazy(
            "Zet de regel hieronder in de HTML van elke pagina van de website waarop de chatknop moet "
            "staan, vlak voor </body>. Zie docs/channels/webchat.md."
        ),
        settings=(
            SettingSpec(
                "allowed_origins",
                gettext_lazy("Websites"),
                "origins",
                gettext_lazy(
                    "Eén per regel, zoals https://www.woonwinkel.nl. Alleen op deze websites toont de browser de chat."
                ),
                required=True,
                default=[],
            ),
            SettingSpec(
                "greeting",
                gettext_lazy("Welkomsttekst"),
                "text",
                gettext_lazy("Leeg: „Hallo! Waarmee kunnen we u helpen?”"),
            ),
            SettingSpec(
                "ask_details",
                gettext_lazy("Vraag naam en e-mailadres voordat het gesprek begint"),
                "bool",
                default=True,
            ),
        ),
    ),
}


def account_kind(kind: str) -> AccountKind:
    return ACCOUNT_KINDS[kind]


def connect_info(request: HttpRequest, account: ChannelAccount) -> dict[str, str]:
    """What an admin copies to connect the account: the webhook URL to enter at the provider,
    or the script tag to put on the website ('' when the kind has none)."""
    spec = account_kind(account.kind)
    webhook_url = request.build_absolute_uri(reverse(spec.webhook, args=[account.key])) if spec.webhook else ""
    snippet = ""
    if account.kind == ChannelAccount.Kind.CHAT:
        src = request.build_absolute_uri(reverse("webchat_loader"))
        snippet = f'<script src="{src}" data-loket-chat="{account.key}" async></script>'
    return {"webhook_url": webhook_url, "snippet": snippet}


def setting(account: ChannelAccount, name: str) -> Any:
    """One setting of the account, or its kind's default."""
    spec = next(setting for setting in account_kind(account.kind).settings if setting.name == name)
    if spec.model_field:
        return getattr(account, name)
    return account.settings.get(name, spec.default)


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
    settings: dict[str, Any] | None = None,
) -> ChannelAccount:
    spec = account_kind(account.kind)
    secrets = {key: (value or "").strip() for key, value in (secrets or {}).items()}
    unknown = set(secrets) - {secret.name for secret in spec.secrets}
    if unknown:
        raise ValidationError({"secrets": _("Onbekend geheim: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
    account.external_id = external_id.strip() if spec.external_id_label else account.key
    account.display_number = display_number.strip()
    account.name = name.strip() or account.display_number or str(spec.label)
    account.team = team
    if settings is not None:
        cleaned = _clean_settings(spec, settings)
        for item in spec.settings:
            if item.model_field and item.name in cleaned:
                setattr(account, item.name, cleaned.pop(item.name))
        account.settings = {**account.settings, **cleaned}
    if not account.external_id:
        raise ValidationError({"external_id": _("Vul %(label)s in.") % {"label": spec.external_id_label}})
    missing_settings = {
        setting.name: _("Vul %(label)s in.") % {"label": setting.label}
        for setting in spec.settings
        if setting.required
        and not (getattr(account, setting.name) if setting.model_field else account.settings.get(setting.name))
    }
    if missing_settings:
        raise ValidationError(missing_settings)
    if spec.clean:
        import_string(spec.clean)(account)
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
    forget_accounts()  # this process's webhooks read the new secrets at once (others within 30 s)
    if spec.saved:
        import_string(spec.saved)(account)
    return account


def _clean_settings(spec: AccountKind, values: dict[str, Any]) -> dict[str, Any]:
    known = {setting.name: setting for setting in spec.settings}
    unknown = set(values) - set(known)
    if unknown:
        raise ValidationError(
            {"settings": _("Onbekende instelling: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
        )
    cleaned: dict[str, Any] = {}
    errors = {}
    for name, value in values.items():
        setting = known[name]
        try:
            cleaned[name] = _clean_setting(setting, value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_setting(setting: SettingSpec, value: Any) -> Any:
    if setting.type == "bool":
        if not isinstance(value, bool):
            raise ValidationError(_("Kies ja of nee."))
        return value
    if setting.type == "origins":
        lines = value.splitlines() if isinstance(value, str) else value
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise ValidationError(_("Geef de websites als lijst."))
        origins = [origin for line in lines if (origin := web_origin(line)) is not None]
        if setting.required and not origins:
            raise ValidationError(_("Vul ten minste één website in."))
        return list(dict.fromkeys(origins))
    if not isinstance(value, str):
        raise ValidationError(_("Vul tekst in."))
    return value.strip()[:1000]


def web_origin(text: str) -> str | None:
    """'https://www.Woonwinkel.nl/' → 'https://www.woonwinkel.nl'; '' → None; anything that is
    not an http(s) origin (a path, a wildcard, another scheme) → ValidationError."""
    text = text.strip().rstrip("/")
    if not text:
        return None
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or port == -1
        or "*" in text
    ):
        raise ValidationError(
            _("%(value)s is geen website-adres zoals https://www.woonwinkel.nl (zonder pad).") % {"value": text}
        )
    host = parts.hostname.encode("idna").decode() if not parts.hostname.isascii() else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def check_set_channel_account_active(membership: Membership, account: ChannelAccount, active: bool) -> ChannelAccount:
    """An inactive account answers its webhooks with 404 and sends nothing; what was stored stays."""
    _require_admin(membership, account)
    account.is_active = active
    account.save(update_fields=["is_active"])
    forget_accounts()
    return account
