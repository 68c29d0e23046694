"""The acknowledgement: a new case opened by e-mail gets an automatic answer with its number.

Optional per mailbox (``Mailbox.send_acknowledgement``). Sent only to a person: never to an
automatic message (an out-of-office reply, a bounce, bulk mail: that is how mail loops
start), never to a deceased customer. It answers the opening of a case, not every message: a
sender who keeps writing adds to their open case and is not acknowledged again. The mail
carries ``Auto-Submitted: auto-replied`` (see outbound.py).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.cases.actions import do_reply

if TYPE_CHECKING:
    from loket.cases.models import Case
    from loket.cases.receiving import InboundMessage, ReceiveResult
    from loket.integrations.models import InboundDelivery, Mailbox

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{(naam|zaaknummer|onderwerp|reactietijd)\}")


def default_text() -> str:
    return _(
        "Beste {naam},\n\n"
        "Hartelijk dank voor uw bericht. We hebben het ontvangen en onder zaaknummer {zaaknummer} vastgelegd "
        "({onderwerp}). U krijgt {reactietijd} een antwoord van ons.\n\n"
        "Wilt u ons hierover nog iets laten weten? Beantwoord dan deze e-mail: uw bericht komt vanzelf bij "
        "dezelfde zaak.\n\n"
        "Met vriendelijke groet,"
    )


def response_time(hours: int) -> str:
    if hours >= 48 and hours % 24 == 0:
        days = hours // 24
        return ngettext("binnen %(n)s dag", "binnen %(n)s dagen", days) % {"n": days}
    return ngettext("binnen %(n)s uur", "binnen %(n)s uur", hours) % {"n": hours}


def acknowledgement_text(mailbox: Mailbox, case: Case) -> str:
    """The mailbox's text (or the default) with the placeholders filled in; other braces stay."""
    with translation.override(case.customer.language or settings.LANGUAGE_CODE):
        values = {
            "naam": case.customer.name or _("klant"),
            "zaaknummer": case.number,
            "onderwerp": case.subject,
            "reactietijd": response_time(mailbox.response_hours),
        }
        template = mailbox.acknowledgement_text.strip() or default_text()
    text = PLACEHOLDER.sub(lambda match: values[match.group(1)], template)
    if not mailbox.signature.strip():  # the signature (added when sent) closes it; else the sender's name
        text += "\n" + (mailbox.sender_name or case.organization.name)
    return text


def do_acknowledge(received: list[tuple[InboundDelivery, InboundMessage, ReceiveResult]]) -> int:
    """Queue an acknowledgement for each case these e-mails opened, where the mailbox asks for one.

    Runs in the inbound worker's transaction, after the messages are stored; a failure here is
    logged and never costs the customer's message. Returns the number queued.
    """
    queued = 0
    for delivery, inbound, result in received:
        mailbox = delivery.mailbox
        if mailbox is None or not mailbox.send_acknowledgement or not result.case_opened or inbound.automatic:
            continue
        case = result.message.case
        if case.customer.is_deceased:
            continue
        try:
            with transaction.atomic():
                do_reply(
                    case,
                    actor=None,
                    text=acknowledgement_text(mailbox, case),
                    channel="email",
                    automatic=True,
                )
        except Exception:
            logger.exception("could not queue the acknowledgement for case %s", case.number)
        else:
            queued += 1
    return queued
