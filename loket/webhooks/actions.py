"""Writes on webhooks: endpoints, and the deliveries an event fans out to."""

from __future__ import annotations

import secrets
from functools import partial

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Organization
from loket.events.models import Event
from loket.events.registry import EVENT_TYPES
from loket.webhooks.models import WebhookDelivery, WebhookEndpoint


def check_create_endpoint(
    membership: Membership, *, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    if not membership.is_admin:
        raise PermissionDenied
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": _("Gebruik een http(s)-adres.")})
    unknown = set(event_types) - set(EVENT_TYPES) - {"*"}
    if unknown or not event_types:
        raise ValidationError(
            {"event_types": _("Onbekende gebeurtenissen: %(types)s") % {"types": ", ".join(sorted(unknown)) or "—"}}
        )
    return do_create_endpoint(membership.organization, url=url, event_types=event_types, description=description)


def do_create_endpoint(
    organization: Organization, *, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        secret="whsec_" + secrets.token_urlsafe(32),
    )
    forget_subscriptions(organization.pk)
    return endpoint


def check_delete_endpoint(membership: Membership, endpoint: WebhookEndpoint) -> None:
    if not membership.is_admin or endpoint.organization_id != membership.organization_id:
        raise PermissionDenied
    endpoint.delete()
    forget_subscriptions(endpoint.organization_id)


def do_set_endpoint_active(endpoint: WebhookEndpoint, active: bool, *, error: str = "") -> WebhookEndpoint:
    endpoint.is_active = active
    endpoint.last_error = error
    endpoint.save(update_fields=["is_active", "last_error"])
    forget_subscriptions(endpoint.organization_id)
    return endpoint


# Which event types each organisation's active endpoints want, cached: every event asks, and
# most organisations have no endpoint for most events. Every change to an endpoint goes through
# an action here and forgets the entry; another process's cache may lag by at most the TTL.
SUBSCRIPTIONS_TTL_SECONDS = 30


def _subscriptions_key(organization_id: int) -> str:
    return f"webhooks:subscriptions:{organization_id}"


def forget_subscriptions(organization_id: int) -> None:
    cache.delete(_subscriptions_key(organization_id))


def _subscriptions(organization_id: int) -> list[tuple[int, list[str]]]:
    key = _subscriptions_key(organization_id)
    cached = cache.get(key)
    if cached is None:
        cached = list(
            WebhookEndpoint.objects.for_org(organization_id).filter(is_active=True).values_list("pk", "event_types")
        )
        cache.set(key, cached, SUBSCRIPTIONS_TTL_SECONDS)
    return cached


def do_enqueue_webhook_deliveries_for(events: list[Event]) -> list[WebhookDelivery]:
    """``do_enqueue_webhook_deliveries`` for the events of one transaction (subscriptions read once)."""
    subscriptions = {org_id: _subscriptions(org_id) for org_id in {event.organization_id for event in events}}
    deliveries = []
    for event in events:
        if _wanted(subscriptions[event.organization_id], event):
            deliveries += do_enqueue_webhook_deliveries(event)
    return deliveries


def _wanted(subscriptions: list[tuple[int, list[str]]], event: Event) -> list[int]:
    return [pk for pk, types in subscriptions if event.type in types or "*" in types]


def do_enqueue_webhook_deliveries(event: Event) -> list[WebhookDelivery]:
    """One delivery per endpoint that wants this event type, enqueued after commit."""
    wanted = _wanted(_subscriptions(event.organization_id), event)
    if not wanted:
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(pk__in=wanted) if e.wants(event.type)]
    from loket.webhooks.tasks import deliver_webhook

    with transaction.atomic():
        deliveries = [
            WebhookDelivery.objects.get_or_create(
                organization_id=event.organization_id,
                endpoint=endpoint,
                event=event,
                defaults={"next_attempt_at": timezone.now()},
            )[0]
            for endpoint in endpoints
        ]
        for delivery in deliveries:
            transaction.on_commit(partial(deliver_webhook.enqueue, delivery.pk))
    return deliveries
