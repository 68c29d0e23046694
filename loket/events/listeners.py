"""The explicit list of what happens after an event is committed.

Adding a consumer of events means adding it here, never touching the action that emits.
Each listener gets the committed Event. A failing listener is logged and does not stop
the others: the write it follows has already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from loket.events.models import Event

logger = logging.getLogger(__name__)

Listener = Callable[[Event], None]


def _live_push(event: Event) -> None:
    from loket.live.publish import publish_event

    publish_event(event)


def _webhooks(event: Event) -> None:
    from loket.webhooks.actions import do_enqueue_webhook_deliveries

    do_enqueue_webhook_deliveries(event)


LISTENERS: list[Listener] = [_live_push, _webhooks]

# Tests capture events here (see loket.events.testing.capture_events).
_captured: list[list[Event]] = []


def dispatch(event: Event) -> None:
    """Hand the committed event (the object the action wrote, not a re-read) to every listener."""
    for sink in _captured:
        sink.append(event)
    for listener in LISTENERS:
        try:
            listener(event)
        except Exception:
            logger.exception("listener %s failed for event %s (%s)", listener.__name__, event.pk, event.type)
