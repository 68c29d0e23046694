"""Background work for promises: the guard's periodic scan, and mailing notifications.

There is no scheduler: ``guard_promises`` claims its run on the ``GuardClock`` row
(``UPDATE … WHERE due_at <= now``: one run wins, whatever the number of workers) and enqueues
the next run in the same transaction, as ``integrations/whatsapp/tasks.py`` does. Start the
chain with ``manage.py promise_guard --schedule`` (or run ``manage.py promise_guard`` as its
own process, which loops).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from loket.promises.models import GuardClock, Notification

logger = logging.getLogger(__name__)

CLOCK = "promise-guard"


@task()
def guard_promises() -> str:
    from loket.promises.booking import send_due_reminders
    from loket.promises.guard import run_guard

    now = timezone.now()
    following = now + timedelta(seconds=settings.PROMISE_GUARD_SECONDS)
    with transaction.atomic():
        GuardClock.objects.get_or_create(name=CLOCK, defaults={"due_at": now})
        claimed = GuardClock.objects.filter(name=CLOCK).filter(Q(due_at__lte=now)).update(due_at=following)
        if not claimed:
            return "not due"
        guard_promises.using(run_after=following).enqueue()
    guarded = run_guard()
    reminded = send_due_reminders()
    return f"{guarded} promises, {reminded} booking reminders"


def schedule_guard() -> None:
    """Start the chain (idempotent: an extra chain finds the clock not due and ends)."""
    guard_promises.enqueue()


@task()
def mail_notifications(ids: list[int]) -> int:
    """Mail each notification to its recipient once (a retry skips the ones already mailed)."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "recipient", "case"
    ):
        address = notification.recipient.email
        if not address:
            continue
        subject = notification.text if len(notification.text) < 90 else notification.text[:87] + "…"
        link = ""
        if notification.link:
            link = f"\n\n{settings.SITE_URL}{notification.link}"
        elif notification.case_id:
            link = f"\n\n{settings.SITE_URL}/zaken/{notification.case_id}/"
        send_mail(subject, notification.text + link, settings.DEFAULT_FROM_EMAIL, [address])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
