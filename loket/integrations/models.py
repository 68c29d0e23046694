"""Inbound traffic as it arrived, stored before it is acknowledged (DESIGN.md, "Channels are adapters").

An ``InboundDelivery`` is one message a channel received, in the channel-neutral form of
``InboundMessage``. It is written in one INSERT, idempotent on the provider's id, and only
then does the channel answer its provider (HTTP 2xx, SMTP 250 …). The inbound worker turns
pending deliveries into messages on cases, in batches; a delivery that cannot be processed
is retried with backoff and then kept as failed, with its reason, for an admin to look at.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel
from loket.customers.models import Channel


class InboundDelivery(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Wacht op verwerking")
        DONE = "done", _("Verwerkt")
        FAILED = "failed", _("Mislukt")

    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    external_id = models.CharField(_("bericht-id van de aanbieder"), max_length=255, blank=True)
    payload = models.JSONField(help_text="The InboundMessage as JSON (attachments base64).")
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
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.external_id or self.pk} ({self.status})"
