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
    # WhatsApp: the business account (WABA) the number belongs to; its message templates are
    # fetched from there (whatsapp/templates.py) and its webhooks name it as the entry id.
    waba_id = models.CharField(
        _("WhatsApp Business-account-id"),
        max_length=64,
        blank=True,
        help_text=_("WhatsApp: het id van het WhatsApp Business-account (WABA), nodig om de sjablonen op te halen."),
    )
    templates_synced_at = models.DateTimeField(null=True, blank=True)
    templates_error = models.TextField(blank=True, help_text="Why the last fetch of the templates failed ('' if not).")
    # When the task worker fetches the templates next; a worker claims the fetch by moving it.
    templates_due_at = models.DateTimeField(null=True, blank=True)

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


class MessageTemplate(TenantModel):
    """A WhatsApp message template of one number, as Meta's WhatsApp Manager has it.

    Outside WhatsApp's 24-hour window a business may only send an approved template. Loket
    fetches the number's templates (``do_sync_templates``) and follows their status webhooks;
    ``components`` is what Meta returned, and ``body``/``parameters``/``unsupported`` are read
    from it (whatsapp/templates.py). A template that disappears upstream is kept, marked
    ``gone_at``: sent messages refer to it.
    """

    class Status(models.TextChoices):
        APPROVED = "APPROVED", _("Goedgekeurd")
        PENDING = "PENDING", _("In beoordeling")
        REJECTED = "REJECTED", _("Afgewezen")
        PAUSED = "PAUSED", _("Gepauzeerd")
        DISABLED = "DISABLED", _("Uitgeschakeld")
        IN_APPEAL = "IN_APPEAL", _("Bezwaar loopt")
        PENDING_DELETION = "PENDING_DELETION", _("Wordt verwijderd")
        DELETED = "DELETED", _("Verwijderd")
        ARCHIVED = "ARCHIVED", _("Gearchiveerd")
        LIMIT_EXCEEDED = "LIMIT_EXCEEDED", _("Limiet bereikt")

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="templates")
    external_id = models.CharField(_("id bij Meta"), max_length=64, blank=True)
    name = models.CharField(_("naam"), max_length=512)
    language = models.CharField(_("taal"), max_length=15, help_text=_("Zoals Meta hem schrijft: nl, en_US …"))
    category = models.CharField(_("categorie"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    status_reason = models.CharField(_("reden"), max_length=200, blank=True)
    # When Loket learned ``status`` (a fetch or a webhook): an older webhook changes nothing.
    status_at = models.DateTimeField(default=timezone.now)
    components = models.JSONField(default=list, blank=True, help_text="The components as Meta returns them.")
    body = models.TextField(_("tekst"), blank=True)
    parameters = models.JSONField(default=list, blank=True, help_text="The body's placeholders: '1', '2' or names.")
    unsupported = models.CharField(
        max_length=200, blank=True, help_text="Why Loket cannot send this template ('' when it can)."
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    gone_at = models.DateTimeField(null=True, blank=True, help_text="No longer in Meta's list.")

    class Meta:
        verbose_name = _("WhatsApp-sjabloon")
        verbose_name_plural = _("WhatsApp-sjablonen")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "language"], name="messagetemplate_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def is_sendable(self) -> bool:
        return self.status == self.Status.APPROVED and self.gone_at is None and not self.unsupported


class SentTemplate(TenantModel):
    """The template an outbound WhatsApp message was sent as.

    The message's text is the template filled in (what the customer read, on the timeline);
    this row holds what the Graph API needs: the name, the language and the parameters, as
    sent (kept should the template itself change or go).
    """

    message = models.OneToOneField("cases.Message", on_delete=models.CASCADE, related_name="whatsapp_template")
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=15)
    parameters = models.JSONField(default=dict, blank=True, help_text="Placeholder → text, in order.")

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class LeftMessage(TenantModel):
    """A message a chat visitor left while the chat was closed or nobody was available.

    The message itself is an ordinary inbound chat message on the visitor's case; this row says
    that the visitor is not waiting in the chat but wants the answer by e-mail or SMS, at the
    address given. While it is the latest chat message of its case, a reply to the case goes
    out on ``reply_by`` (``ChatAdapter.reply_instead``), which is also the composer's default.
    """

    class Reason(models.TextChoices):
        CLOSED = "closed", _("buiten de openingstijden")
        UNAVAILABLE = "unavailable", _("niemand beschikbaar")

    message = models.OneToOneField("cases.Message", on_delete=models.CASCADE, related_name="left_message")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    reply_by = models.CharField(_("antwoord per"), max_length=10, choices=[("email", "E-mail"), ("sms", "SMS")])
    address = models.CharField(_("adres"), max_length=320, help_text=_("Het e-mailadres of mobiele nummer (E.164)."))
    reason = models.CharField(_("reden"), max_length=12, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("achtergelaten bericht")
        verbose_name_plural = _("achtergelaten berichten")

    def __str__(self) -> str:
        return f"{self.message_id} → {self.reply_by}"
