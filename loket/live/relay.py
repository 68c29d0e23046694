"""Live updates without Redis: each ASGI server process relays committed events itself.

With ``REDIS_URL`` set, every process publishes its events to the Redis channel layer and all
servers receive them. Without Redis (the embedded default), the channel layer lives in one
process's memory and cannot hear the task worker, which is another process. So in that mode
each ASGI server polls the event log twice a second and publishes what is new to its own
in-memory layer: every event reaches every open screen within a second, wherever it was
written. (On PostgreSQL without Redis an event committed out of id order can be missed by
the relay; run PostgreSQL deployments with Redis.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections

from loket.events.models import Event
from loket.live.publish import live_events, messages_for

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.5


def _last_event_id() -> int:
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _events_after(last_id: int) -> list[tuple[int, int, int | None, str]]:
    return list(
        Event.objects.filter(live_events(), pk__gt=last_id)
        .order_by("pk")
        .values_list("pk", "organization_id", "case_id", "type")[:500]
    )


async def relay_events(stop: asyncio.Event) -> None:
    layer = get_channel_layer()
    last_id = await sync_to_async(_last_event_id)()
    while not stop.is_set():
        try:
            rows = await sync_to_async(_events_after)(last_id)
        except Exception:  # the database may be briefly unavailable; keep the relay alive
            logger.exception("live relay could not read events")
            rows = []
        for pk, org_id, case_id, type_ in rows:
            for group, payload in messages_for(type_, org_id, case_id):
                await layer.group_send(group, payload)
            last_id = pk
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=INTERVAL_SECONDS)
    # The polls ran in the server's sync thread: give its database connection back.
    await sync_to_async(connections.close_all)()
