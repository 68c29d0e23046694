"""Background work for cases: handing outbound messages to their channel (the outbox)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from loket.cases.actions import do_mark_delivery
from loket.cases.models import Message
from loket.integrations.base import DeliveryError
from loket.integrations.registry import get_adapter

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


@task()
def deliver_message(message_id: int, attempt: int = 1) -> str:
    """Send one queued outbound message; retry transient errors with backoff, then fail visibly."""
    message = Message.objects.select_related("case__organization").get(pk=message_id)
    if message.delivery_status != Message.Delivery.QUEUED:
        return message.delivery_status  # already handled by an earlier run
    adapter = get_adapter(message.channel)
    if adapter is None:
        do_mark_delivery(
            message, Message.Delivery.FAILED, f"Kanaal '{message.get_channel_display()}' is niet gekoppeld."
        )
        return Message.Delivery.FAILED
    try:
        provider_id = adapter.send(message)
    except Exception as exc:
        if isinstance(exc, DeliveryError):
            error = exc
        else:  # a defect, or a failure the adapter does not know: retried, and failed visibly in the end
            logger.exception("delivery of message %s raised", message_id)
            error = DeliveryError(f"{type(exc).__name__}: {exc}"[:500], permanent=False)
        if error.permanent or attempt >= MAX_ATTEMPTS:
            do_mark_delivery(message, Message.Delivery.FAILED, error.reason)
            return Message.Delivery.FAILED
        delay = timedelta(seconds=30 * 2 ** (attempt - 1))
        deliver_message.using(run_after=timezone.now() + delay).enqueue(message_id, attempt + 1)
        logger.warning("delivery of message %s failed (attempt %s), retrying: %s", message_id, attempt, error.reason)
        return "retrying"
    if provider_id and not message.external_id:
        Message.objects.filter(pk=message.pk).update(external_id=provider_id[:255])
    do_mark_delivery(message, Message.Delivery.SENT)
    return Message.Delivery.SENT
