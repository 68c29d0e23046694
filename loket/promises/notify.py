"""Notifications to the desk (and by e-mail): who hears about a promise, and what they read.

A notification is stored with the change that causes it (in the same transaction) and its
e-mail goes out from a task after commit, so a rolled-back escalation never mails anyone and
a mail server that is down never holds up the guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Role, User
from loket.promises.models import Notification, Promise

if TYPE_CHECKING:
    from loket.cases.models import Case


def team_leads(organization_id: int, team_ids: Iterable[int | None]) -> dict[int | None, list[int]]:
    """The team leads (role lead or admin) of each team; a team without one: the organisation's leads.

    One query for any number of teams (the guard asks once per batch).
    """
    wanted = set(team_ids)
    rows = Membership.objects.filter(
        organization_id=organization_id, is_active=True, role__in=(Role.LEAD, Role.ADMIN), user__is_active=True
    ).values_list("user_id", "user__teams")
    everyone: set[int] = set()
    by_team: dict[int | None, set[int]] = {}
    for user_id, team_id in rows:
        everyone.add(user_id)
        if team_id in wanted:
            by_team.setdefault(team_id, set()).add(user_id)
    return {team: sorted(by_team.get(team) or everyone) for team in wanted}


def when(promise: Promise) -> str:
    """The window as the desk says it: "28-11-2026 14:00 to 14:30", or "uiterlijk 28-11-2026 17:00"."""
    until = timezone.localtime(promise.due_until)
    if promise.due_from is None:
        return _("uiterlijk %(until)s") % {"until": formats.date_format(until, "SHORT_DATETIME_FORMAT")}
    start = timezone.localtime(promise.due_from)
    end = (
        formats.time_format(until, "H:i")
        if start.date() == until.date()
        else formats.date_format(until, "SHORT_DATETIME_FORMAT")
    )
    return f"{formats.date_format(start, 'SHORT_DATETIME_FORMAT')}\u2013{end}"  # an en dash


def text_for(kind: str, promise: Promise, case: Case, *, as_lead: bool = False, reason: str = "") -> str:
    subject = {
        "kind": promise.get_kind_display().lower(),
        "number": case.number,
        "when": when(promise),
        "description": promise.description,
        "reason": reason,
    }
    if kind == Notification.Kind.REMINDER:
        return _("Herinnering: %(kind)s voor %(number)s, %(when)s: %(description)s") % subject
    if kind == Notification.Kind.AT_RISK:
        return _("Dreigt niet nagekomen te worden: %(kind)s voor %(number)s, %(when)s: %(description)s") % subject
    if kind == Notification.Kind.BROKEN and as_lead:
        return _("Toezegging gebroken: %(kind)s voor %(number)s, %(when)s: %(description)s") % subject
    if kind == Notification.Kind.BROKEN:
        return (
            _(
                "Je toezegging is gebroken (%(kind)s voor %(number)s, %(when)s). Neem contact op met de klant, "
                "bied excuses aan en doe een nieuw voorstel."
            )
            % subject
        )
    if kind == Notification.Kind.CANNOT_KEEP:
        return (
            _("Kan niet worden nagekomen: %(kind)s voor %(number)s (%(reason)s). Bied de klant nu een alternatief.")
            % subject
        )
    return _("De klant heeft een terugbelmoment geboekt voor %(number)s: %(when)s.") % subject


def build(
    kind: str, promise: Promise, case: Case, recipients: Iterable[int], *, as_lead: bool = False, reason: str = ""
) -> list[Notification]:
    text = text_for(kind, promise, case, as_lead=as_lead, reason=reason)
    return [
        Notification(
            organization_id=promise.organization_id,
            recipient_id=user_id,
            kind=kind,
            promise=promise,
            case=case,
            text=text,
            as_lead=as_lead,
        )
        for user_id in dict.fromkeys(recipients)
    ]


def do_notify(organization_id: int, recipients: Iterable[int], kind: str, text: str, *, link: str = "") -> None:
    """Notify these people at the desk (Meldingen) and by e-mail after commit: for what is not
    about one promise (the monitor's alarms). ``link``: a path on Loket's site it leads to."""
    with transaction.atomic():
        store(
            [
                Notification(organization_id=organization_id, recipient_id=user_id, kind=kind, text=text, link=link)
                for user_id in dict.fromkeys(recipients)
            ]
        )


def store(notifications: list[Notification]) -> list[Notification]:
    """Write the notifications (one INSERT) and mail them after commit. Inside a transaction."""
    if not notifications:
        return notifications
    Notification.objects.bulk_create(notifications)
    ids = [n.pk for n in notifications if n.pk is not None]
    if not ids:  # a backend that does not return ids (none of ours): find them again
        ids = list(
            Notification.objects.filter(
                Q(promise__in={n.promise_id for n in notifications}), emailed_at__isnull=True
            ).values_list("pk", flat=True)
        )
    transaction.on_commit(lambda: _enqueue_mail(ids))
    return notifications


def _enqueue_mail(ids: list[int]) -> None:
    from loket.promises.tasks import mail_notifications

    for start in range(0, len(ids), 500):
        mail_notifications.enqueue(ids[start : start + 500])


def owner_of(promise: Promise) -> list[int]:
    return [promise.owner_id] if promise.owner_id else []


def recipients_for_user(user: User | None) -> list[int]:
    return [user.pk] if user is not None and user.pk else []
