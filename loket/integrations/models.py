"""Inbound traffic as it arrived, stored before it is acknowledged (DESIGN.md, "Channels are adapters").

An ``InboundDelivery`` is one message a channel received, in the channel-neutral form of
``InboundMessage``. It is written in one INSERT, idempotent on the provider's id, and only
then does the channel answer its provider (HTTP 2xx, SMTP 250 …). The inbound worker turns
pending deliveries into messages on cases, in batches; a delivery that cannot be processed
is retried with backoff and then kept as failed, with its reason, for an admin to look at.
"""

from __future__ import annotations

import json
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel
from loket.customers.models import Channel
from loket.lib.secrets import decrypt, encrypt


class InboundDelivery(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Wacht op verwerking")
        DONE = "done", _("Verwerkt")
        FAILED = "failed", _("Mislukt")

    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    external_id = models.CharField(_("bericht-id van de aanbieder"), max_length=255, blank=True)
    payload = models.JSONField(
        default=dict, blank=True, help_text="The InboundMessage as JSON (attachments base64); empty when raw."
    )
    raw = models.BinaryField(
        null=True, blank=True, help_text="The message as the provider sent it (an e-mail), parsed when processed."
    )
    mailbox = models.ForeignKey(
        "integrations.Mailbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    channel_account = models.ForeignKey(
        "integrations.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    message = models.ForeignKey("cases.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("binnengekomen bericht")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="inbounddelivery_unique_external_id",
            )
        ]
        indexes = [
            # The worker's claim: pending rows, oldest first; small, because done rows leave it.
            models.Index(
                fields=["next_attempt_at", "id"], condition=Q(status="pending"), name="inbounddelivery_pending"
            ),
            # The admin screens (queue per mailbox or account, the quarantine) read only rows that are not
            # done: a few, however many millions were processed.
            models.Index(
                fields=["mailbox", "status"],
                condition=Q(status__in=["pending", "failed"]),
                name="inbounddelivery_mailbox_open",
            ),
            models.Index(
                fields=["organization", "-received_at"],
                condition=Q(status="failed"),
                name="inbounddelivery_quarantine",
            ),
            models.Index(
                fields=["channel_account", "status"],
                condition=Q(status__in=["pending", "failed"]),
                name="inbounddelivery_account_open",
            ),
            # A channel account's last message (its health on the admin page).
            models.Index(fields=["channel_account", "-received_at"], name="inbounddelivery_account_last"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.external_id or self.pk} ({self.status})"


class Mailbox(TenantModel):
    """An e-mail address of the organisation: mail to it becomes a case for its team."""

    address = models.EmailField(_("adres"), unique=True, help_text=_("Wordt als kleine letters opgeslagen."))
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sender_name = models.CharField(_("afzendernaam"), max_length=120, blank=True)
    signature = models.TextField(_("handtekening"), blank=True)
    quote_history = models.BooleanField(
        _("vorig bericht citeren"), default=True, help_text=_("Onder een antwoord het bericht van de klant citeren.")
    )
    plus_addressing = models.BooleanField(
        _("zaaknummer in het antwoordadres"),
        default=True,
        help_text=_(
            "Antwoorden gaan naar adres+zaaknummer@domein, zodat een antwoord ook zonder onderwerp bij de zaak komt. "
            "Uitzetten als de mailserver zulke adressen niet aflevert."
        ),
    )
    send_acknowledgement = models.BooleanField(
        _("ontvangstbevestiging sturen"),
        default=False,
        help_text=_("Een nieuwe zaak krijgt meteen een automatisch antwoord met het zaaknummer."),
    )
    acknowledgement_text = models.TextField(
        _("tekst van de ontvangstbevestiging"),
        blank=True,
        help_text=_("Leeg: de standaardtekst. Te gebruiken: {naam}, {zaaknummer}, {onderwerp}, {reactietijd}."),
    )
    response_hours = models.PositiveSmallIntegerField(
        _("reactietijd in uren"), default=24, help_text=_("Wat de ontvangstbevestiging belooft.")
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mailbox")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MailboxDay(TenantModel):
    """What one mailbox received, rejected, sent and failed to send on one day (Europe/Amsterdam).

    Counted as the work happens (one upsert per batch of the inbound worker, one per sent
    mail), so the admin screens read seven rows per mailbox, whatever the volume.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    received = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "day"], name="mailboxday_unique_day")]


class ImapAccount(TenantModel):
    """An IMAP mailbox that Loket polls for its mailbox (instead of, or beside, the SMTP receiver).

    Loket fetches every message it has not seen (by UID, so a message read in another mail
    client is still fetched), stores it, remembers the highest UID, and then moves it to
    ``processed_folder`` (or, when that is empty, marks it seen). See email/imap.py.
    """

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS (poort 993)")
        STARTTLS = "starttls", _("STARTTLS (poort 143)")
        NONE = "none", _("Geen (alleen binnen een vertrouwd netwerk)")

    mailbox = models.OneToOneField(Mailbox, on_delete=models.CASCADE, related_name="imap")
    host = models.CharField(_("IMAP-server"), max_length=255)
    port = models.PositiveIntegerField(_("poort"), default=993)
    security = models.CharField(_("beveiliging"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("gebruikersnaam"), max_length=255)
    password_encrypted = models.TextField(blank=True, help_text="Fernet-encrypted (loket.lib.secrets).")
    folder = models.CharField(_("map"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("map voor verwerkte berichten"),
        max_length=255,
        blank=True,
        default="Loket/Verwerkt",
        help_text=_("Leeg: verwerkte berichten blijven staan en worden als gelezen gemarkeerd."),
    )
    # Where the poller is: the folder's UIDVALIDITY and the highest UID stored.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    # One poller at a time per account, whatever the number of poller processes.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    fetched_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("IMAP-account")

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


def _account_key() -> str:
    return secrets.token_urlsafe(18)


class ChannelAccount(TenantModel):
    """A number or widget of the organisation on a messaging channel (WhatsApp, SMS, web chat).

    Traffic arrives at ``/inbound/<kind>/<key>/``: the key names the account (and so the
    organisation and the secret that signs the traffic) without being a secret itself.
    WhatsApp: ``external_id`` is the Cloud API's phone_number_id; the app secret (signatures),
    the verify token (subscribing the webhook) and the access token (sending, media) are
    stored encrypted (loket.lib.secrets) and never shown back.
    SMS (Twilio): ``external_id`` is the Twilio number in E.164; the auth token (signatures,
    sending, media) is the secret; ``settings`` holds the Account SID and, optionally, the
    Messaging Service SID to send through (loket.integrations.sms.config).
    Chat widget: ``external_id`` is the key (a widget has no provider); ``settings`` holds the
    websites that may show it.
    """

    class Kind(models.TextChoices):
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")
        CHAT = "chat", _("Chatwidget")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("naam"), max_length=120)
    key = models.CharField(max_length=40, unique=True, default=_account_key, editable=False)
    external_id = models.CharField(
        _("id bij de aanbieder"),
        max_length=64,
        help_text=_("WhatsApp: het phone number id uit Meta's dashboard. SMS: het Twilio-nummer (E.164)."),
    )
    display_number = models.CharField(_("nummer"), max_length=32, blank=True)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    secrets_encrypted = models.TextField(blank=True, help_text="JSON, Fernet-encrypted (loket.lib.secrets).")
    settings = models.JSONField(
        default=dict, blank=True, help_text="What the kind lets an admin set (channel_accounts.ACCOUNT_KINDS)."
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kanaalaccount")
        ordering = ["kind", "name"]
        # One number reaches one organisation.
        constraints = [models.UniqueConstraint(fields=["kind", "external_id"], name="channelaccount_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def secret(self, name: str) -> str:
        """One stored secret ('' when not set); raises SecretUnreadable after a key change."""
        if not self.secrets_encrypted:
            return ""
        value = json.loads(decrypt(self.secrets_encrypted)).get(name, "")
        return str(value)

    def set_secrets(self, **values: str) -> None:
        """Change the given secrets; an empty value keeps the stored one."""
        current = json.loads(decrypt(self.secrets_encrypted)) if self.secrets_encrypted else {}
        current.update({name: value for name, value in values.items() if value})
        self.secrets_encrypted = encrypt(json.dumps(current))
