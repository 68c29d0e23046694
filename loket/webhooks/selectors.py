from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from loket.accounts.models import Organization
from loket.webhooks.models import WebhookDelivery, WebhookEndpoint


def list_endpoints(organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_org(organization)


def access_endpoint(organization: Organization, endpoint_id: int | str) -> WebhookEndpoint:
    try:
        return list_endpoints(organization).get(pk=int(endpoint_id))
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")[:limit]
