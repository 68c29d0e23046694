"""Promises (Toezeggingen): every commitment to a customer, with an owner and a due window.

A promise belongs to a case and has one owner, who follows the case's owner on a handover
unless the promise is pinned to someone. Its window runs from ``due_from`` (empty for a plain
deadline) until ``due_until``. The guard (``guard.py``) keeps one column, ``next_check_at``:
the next moment something must happen to the promise (a reminder, an escalation because it
is at risk, breaking it), NULL once nothing will. The scan reads only rows whose
``next_check_at`` has passed, through a partial index, so its cost does not grow with the
number of kept and broken promises in the table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel
from loket.customers.models import Channel


class Promise(TenantModel):
    class Kind(models.TextChoices):
        CALLBACK = "callback", _("Terugbellen")
        REPLY = "reply", _("Antwoord")
        PICKUP = "pickup", _("Ophalen")
        DELIVERY = "delivery", _("Levering")
        REPLACEMENT = "replacement", _("Vervanging")
        REFUND = "refund", _("Terugbetaling")
        VISIT = "visit", _("Bezoek")
        OTHER = "other", _("Anders")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Nagekomen")
        BROKEN = "broken", _("Gebroken")
        CANCELLED = "cancelled", _("Geannuleerd")
        RENEGOTIATED = "renegotiated", _("Opnieuw afgesproken")

    class Source(models.TextChoices):
        DESK = "desk", _("Desk")
        API = "api", _("API")
        BOOKING = "booking", _("Door de klant geboekt")
        SYSTEM = "system", _("Loket")

    # Kinds an outside system (a carrier, the ERP) reports on.
    EXTERNAL_KINDS = (Kind.PICKUP, Kind.DELIVERY, Kind.REPLACEMENT, Kind.REFUND, Kind.VISIT)

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="promises")
    kind = models.CharField(_("soort"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("wat is toegezegd"), help_text=_("In de woorden van de klant."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises"
    )
    # A pinned promise keeps its owner when the case is handed over.
    owner_pinned = models.BooleanField(_("eigenaar vast"), default=False)
    due_from = models.DateTimeField(_("vanaf"), null=True, blank=True)
    due_until = models.DateTimeField(_("uiterlijk"))
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices, blank=True)
    phone = models.CharField(_("telefoonnummer"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(_("reden"), blank=True, help_text=_("Waarom geannuleerd of niet na te komen."))
    external_ref = models.CharField(_("kenmerk extern systeem"), max_length=120, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DESK)
    # The promise this one replaced (renegotiation keeps the history as a chain).
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    # What kept it: the contact (a call or a message) inside the window, or the reply.
    kept_by_contact = models.ForeignKey(
        "cases.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="promises_kept"
    )
    kept_by_message = models.ForeignKey(
        "cases.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="promises_kept"
    )
    kept_at = models.DateTimeField(null=True, blank=True)
    broken_at = models.DateTimeField(null=True, blank=True)
    # A "kept" that came after the promise was broken: recorded, never hiding the break.
    kept_late_at = models.DateTimeField(null=True, blank=True)
    # Reported by an outside party that it cannot be kept (replacement unavailable).
    cannot_keep_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The guard's schedule: when each step is due and when it happened.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    risk_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    broken_escalated_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("toezegging")
        verbose_name_plural = _("toezeggingen")
        ordering = ["due_until", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_from__isnull=True) | Q(due_from__lt=models.F("due_until")),
                name="promise_window_starts_before_it_ends",
            ),
        ]
        indexes = [
            # The guard's scan: only promises with a step still to come are in this index.
            models.Index(fields=["next_check_at"], condition=Q(next_check_at__isnull=False), name="promise_next_check"),
            models.Index(fields=["case", "status", "due_until"], name="promise_case_status_due"),
            models.Index(fields=["organization", "status", "due_until"], name="promise_org_status_due"),
            models.Index(fields=["organization", "owner", "status"], name="promise_org_owner_status"),
            models.Index(fields=["organization", "external_ref"], name="promise_org_external_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_until:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_deadline(self) -> bool:
        return self.due_from is None

    @property
    def whole_days(self) -> bool:
        """A window of whole days in Amsterdam ("ophalen op donderdag"): shown as dates, not times."""
        if self.due_from is None:
            return False
        start, end = timezone.localtime(self.due_from), timezone.localtime(self.due_until)
        return start.time() == end.time() == start.time().replace(hour=0, minute=0, second=0, microsecond=0)

    def at_risk(self, now: object = None) -> bool:
        """Open, and its escalation moment has passed (or it was reported not to be kept)."""
        moment = now or timezone.now()
        return self.is_open and (
            self.cannot_keep_at is not None or (self.risk_at is not None and self.risk_at <= moment)  # type: ignore[operator]
        )


class PromiseChange(TenantModel):
    """One step in a promise's history: made, owner changed, kept, broken, renegotiated …"""

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="changes")
    what = models.CharField(max_length=30)
    status = models.CharField(max_length=12, choices=Promise.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["promise", "created_at"], name="promisechange_promise")]

    def __str__(self) -> str:
        return f"{self.promise_id} {self.what}"


class PromisePolicy(TenantModel):
    """When the guard reminds and escalates for one kind of promise (defaults in ``guard.DEFAULTS``)."""

    kind = models.CharField(_("soort"), max_length=12, choices=Promise.Kind.choices)
    remind_minutes = models.PositiveIntegerField(_("herinneren, minuten voor het venster opent"))
    risk_minutes = models.PositiveIntegerField(_("escaleren, minuten voor het venster sluit"), default=0)
    risk_working_days = models.PositiveSmallIntegerField(_("escaleren, werkdagen voor de datum"), default=0)

    class Meta:
        verbose_name = _("bewaking van toezeggingen")
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="promisepolicy_unique_kind")]

    def __str__(self) -> str:
        return self.kind


class Notification(TenantModel):
    """A message to one person at the desk (and by e-mail): a reminder, an escalation, an alert."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Herinnering")
        AT_RISK = "at_risk", _("Dreigt niet nagekomen te worden")
        BROKEN = "broken", _("Gebroken")
        CANNOT_KEEP = "cannot_keep", _("Kan niet worden nagekomen")
        BOOKED = "booked", _("Terugbelverzoek geboekt")
        ALERT = "alert", _("Alarm")  # the monitor's (loket/monitor): satisfaction dropped

    # Sent once per promise, person and kind: the guard's steps.
    ONCE = (Kind.REMINDER, Kind.AT_RISK, Kind.BROKEN)

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    promise = models.ForeignKey(Promise, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Where it leads when it is not about a case (an alarm's page): a path on Loket's own site.
    link = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    as_lead = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["promise", "recipient", "kind"],
                condition=Q(kind__in=["reminder", "at_risk", "broken"]),
                name="notification_once_per_step",
            )
        ]
        indexes = [models.Index(fields=["recipient", "organization", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class BookingLink(TenantModel):
    """A link a customer books a callback with (and later moves or cancels it with).

    The URL carries a signed token naming this row; the row holds the one booking it may make.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="booking_links")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    nonce = models.CharField(max_length=32, unique=True)
    promise = models.OneToOneField(
        Promise, null=True, blank=True, on_delete=models.SET_NULL, related_name="booking_link"
    )
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_up_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("boekingslink")

    def __str__(self) -> str:
        return f"booking {self.pk}"


class PromiseReporter(TenantModel):
    """An outside system (a carrier, the ERP) that reports on promises through a signed webhook."""

    name = models.CharField(_("naam"), max_length=120)
    key = models.CharField(max_length=40, unique=True)
    secret = models.TextField()  # encrypted (loket.lib.secrets)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("melder van toezeggingen")

    def __str__(self) -> str:
        return self.name


class GuardClock(models.Model):
    """When the guard's periodic task next runs (one row): a run claims it with
    ``UPDATE … WHERE due_at <= now``, so one chain of tasks survives any number of workers."""

    name = models.CharField(max_length=40, unique=True)
    due_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
