"""ASGI lifespan: starts the live relay (see relay.py) when the server starts without Redis."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings


async def lifespan_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if settings.LIVE_RELAY:
                from loket.live.relay import relay_events

                task = asyncio.create_task(relay_events(stop))
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            stop.set()
            if task is not None:
                await task
            await send({"type": "lifespan.shutdown.complete"})
            return
