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
        if event.type.startswith(LIVE_PREFIXES) and event.case_id:
            payload = {"type": "loket.event", "event": event.type, "case_id": event.case_id}
            messages += [(org_group(event.organization_id), payload), (case_group(event.case_id), payload)]
    if not messages:
        return
    future = asyncio.run_coroutine_threadsafe(_send(messages), _publisher_loop())
    future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
