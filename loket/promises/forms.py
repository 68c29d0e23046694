"""Forms of the desk: a promise (the quick actions fill them in), renegotiate, cancel, book a slot."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.promises.models import Promise


def local_moment(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock), timezone.get_current_timezone())


class WindowForm(forms.Form):
    """A day with an optional time window: both times a window, only "tot" a deadline, neither
    the whole day (a pickup "op 3 december")."""

    day = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))
    from_time = forms.TimeField(label=_("Van"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    until_time = forms.TimeField(label=_("Tot"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))

    def window(self) -> tuple[datetime | None, datetime]:
        data = self.cleaned_data
        day: date = data["day"]
        start, end = data.get("from_time"), data.get("until_time")
        if start is None and end is None:
            return local_moment(day, time(0)), local_moment(day + timedelta(days=1), time(0))
        if end is None:
            # From a time until the end of that day.
            assert start is not None
            return local_moment(day, start), local_moment(day + timedelta(days=1), time(0))
        return (local_moment(day, start) if start is not None else None), local_moment(day, end)


class PromiseForm(WindowForm):
    kind = forms.ChoiceField(label=_("Soort"), choices=Promise.Kind.choices)
    description = forms.CharField(
        label=_("Wat is toegezegd"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In de woorden van de klant."),
        max_length=2000,
    )
    external_ref = forms.CharField(label=_("Kenmerk (order, zending)"), required=False, max_length=120)
    confirm = forms.BooleanField(label=_("Bevestig het de klant (wat en wanneer)"), required=False)
    field_order = ["kind", "description", "day", "from_time", "until_time", "external_ref", "confirm"]


class RenegotiateForm(WindowForm):
    description = forms.CharField(
        label=_("Nieuw voorstel"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=2000)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reden"), max_length=2000)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=2000)


def quick_actions(now: datetime | None = None) -> list[dict[str, Any]]:
    """The case view's quick actions, filled in with sensible moments: a callback in the next
    whole half hour for half an hour, a pickup and a replacement on the next weekdays."""
    local = timezone.localtime(now or timezone.now())
    start = (local + timedelta(minutes=30 - local.minute % 30)).replace(second=0, microsecond=0)
    if start.minute not in (0, 30):
        start = start.replace(minute=0 if start.minute < 30 else 30)
    end = start + timedelta(minutes=30)
    pickup = _next_weekday(local.date() + timedelta(days=2))
    replacement = _next_weekday(pickup + timedelta(days=5))
    return [
        {
            "key": "callback",
            "kind": Promise.Kind.CALLBACK,
            "day": start.date(),
            "from_time": start.time(),
            "until_time": end.time(),
            "label": _("Terugbellen tussen %(start)s en %(end)s")
            % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
            "description": _("Wij bellen u terug."),
        },
        {
            "key": "pickup",
            "kind": Promise.Kind.PICKUP,
            "day": pickup,
            "label": _("Ophalen op %(day)s") % {"day": _day(pickup)},
            "description": _("Wij halen het product bij u op."),
        },
        {
            "key": "replacement",
            "kind": Promise.Kind.REPLACEMENT,
            "day": replacement,
            "label": _("Vervanging leveren op %(day)s") % {"day": _day(replacement)},
            "description": _("Wij leveren een vervangend product."),
        },
    ]


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _day(day: date) -> str:
    from django.utils import formats

    return formats.date_format(day, "l j F")
