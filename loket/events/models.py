"""The event log: one row per domain event. It is the audit trail and feeds the timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from loket.accounts.models import TenantModel


class Event(TenantModel):
    type = models.CharField(max_length=60)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="event_case_created"),
            models.Index(fields=["organization", "type", "created_at"], name="event_org_type_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
