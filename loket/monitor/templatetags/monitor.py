"""Template filters of the monitor: figures and scores as people read them."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from loket.monitor.models import SHORT_LABELS

register = template.Library()

PERCENT = {"nps", "solved"}


@register.filter
def figure(value: float | None, metric: str = "") -> str:
    """A figure with one decimal (NPS as a whole number, "solved" as a percentage); — for none."""
    if value is None:
        return "—"
    if metric == "nps":
        return f"{value:+.0f}"
    if metric in ("solved", "percent"):
        return f"{number_format(value, 0)}%"
    return number_format(value, 1)


@register.filter
def first_score(data: dict[str, Any]) -> str:
    """The score in a survey.answered event's data, e.g. "CSAT 4"."""
    for metric in ("csat", "mark", "nps", "ces", "solved"):
        if metric in data:
            value = data[metric]
            if metric == "solved":
                return str(_("opgelost") if value else _("niet opgelost"))
            return f"{SHORT_LABELS[metric]} {value}"
    return ""


@register.filter
def at(values: list[Any], index: int) -> Any:
    return values[index] if 0 <= index < len(values) else None
