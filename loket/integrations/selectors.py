"""Reads of channel configuration and inbound traffic, scoped to one organisation."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from loket.accounts.models import Organization
from loket.integrations.models import InboundDelivery, Mailbox


def list_mailboxes(organization: Organization) -> QuerySet[Mailbox]:
    """The organisation's mailboxes with their queue: stored messages not yet on a case, and
    quarantined ones (failed), counted in the same query."""
    return (
        Mailbox.objects.for_org(organization)
        .select_related("team")
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=InboundDelivery.Status.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__status=InboundDelivery.Status.FAILED)),
        )
        .order_by("address")
    )


def access_mailbox(organization: Organization, mailbox_id: int | str) -> Mailbox:
    try:
        return Mailbox.objects.for_org(organization).get(pk=int(mailbox_id))
    except (Mailbox.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_quarantine(organization: Organization) -> QuerySet[InboundDelivery]:
    """Inbound messages that could not be put on a case, newest first (without their bytes)."""
    return (
        InboundDelivery.objects.for_org(organization)
        .filter(status=InboundDelivery.Status.FAILED)
        .select_related("mailbox")
        .defer("raw", "payload")
        .order_by("-received_at", "-pk")
    )


def access_quarantined(organization: Organization, delivery_id: int | str) -> InboundDelivery:
    try:
        return (
            InboundDelivery.objects.for_org(organization)
            .filter(status=InboundDelivery.Status.FAILED)
            .get(pk=int(delivery_id))
        )
    except (InboundDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
