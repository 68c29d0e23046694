"""Delivering one webhook, with retries and backoff for about three days."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from loket.lib import http
from loket.webhooks.actions import do_set_endpoint_active
from loket.webhooks.models import WebhookDelivery
from loket.webhooks.payloads import event_payload
from loket.webhooks.signing import sign

logger = logging.getLogger(__name__)

# Minutes to wait after attempt N fails: ~3 days in total before the delivery is given up.
BACKOFF_MINUTES = [1, 5, 30, 120, 360, 720, 1440, 1440]


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int) -> str:
    with transaction.atomic():
        # Claim the row: two workers never send the same attempt.
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event__organization", "event__case", "event__customer")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        endpoint = delivery.endpoint
        if not endpoint.is_active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.error = "Webhook is uitgeschakeld."
            delivery.save(update_fields=["status", "error"])
            return "failed"
        delivery.attempts += 1
        body = json.dumps(event_payload(delivery.event), cls=DjangoJSONEncoder).encode()
        timestamp = int(timezone.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            "X-Loket-Event": delivery.event.type,
            "X-Loket-Delivery": str(delivery.pk),
            "X-Loket-Signature": sign(endpoint.secret, timestamp, body),
        }
        try:
            response = http.post(endpoint.url, content=body, headers=headers)
            delivery.response_status = response.status
            delivery.response_body = response.body[:2000]
            delivery.error = "" if 200 <= response.status < 300 else f"HTTP {response.status}"
        except http.HttpError as exc:
            response = None
            delivery.response_status = None
            delivery.error = str(exc)[:2000]

        if response is not None and 200 <= response.status < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif response is not None and response.status == 410:
            # 410 Gone: the receiver asks us to stop. Disable the endpoint and say why.
            delivery.status = WebhookDelivery.Status.FAILED
            do_set_endpoint_active(endpoint, False, error="Ontvanger antwoordde 410 Gone; webhook uitgeschakeld.")
        elif delivery.attempts > len(BACKOFF_MINUTES):
            delivery.status = WebhookDelivery.Status.FAILED
            endpoint.last_error = delivery.error
            endpoint.save(update_fields=["last_error"])
        else:
            wait = timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1])
            delivery.next_attempt_at = timezone.now() + wait
            transaction.on_commit(
                lambda: deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery_id)
            )
        delivery.save()
    logger.info("webhook %s attempt %s: %s %s", delivery_id, delivery.attempts, delivery.status, delivery.error)
    return delivery.status
