"""Test helper: capture the events that an action publishes (after commit)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from loket.events import listeners
from loket.events.models import Event


@contextmanager
def capture_events() -> Iterator[list[Event]]:
    sink: list[Event] = []
    listeners._captured.append(sink)
    try:
        yield sink
    finally:
        listeners._captured.remove(sink)
