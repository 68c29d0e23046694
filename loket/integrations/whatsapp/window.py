"""WhatsApp's customer-service window: 24 hours after the customer last wrote, the business
may send free-form messages; after that only an approved template (Meta answers 131047)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from loket.cases.models import Case, Message

WINDOW = timedelta(hours=24)


@dataclass
class ServiceWindow:
    last_message_at: datetime
    closes_at: datetime

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.closes_at


def service_window(case: Case, messages: Iterable[Message]) -> ServiceWindow | None:
    """The window, when WhatsApp is this case's channel (else None), from the case's messages
    the page has loaded anyway (no query).

    Meta counts per customer and business number; a WhatsApp message of the same customer on
    another case is not seen here. That is rare (new messages go to the customer's open case),
    and then the page warns of a closed window that WhatsApp would still honour.
    """
    if case.last_inbound_channel != "whatsapp":
        return None
    times = [m.created_at for m in messages if m.kind == Message.Kind.INBOUND and m.channel == "whatsapp"]
    if not times:
        return None
    last = max(times)
    return ServiceWindow(last_message_at=last, closes_at=last + WINDOW)


def current_window(case: Case) -> ServiceWindow | None:
    """The window from the database (one query): the customer's last WhatsApp message on this
    case, as ``service_window`` counts it; None when they never wrote on WhatsApp here."""
    last = (
        Message.objects.for_org(case.organization_id)
        .filter(case_id=case.pk, kind=Message.Kind.INBOUND, channel="whatsapp")
        .aggregate(last=Max("created_at"))["last"]
    )
    if last is None:
        return None
    return ServiceWindow(last_message_at=last, closes_at=last + WINDOW)
