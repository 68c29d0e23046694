"""The JSON body of a webhook (and of the API's event list) for one event."""

from __future__ import annotations

from typing import Any

from loket.events.models import Event


def event_payload(event: Event) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": event.pk,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "organization": event.organization.slug,
        "actor_id": event.actor_id,
        "data": event.data,
    }
    if event.case_id is not None:
        payload["case"] = {"id": event.case_id, "number": event.case.number, "status": event.case.status}  # type: ignore[union-attr]
    if event.customer_id is not None:
        payload["customer"] = {"id": event.customer_id, "status": event.customer.status}  # type: ignore[union-attr]
    return payload
