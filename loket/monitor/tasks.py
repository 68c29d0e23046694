"""Background work of the monitor: invitations after a contact, alert evaluation, notification."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
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


def alert_recipients(alert: Alert) -> list[str]:
    """The team's leads (the rule's team, else every lead), and the admins when there are none."""
    members = Membership.objects.for_org(alert.organization_id).filter(is_active=True).select_related("user")
    leads = members.filter(role=Role.LEAD)
    if alert.rule.team_id:
        leads = leads.filter(user__teams=alert.rule.team_id)
    addresses = [m.user.email for m in leads if m.user.email]
    if not addresses:
        addresses = [m.user.email for m in members.filter(Q(role=Role.ADMIN)) if m.user.email]
    return sorted(set(addresses))


@task()
def notify_alert(alert_id: int) -> str:
    """E-mail the team leads about a raised alarm (the desk and the webhooks have the event)."""
    alert = Alert.objects.select_related("rule", "organization").filter(pk=alert_id).first()
    if alert is None:
        return "gone"
    recipients = alert_recipients(alert)
    if not recipients:
        return "nobody"
    from django.urls import reverse

    link = settings.SITE_URL + reverse("monitor:alert", args=[alert.pk])
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Alarm: %(rule)s (%(org)s)") % {"rule": alert.rule.name, "org": alert.organization.name}
        body = _(
            "De alarmregel “%(rule)s” is afgegaan: %(value).1f over %(n)s reacties (drempel %(threshold)s).\n\n"
            "Bekijk de reacties die het veroorzaakten en neem het alarm in behandeling:\n%(link)s"
        ) % {
            "rule": alert.rule.name,
            "value": alert.value,
            "n": alert.sample,
            "threshold": alert.rule.threshold,
            "link": link,
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return f"sent to {len(recipients)}"
