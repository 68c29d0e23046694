"""Cases: one customer need from first contact to resolution, with one owner.

A case holds contacts (one session on one channel), messages within them, and handovers.
The timeline of a case is its messages plus its events (``loket.events.Event``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel
from loket.customers.models import Channel


class CaseSequence(TenantModel):
    """The last case number handed out per organisation and year (row-locked when used)."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="casesequence_unique_year")]


class Tag(TenantModel):
    name = models.CharField(_("naam"), max_length=60)

    class Meta:
        verbose_name = _("label")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Case(TenantModel):
    class Status(models.TextChoices):
        NEW = "new", _("Nieuw")
        OPEN = "open", _("Open")
        WAITING_CUSTOMER = "waiting_customer", _("Wacht op klant")
        WAITING_INTERNAL = "waiting_internal", _("Wacht intern")
        RESOLVED = "resolved", _("Opgelost")
        CLOSED = "closed", _("Gesloten")

    class Priority(models.TextChoices):
        LOW = "low", _("Laag")
        NORMAL = "normal", _("Normaal")
        HIGH = "high", _("Hoog")
        URGENT = "urgent", _("Urgent")

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_INTERNAL)
    DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

    number = models.CharField(_("zaaknummer"), max_length=20)
    subject = models.CharField(_("onderwerp"), max_length=250)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("prioriteit"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    reason = models.CharField(_("contactreden"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="cases")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_cases"
    )
    handover_count = models.PositiveIntegerField(default=0)
    contact_count = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_inbound_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("zaak")
        verbose_name_plural = _("zaken")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="case_unique_number"),
            # One owner, or (only while unassigned) a team queue that will pick one.
            models.CheckConstraint(condition=Q(owner__isnull=False) | Q(team__isnull=False), name="case_owner_or_team"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-updated_at"], name="case_org_status_upd"),
            models.Index(fields=["organization", "owner", "status", "-updated_at"], name="case_org_owner_status"),
            models.Index(fields=["organization", "team", "status", "-updated_at"], name="case_org_team_status"),
            models.Index(fields=["organization", "-updated_at"], name="case_org_updated"),
            models.Index(fields=["customer", "-created_at"], name="case_customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def first_contact_resolution(self) -> bool | None:
        """Resolved in one contact with no handover; None while the case is still open."""
        if self.status not in self.DONE_STATUSES:
            return None
        return self.contact_count <= 1 and self.handover_count == 0


class Contact(TenantModel):
    """One session on one channel within a case: a call, a chat, an e-mail exchange."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inkomend")
        OUTBOUND = "outbound", _("Uitgaand")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("richting"), max_length=10, choices=Direction.choices)
    identity = models.ForeignKey("customers.Identity", null=True, blank=True, on_delete=models.SET_NULL)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("klantcontact")
        verbose_name_plural = _("klantcontacten")
        indexes = [models.Index(fields=["case", "channel", "ended_at"], name="contact_case_open")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"


class Message(TenantModel):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("Inkomend")
        OUTBOUND = "outbound", _("Uitgaand")
        NOTE = "note", _("Interne notitie")

    class Delivery(models.TextChoices):
        NONE = "", _("—")
        QUEUED = "queued", _("In wachtrij")
        SENT = "sent", _("Verzonden")
        DELIVERED = "delivered", _("Afgeleverd")
        READ = "read", _("Gelezen")
        FAILED = "failed", _("Mislukt")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    identity = models.ForeignKey("customers.Identity", null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(_("tekst"), blank=True)
    html = models.TextField(_("opgemaakte tekst"), blank=True, help_text=_("Altijd gesaneerd (nh3)."))
    external_id = models.CharField(_("bericht-id van de aanbieder"), max_length=255, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True, help_text=_("Andere ontvangers (e-mail)."))
    # Written by a machine: an out-of-office reply or a bounce from outside, or Loket's own
    # acknowledgement. Never answered automatically, never reopens a resolved case by itself.
    automatic = models.BooleanField(_("automatisch"), default=False)
    delivery_status = models.CharField(max_length=10, choices=Delivery.choices, blank=True, default="")
    delivery_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bericht")
        verbose_name_plural = _("berichten")
        ordering = ["created_at", "id"]
        constraints = [
            # A provider's retry of the same message never creates a second one.
            models.UniqueConstraint(
                fields=["organization", "channel", "external_id"],
                condition=~Q(external_id=""),
                name="message_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["case", "created_at"], name="message_case_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"org-{instance.organization_id}/attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    # E-mail: the part's Content-ID, for an image the HTML shows inline (<img src="cid:…">).
    content_id = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("bijlage")

    def __str__(self) -> str:
        return self.filename


class Handover(TenantModel):
    """A change of case owner, with a reason. Counted: every handover is a cost to the customer."""

    class Reason(models.TextChoices):
        EXPERTISE = "expertise", _("Andere expertise nodig")
        ABSENCE = "absence", _("Afwezigheid of capaciteit")
        ESCALATION = "escalation", _("Escalatie")
        CUSTOMER = "customer", _("Op verzoek van de klant")
        OTHER = "other", _("Anders")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reden"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("toelichting"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("overdracht")
        verbose_name_plural = _("overdrachten")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user or self.to_team}"
