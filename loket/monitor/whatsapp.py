"""A survey invitation on WhatsApp as an interactive message (inside the 24-hour window):
buttons for ja/nee, a list for a scale of up to ten answers, so the customer answers with a tap.

The WhatsApp adapter asks ``interactive_for`` about each automatic message it sends. The
customer's choice comes back as an ``interactive`` message whose text is the row's or button's
title (the number, or Ja/Nee), which ``inbound.py`` counts like a typed number. A scale of
eleven (NPS 0-10) does not fit a list of ten: it stays a text to answer with a number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from loket.monitor.models import SCALES, SurveyInvitation
from loket.monitor.questions import SCALE_ENDS, wording

if TYPE_CHECKING:
    from loket.cases.models import Message

MAX_ROWS = 10  # Meta's limit for the rows of a list message


def interactive_for(message: Message) -> dict[str, Any] | None:
    """The Graph API's ``interactive`` object for a survey invitation, or None (send as text)."""
    invitation = SurveyInvitation.objects.filter(message_id=message.pk).select_related("survey", "customer").first()
    if invitation is None or not invitation.survey.questions:
        return None
    first = invitation.survey.questions[0]
    kind = first["kind"]
    low, high = SCALES[kind]
    if high - low + 1 > MAX_ROWS:
        return None
    language = invitation.customer.language or "nl"
    question = wording(first, language)
    with translation.override(language):
        if kind == "solved":
            buttons = [
                {"type": "reply", "reply": {"id": f"survey:{value}", "title": title}}
                for value, title in ((1, _("Ja")), (0, _("Nee")))
            ]
            return {"type": "button", "body": {"text": question}, "action": {"buttons": buttons}}
        ends = SCALE_ENDS.get(kind)
        body = f"{question}\n{low} = {ends[0]}, {high} = {ends[1]}" if ends else question
        rows = [{"id": f"survey:{value}", "title": str(value)} for value in range(high, low - 1, -1)]
        return {
            "type": "list",
            "body": {"text": body[:1024]},
            "action": {"button": _("Kies een cijfer"), "sections": [{"title": _("Uw cijfer"), "rows": rows}]},
        }
