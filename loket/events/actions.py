"""record_event: the one way a domain event is written and published."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from loket.events.models import Event
from loket.events.registry import get_event_type

if TYPE_CHECKING:
    from loket.accounts.models import Organization, User
    from loket.cases.models import Case
    from loket.customers.models import Customer


def record_event(
    organization: Organization,
    type: str,
    *,
    actor: User | None,
    case: Case | None = None,
    customer: Customer | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Write the audit row now; publish to the listeners once the transaction commits.

    Must be called inside the action's transaction, so that the row and the change it
    describes are committed together and listeners never see an event for a rolled-back write.
    """
    event = build_event(organization, type, actor=actor, case=case, customer=customer, data=data, at=at)
    event.save(force_insert=True)
    transaction.on_commit(lambda: _dispatch([event]))
    return event


def build_event(
    organization: Organization,
    type: str,
    *,
    actor: User | None,
    case: Case | None = None,
    customer: Customer | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """An unsaved event row; ``record_events`` writes many of them in one INSERT."""
    get_event_type(type)
    return Event(
        organization=organization,
        type=type,
        actor=actor if actor is not None and actor.is_authenticated else None,
        case=case,
        # Only the id: loading the case's customer here would cost a query on every message.
        customer_id=customer.pk if customer is not None else (case.customer_id if case is not None else None),
        data=data or {},
        # When it happened, if not now (a message received earlier); the row is written now.
        **({"created_at": at} if at is not None else {}),
    )


def record_events(events: list[Event]) -> list[Event]:
    """``record_event`` for a batch built with ``build_event``: one INSERT, each published on commit."""
    if not events:
        return events
    Event.objects.bulk_create(events)
    transaction.on_commit(lambda: _dispatch(events))
    return events


def _dispatch(events: list[Event]) -> None:
    from loket.events.listeners import dispatch

    dispatch(events)
