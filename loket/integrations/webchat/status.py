"""Whether a chat widget is live now: its opening hours say open and an agent is available.

Otherwise the frame offers to leave a message, answered by e-mail or SMS. The hours are the
widget's team's own, else the organisation's (``accounts.selectors.business_hours_for``); an
agent is available when they have the desk of the widget's organisation open (their live
WebSocket, ``live/presence.py``) and are a member of the widget's team, or of the organisation
when the widget has no team (viewers never count: they cannot answer).

Cheap enough to ask on every page render and every status poll of the frame: one query for the
hours, one for the team's members, one cache ``get_many``; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from loket.accounts.hours import is_open, next_opening
from loket.accounts.models import Membership, Role, Team
from loket.accounts.selectors import business_hours_for
from loket.integrations.models import ChannelAccount
from loket.live.presence import present


@dataclass(frozen=True)
class ChatStatus:
    open: bool  # within the opening hours
    available: bool  # and someone is there to chat
    next_opening: datetime | None  # when closed: when it opens (None: not within a year)

    @property
    def live(self) -> bool:
        return self.open and self.available


def chat_status(account: ChannelAccount, at: datetime | None = None) -> ChatStatus:
    at = at or timezone.now()
    calendar = business_hours_for(account.organization_id, account.team_id)
    if not is_open(calendar, at):
        return ChatStatus(open=False, available=False, next_opening=next_opening(calendar, at))
    return ChatStatus(open=True, available=bool(available_agents(account)), next_opening=None)


def available_agents(account: ChannelAccount) -> set[int]:
    """The ids of the agents who could take this widget's chats now."""
    members = Membership.objects.filter(organization_id=account.organization_id, is_active=True).exclude(
        role=Role.VIEWER
    )
    if account.team_id is not None:
        in_team = Team.members.through.objects.filter(team_id=account.team_id, user_id__in=members.values("user_id"))
        candidates = list(in_team.values_list("user_id", flat=True))
    else:
        candidates = list(members.values_list("user_id", flat=True))
    return present(account.organization_id, candidates)


def when_text(moment: datetime, now: datetime) -> str:
    """'vandaag om 13:00', 'morgen om 09:00', 'maandag 28 december om 09:00' (in the active language)."""
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    clock = date_format(local, "H:i")
    if local.date() == today:
        return _("vandaag om %(time)s") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("morgen om %(time)s") % {"time": clock}
    return _("%(day)s om %(time)s") % {"day": date_format(local, "l j F"), "time": clock}


def answer_text(status: ChatStatus, *, by: str, now: datetime | None = None) -> str:
    """What the leave-a-message form promises: how (``by``: "email", "sms" or "email_or_sms"),
    and from when, the answer comes."""
    now = now or timezone.now()
    if status.open:
        texts = {
            "email": _("We antwoorden zo snel mogelijk per e-mail."),
            "sms": _("We antwoorden zo snel mogelijk per sms."),
            "email_or_sms": _("We antwoorden zo snel mogelijk per e-mail of sms."),
        }
        return texts[by]
    if status.next_opening is None:
        texts = {
            "email": _("We antwoorden per e-mail."),
            "sms": _("We antwoorden per sms."),
            "email_or_sms": _("We antwoorden per e-mail of sms."),
        }
        return texts[by]
    texts = {
        "email": _("We antwoorden per e-mail, vanaf %(when)s."),
        "sms": _("We antwoorden per sms, vanaf %(when)s."),
        "email_or_sms": _("We antwoorden per e-mail of sms, vanaf %(when)s."),
    }
    return texts[by] % {"when": when_text(status.next_opening, now)}


def status_line(status: ChatStatus, now: datetime | None = None) -> str:
    """The frame's header line."""
    if status.live:
        return _("Wij reageren meestal binnen enkele minuten.")
    if status.open:
        return _("Er is nu niemand beschikbaar om te chatten.")
    if status.next_opening is None:
        return _("De chat is gesloten.")
    return _("De chat is gesloten; we zijn er weer %(when)s.") % {
        "when": when_text(status.next_opening, now or timezone.now())
    }
