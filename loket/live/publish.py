"""Pushing committed events to the agent screens that show them (Django Channels groups).

Groups: ``org-{id}`` (inbox views of every member) and ``case-{id}`` (open case views).
Only ids and the event type travel; each screen re-reads what it shows through its own
organisation-scoped view, so nothing of another tenant can leak through the stream.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Q

from loket.events.models import Event

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


# Events that change what a case screen or the inbox shows.
LIVE_PREFIXES = ("case.", "promise.")


def org_group(organization_id: int) -> str:
    return f"org-{organization_id}"


def case_group(case_id: int) -> str:
    return f"case-{case_id}"


# Events of the monitor reach the organisation's screens too (its dashboard and alarm pages).
MONITOR_PREFIXES = ("survey.answered", "survey.completed", "alert.")


def is_live(event_type: str, case_id: int | None) -> bool:
    return (event_type.startswith(LIVE_PREFIXES) and bool(case_id)) or event_type.startswith(MONITOR_PREFIXES)


def live_events() -> Q:
    """``is_live`` as a filter on the event log (the relay reads the events with it)."""
    condition = Q()
    for prefix in LIVE_PREFIXES:
        condition |= Q(type__startswith=prefix, case__isnull=False)
    for prefix in MONITOR_PREFIXES:
        condition |= Q(type__startswith=prefix)
    return condition


def messages_for(event_type: str, organization_id: int, case_id: int | None) -> list[tuple[str, dict[str, Any]]]:
    """Where one event goes: the organisation's group, and the case's group when it has a case."""
    payload = {"type": "loket.event", "event": event_type, "case_id": case_id}
    result = [(org_group(organization_id), payload)]
    if case_id:
        result.append((case_group(case_id), payload))
    return result


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One long-lived event loop per process for publishing from synchronous code.

    ``async_to_sync`` outside a server starts a new loop per call, and the Redis layer opens
    a new connection per loop: a task worker would connect to Redis for every event. This loop
    keeps one connection for the life of the process.
    """
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="loket-live-publisher", daemon=True).start()
        return _loop


async def _send(messages: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group, payload in messages:
        await layer.group_send(group, payload)


def publish_events(events: list[Event]) -> None:
    """Publish through Redis. Without Redis the relay in each server process does it instead.

    One hop to the publisher loop for all events of a transaction; the caller waits until
    they are handed to Redis (at most PUBLISH_TIMEOUT_SECONDS).
    """
    if settings.LIVE_RELAY:
        return
    messages = []
    for event in events:
        if is_live(event.type, event.case_id):
            messages += messages_for(event.type, event.organization_id, event.case_id)
    if not messages:
        return
    future = asyncio.run_coroutine_threadsafe(_send(messages), _publisher_loop())
    future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
