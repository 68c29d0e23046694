"""Pushing committed events to the agent screens that show them (Django Channels groups).

Groups: ``org-{id}`` (inbox views of every member) and ``case-{id}`` (open case views).
Only ids and the event type travel; each screen re-reads what it shows through its own
organisation-scoped view, so nothing of another tenant can leak through the stream.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from loket.events.models import Event

logger = logging.getLogger(__name__)


def org_group(organization_id: int) -> str:
    return f"org-{organization_id}"


def case_group(case_id: int) -> str:
    return f"case-{case_id}"


def publish_event(event: Event) -> None:
    """Publish through Redis. Without Redis the relay in each server process does it instead."""
    if settings.LIVE_RELAY or not (event.type.startswith("case.") and event.case_id):
        return
    layer = get_channel_layer()
    if layer is None:
        return
    payload = {"type": "loket.event", "event": event.type, "case_id": event.case_id}
    async_to_sync(layer.group_send)(org_group(event.organization_id), payload)
    async_to_sync(layer.group_send)(case_group(event.case_id), payload)
