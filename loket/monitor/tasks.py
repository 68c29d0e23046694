"""Background work of the monitor: invitations after a contact, alert evaluation, notification."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.accounts.models import Membership, Role
from loket.cases.models import Case
from loket.monitor.actions import do_evaluate_alerts, do_invite_after_contact
from loket.monitor.models import Alert, Response

logger = logging.getLogger(__name__)


@task()
def invite_after_contact(case_id: int, channel: str, trigger: str, ended_at: str, key: str) -> str:
    """Enqueued by the listener when a contact ends; runs within seconds (the 60-second promise)."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return "gone"
    invitation, reason = do_invite_after_contact(
        case, channel=channel, trigger=trigger, ended_at=datetime.fromisoformat(ended_at), key=key
    )
    return f"invited {invitation.pk}" if invitation is not None else f"skipped: {reason}"


@task()
def evaluate_alerts(response_id: int) -> str:
    response = Response.objects.filter(pk=response_id).first()
    if response is None:
        return "gone"
    raised = do_evaluate_alerts(response)
    return f"raised {[a.pk for a in raised]}"


@task()
def recheck_alert(alert_id: int) -> str:
    """Every few minutes while a time-window alarm is open: resolved once the window recovers."""
    from datetime import timedelta

    from django.utils import timezone

    from loket.monitor.actions import RECHECK_MINUTES, do_recheck_alert

    alert = Alert.objects.select_related("rule", "organization").filter(pk=alert_id).first()
    if alert is None:
        return "gone"
    if do_recheck_alert(alert):
        recheck_alert.using(run_after=timezone.now() + timedelta(minutes=RECHECK_MINUTES)).enqueue(alert_id)
        return "still open"
    return "done"


def alert_recipients(alert: Alert) -> list[int]:
    """The team's leads (the rule's team, else every lead), and the admins when there are none."""
    members = Membership.objects.for_org(alert.organization_id).filter(is_active=True, user__is_active=True)
    leads = members.filter(role=Role.LEAD)
    if alert.rule.team_id:
        leads = leads.filter(user__teams=alert.rule.team_id)
    users = list(leads.values_list("user_id", flat=True))
    if not users:
        users = list(members.filter(role=Role.ADMIN).values_list("user_id", flat=True))
    return sorted(set(users))


@task()
def notify_alert(alert_id: int) -> str:
    """Tell the team leads about a raised alarm under Meldingen in the desk, and by e-mail (the
    notifications' mail task; the webhooks have the event)."""
    from django.urls import reverse

    from loket.promises.models import Notification
    from loket.promises.notify import do_notify

    alert = Alert.objects.select_related("rule", "organization").filter(pk=alert_id).first()
    if alert is None:
        return "gone"
    recipients = alert_recipients(alert)
    if not recipients:
        return "nobody"
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "Alarm “%(rule)s”: %(value).1f over %(n)s reacties (drempel %(threshold)s). "
            "Bekijk de reacties die het veroorzaakten en neem het alarm in behandeling."
        ) % {"rule": alert.rule.name, "value": alert.value, "n": alert.sample, "threshold": alert.rule.threshold}
    link = reverse("monitor:alert", args=[alert.pk])
    do_notify(alert.organization_id, recipients, Notification.Kind.ALERT, text, link=link)
    return f"notified {len(recipients)}"
