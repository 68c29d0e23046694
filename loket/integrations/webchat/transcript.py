"""The transcript: the visitor's conversation, e-mailed to them at their request.

What is mailed is exactly what the visitor's frame shows (``conversation.visitor_messages``):
their messages and the agents' chat replies, never notes or other channels. Plain text and a
simple HTML part, in the visitor's language, from the organisation's mailbox (its case number
in the subject, Reply-To the case's address: an answer to it lands on the case).

Sent at once through Django's e-mail backend, as the password-reset mail is, not through the
e-mail channel's outbox: a transcript is a copy of what the visitor already read, not a
message to the customer on the case, so it must not become an outbound message on the
timeline, count as a contact or set the case to "wacht op klant". The visitor sees at once
whether it went (the request fails visibly when the mail server refuses); the case's timeline
records it (``case.transcript_sent``).

Anyone may type any address, so it is limited: TRANSCRIPTS_PER_HOUR per conversation and per
address, never to an address that opted out, and only a conversation that has something in it.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from loket.cases.models import Case
from loket.customers.models import Identity
from loket.customers.normalize import normalize_email
from loket.events.actions import record_event
from loket.integrations.email.outbound import sender_of
from loket.integrations.models import ChannelAccount
from loket.integrations.webchat.conversation import visitor_cases, visitor_messages

logger = logging.getLogger(__name__)

TRANSCRIPTS_PER_HOUR = 3
MAX_MESSAGES = 1000


class TooMany(Exception):
    """The limit of transcripts an hour is reached."""


class NotSent(Exception):
    """The mail server did not take the transcript."""


def check_send_transcript(account: ChannelAccount, visitor: str, address: str) -> str:
    """Mail the visitor's conversation to ``address``; returns the address it went to.

    Raises ValidationError (a bad or opted-out address, nothing to send), TooMany, or NotSent.
    """
    try:
        address = normalize_email(address)
    except ValidationError:
        raise ValidationError({"email": _("Vul een geldig e-mailadres in.")}) from None
    items = visitor_messages(account, visitor, limit=MAX_MESSAGES)
    if not items:
        raise ValidationError(_("Er is nog geen gesprek om te mailen."))
    opted_out = (
        Identity.objects.for_org(account.organization_id)
        .filter(kind=Identity.Kind.EMAIL, value=address, opted_out_at__isnull=False)
        .exists()
    )
    if opted_out:
        raise ValidationError({"email": _("Naar dit adres sturen we geen e-mail: het is afgemeld.")})
    _count(f"webchat-transcript:{account.pk}:{visitor}")
    _count(f"webchat-transcript:{account.organization_id}:{address}")
    # The case the visitor wrote in last: its number in the subject, its timeline records it.
    case = Case.objects.select_related("organization", "customer").get(pk=max(visitor_cases(account, visitor)))
    do_send_transcript(account, case, items, address)
    return address


def _count(key: str) -> None:
    """One more attempt in this hour (a fixed window); TooMany beyond the limit."""
    window = int(timezone.now().timestamp()) // 3600
    key = f"{key}:{window}"
    cache.add(key, 0, timeout=3600 * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600 * 2)
        count = 1
    if count > TRANSCRIPTS_PER_HOUR:
        raise TooMany


def do_send_transcript(account: ChannelAccount, case: Case, items: list[dict[str, Any]], address: str) -> None:
    organization = account.organization
    from_email, reply_to = sender_of(case)
    lines = [_line(item) for item in items]
    context = {"organization": organization, "lines": lines, "case": case, "site_url": settings.SITE_URL}
    email = EmailMultiAlternatives(
        subject=_("Uw chatgesprek met %(name)s [%(number)s]") % {"name": organization.name, "number": case.number},
        body=render_to_string("webchat/transcript.txt", context),
        from_email=from_email,
        to=[address],
        reply_to=reply_to,
        headers={"X-Loket-Case": case.number, "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(render_to_string("webchat/transcript.html", context), "text/html")
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("transcript for case %s not sent to %s: %s", case.number, address, error)
        raise NotSent(str(error)) from error
    with transaction.atomic():
        record_event(
            organization,
            "case.transcript_sent",
            actor=None,
            case=case,
            data={"to": address, "messages": len(items)},
        )


def _line(item: dict[str, Any]) -> dict[str, Any]:
    at = parse_datetime(item["at"])
    agent = item["from"] == "agent"
    return {
        "who": (item["name"] or _("Medewerker")) if agent else _("U"),
        "agent": agent,
        "at": timezone.localtime(at) if at is not None else None,
        "text": item["text"],
        "files": item["files"],
    }
