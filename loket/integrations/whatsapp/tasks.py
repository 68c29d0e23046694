"""Background work for WhatsApp: fetching each number's message templates every few hours.

There is no scheduler: each run schedules the next (``run_after``, as the outbox schedules
its retries). A run first claims the fetch by moving the account's ``templates_due_at`` on
(``UPDATE … WHERE templates_due_at <= now``: one run wins, whatever the number of workers)
and enqueues the next run in the same transaction, so a fetch that fails, or a worker that
dies, never ends the chain. Extra chains (``do_schedule_template_sync`` is called freely:
by the account command, on a template webhook Loket cannot place, after Meta refuses a
template) find the fetch not due and end, so there is always one.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from loket.integrations.models import ChannelAccount

logger = logging.getLogger(__name__)


@task()
def sync_templates(account_id: int) -> str:
    from loket.integrations.whatsapp.actions import TemplateSyncError, do_sync_templates

    now = timezone.now()
    following = now + timedelta(hours=settings.WHATSAPP_TEMPLATE_SYNC_HOURS)
    with transaction.atomic():
        claimed = (
            ChannelAccount.objects.filter(pk=account_id, kind=ChannelAccount.Kind.WHATSAPP, is_active=True)
            .exclude(waba_id="")
            .filter(Q(templates_due_at__isnull=True) | Q(templates_due_at__lte=now))
            .update(templates_due_at=following)
        )
        if not claimed:
            return "not due"
        sync_templates.using(run_after=following).enqueue(account_id)
    account = ChannelAccount.objects.get(pk=account_id)
    try:
        result = do_sync_templates(account)
    except TemplateSyncError as error:
        logger.warning("whatsapp: templates of account %s could not be fetched: %s", account_id, error.reason)
        return "failed"
    return str(result)
