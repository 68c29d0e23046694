"""docs/events.md is generated from the registry, so the catalogue and the docs never drift."""

from __future__ import annotations

from django.utils import translation

from loket.events.registry import EVENT_TYPES

HEADER = """# Domain events

Every state change in Loket records one event (`loket/events/registry.py`). Events are the
audit trail, feed the case timeline, push live updates to agent screens and are delivered to
outgoing webhooks (see `docs/api.md`, "Webhooks"). This file is generated:
`python manage.py write_events_doc` (a test fails when it is out of date).

Every payload has `id`, `type`, `created_at`, `organization`, `actor_id`, `data`, and `case`
(`id`, `number`, `status`) and/or `customer` (`id`, `status`) where the event concerns them.

| type | when | on the case timeline |
|---|---|---|
"""


def render_events_doc() -> str:
    with translation.override("nl"):
        rows = [f"| `{t.name}` | {t.description} | {'ja' if t.on_timeline else 'nee'} |" for t in EVENT_TYPES.values()]
    return HEADER + "\n".join(rows) + "\n"
