"""Reads on the event log."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from loket.accounts.models import Organization
from loket.events.models import Event


def list_events(
    organization: Organization, *, type: str = "", case_id: int | None = None, since: datetime | None = None
) -> QuerySet[Event]:
    """The organisation's events (optionally of one type, one case, from a moment), unordered."""
    events = Event.objects.for_org(organization).select_related("organization", "case", "customer")
    if type:
        events = events.filter(type=type)
    if case_id is not None:
        events = events.filter(case_id=case_id)
    if since is not None:
        events = events.filter(created_at__gte=since)
    return events
