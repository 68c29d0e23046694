"""Outgoing webhooks: where an organisation wants its events delivered, and every attempt."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel


class WebhookEndpoint(TenantModel):
    url = models.URLField(_("adres"), max_length=500)
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    event_types = models.JSONField(_("gebeurtenissen"), default=list)
    secret = models.CharField(max_length=80, help_text=_("Sleutel voor de HMAC-SHA256-handtekening."))
    is_active = models.BooleanField(_("actief"), default=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and (event_type in self.event_types or "*" in self.event_types)


class WebhookDelivery(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Bezig")
        DELIVERED = "delivered", _("Afgeleverd")
        FAILED = "failed", _("Mislukt")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhookdelivery_unique_event"),
        ]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhookdelivery_endpoint")]
