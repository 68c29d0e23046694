"""The questions a survey may ask, their default wording (Dutch and English) and their scales."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.monitor.models import SCALES, QuestionKind

DEFAULT_WORDING = {
    "csat": gettext_lazy("Hoe tevreden bent u over het contact met ons?"),
    "mark": gettext_lazy("Welk rapportcijfer geeft u het contact met ons?"),
    "nps": gettext_lazy("Hoe waarschijnlijk is het dat u ons aanbeveelt aan vrienden of familie?"),
    "ces": gettext_lazy("Hoe makkelijk was het om uw vraag geregeld te krijgen?"),
    "solved": gettext_lazy("Is uw vraag opgelost?"),
    "text": gettext_lazy("Wilt u nog iets kwijt? (niet verplicht)"),
}

# What the ends of each scale mean, shown under the buttons.
SCALE_ENDS = {
    "csat": (gettext_lazy("zeer ontevreden"), gettext_lazy("zeer tevreden")),
    "mark": (gettext_lazy("slecht"), gettext_lazy("uitstekend")),
    "nps": (gettext_lazy("zeker niet"), gettext_lazy("zeker wel")),
    "ces": (gettext_lazy("heel moeilijk"), gettext_lazy("heel makkelijk")),
}

MAX_QUESTIONS = 4


def default_questions() -> list[dict[str, str]]:
    return [{"kind": "csat"}, {"kind": "text"}]


def wording(question: dict[str, Any], language: str) -> str:
    """The question in the customer's language: the survey's own wording, else the default."""
    own = str(question.get(language) or "").strip()
    if own:
        return own
    with translation.override(language):
        return str(DEFAULT_WORDING.get(question["kind"], ""))


def clean_questions(questions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Validate a survey's questions: 1-4, known kinds, each at most once, at most one open
    question, the first a scored one (answerable in one tap). Raises ValueError with the reason."""
    if not questions:
        raise ValueError(_("Een enquête heeft minstens één vraag."))
    if len(questions) > MAX_QUESTIONS:
        raise ValueError(_("Een enquête heeft hoogstens %(n)s vragen.") % {"n": MAX_QUESTIONS})
    kinds = [str(q.get("kind", "")) for q in questions]
    unknown = [k for k in kinds if k not in QuestionKind.values]
    if unknown:
        raise ValueError(_("Onbekend soort vraag: %(kind)s.") % {"kind": ", ".join(unknown)})
    if len(set(kinds)) != len(kinds):
        raise ValueError(_("Elke soort vraag mag maar één keer voorkomen."))
    if kinds[0] == QuestionKind.TEXT:
        raise ValueError(_("De eerste vraag moet met één tik te beantwoorden zijn (geen open vraag)."))
    cleaned = []
    for question in questions:
        item = {"kind": str(question["kind"])}
        for language in ("nl", "en"):
            text = str(question.get(language) or "").strip()
            if len(text) > 300:
                raise ValueError(_("Een vraag mag hoogstens 300 tekens hebben."))
            if text:
                item[language] = text
        cleaned.append(item)
    return cleaned


def parse_answer(kind: str, raw: str) -> int:
    """A customer's answer to a scored question as a number, or ValueError with a clear message.

    "solved" takes ja/nee (yes/no) as well as 1/0."""
    text = raw.strip().lower().rstrip(".!")
    if kind == "solved":
        if text in ("ja", "yes", "j", "y", "1"):
            return 1
        if text in ("nee", "no", "n", "0"):
            return 0
        raise ValueError(_("Antwoord met ja of nee."))
    low, high = SCALES[kind]
    if not text.isdigit():
        raise ValueError(_("Antwoord met een cijfer van %(low)s tot en met %(high)s.") % {"low": low, "high": high})
    value = int(text)
    if not low <= value <= high:
        raise ValueError(
            _("%(value)s kan niet: kies een cijfer van %(low)s tot en met %(high)s.")
            % {"value": value, "low": low, "high": high}
        )
    return value
