"""The explicit list of what happens after an event is committed.

Adding a consumer of events means adding it here, never touching the action that emits.
Each listener gets the committed events of one transaction. A failing listener is logged and does not stop
the others: the write it follows has already happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from loket.events.models import Event

logger = logging.getLogger(__name__)

Listener = Callable[[list[Event]], None]


def _live_push(events: list[Event]) -> None:
    from loket.live.publish import publish_events

    publish_events(events)


def _webhooks(events: list[Event]) -> None:
    from loket.webhooks.actions import do_enqueue_webhook_deliveries_for

    do_enqueue_webhook_deliveries_for(events)


def _surveys(events: list[Event]) -> None:
    from loket.monitor.listeners import invite_after_contacts

    invite_after_contacts(events)


def _promises(events: list[Event]) -> None:
    from loket.promises.listeners import on_events

    on_events(events)


LISTENERS: list[Listener] = [_live_push, _webhooks, _promises, _surveys]

# Tests capture events here (see loket.events.testing.capture_events).
_captured: list[list[Event]] = []


def dispatch(events: list[Event]) -> None:
    """Hand the committed events (the objects the action wrote, not a re-read) to every listener.

    A listener gets all events one transaction committed at once (one, or a batch of received
    messages), so that it can publish them together.
    """
    for sink in _captured:
        sink.extend(events)
    for listener in LISTENERS:
        try:
            listener(events)
        except Exception:
            logger.exception(
                "listener %s failed for events %s", listener.__name__, [(e.pk, e.type) for e in events[:10]]
            )
