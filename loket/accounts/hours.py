"""Opening hours ("Openingstijden"): when an organisation, or one of its teams, is open.

Pure: a ``Calendar`` is plain data (``selectors.business_hours_for`` builds it from the
``BusinessHours`` row), and every function takes the moment it is asked about, so callers and
tests control time. What a day's hours are, in this order:

1. an exception for that date ("Kerstavond" 09:00-16:00, or closed);
2. else closed on a public holiday of the calendar's country (the ``holidays`` package), when
   the calendar observes them;
3. else the weekly hours of that weekday (several intervals a day: 09:00-12:30, 13:00-17:00).

Hours are wall-clock times in the calendar's time zone (Europe/Amsterdam): 09:00 is 09:00 in
winter and in summer. On the night the clocks go forward a time in the skipped hour opens at
the moment the clocks jump; in the hour that happens twice in October, both count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_MINUTES = 24 * 60
MAX_INTERVALS_A_DAY = 6
MAX_EXCEPTIONS = 366
# How far next_opening looks ahead: a year and a bit covers every weekly pattern with its
# holidays and exceptions; a calendar that opens later than that is as good as never open.
LOOKAHEAD_DAYS = 400
DEFAULT_COUNTRY = "NL"
DEFAULT_ZONE = "Europe/Amsterdam"


@dataclass(frozen=True, order=True)
class Interval:
    """Open from ``opens`` up to (not including) ``closes``: minutes after midnight, 0 to 1440."""

    opens: int
    closes: int

    def __str__(self) -> str:
        return f"{_clock(self.opens)}-{_clock(self.closes)}"

    def to_json(self) -> list[str]:
        return [_clock(self.opens), _clock(self.closes)]


@dataclass(frozen=True)
class DayException:
    """One date with other hours than usual; no intervals: closed that day."""

    day: date
    label: str = ""
    intervals: tuple[Interval, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {"date": self.day.isoformat(), "label": self.label, "hours": [i.to_json() for i in self.intervals]}


@dataclass(frozen=True)
class Calendar:
    weekly: tuple[tuple[Interval, ...], ...]  # seven days, Monday first
    holiday_country: str = DEFAULT_COUNTRY
    observe_holidays: bool = True
    exceptions: tuple[DayException, ...] = ()
    zone: str = DEFAULT_ZONE
    _by_date: dict[date, DayException] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_date", {exception.day: exception for exception in self.exceptions})

    def exception_on(self, day: date) -> DayException | None:
        return self._by_date.get(day)

    def weekly_json(self) -> dict[str, list[list[str]]]:
        return {name: [i.to_json() for i in self.weekly[n]] for n, name in enumerate(WEEKDAYS)}


ALWAYS = Interval(0, DAY_MINUTES)
# An organisation that set no hours: open around the clock (the chat then depends only on
# whether someone is available), holidays included.
ALWAYS_OPEN = Calendar(weekly=((ALWAYS,),) * 7, observe_holidays=False)
# What the admin page offers to start from: office hours on weekdays, closed on Dutch holidays.
OFFICE_HOURS = Calendar(weekly=((Interval(9 * 60, 17 * 60),),) * 5 + ((), ()))


# --- What a day's hours are -------------------------------------------------------------------


def holiday_name(calendar: Calendar, day: date, language: str = "nl") -> str:
    """The public holiday on ``day`` ('' if none, or if the calendar does not observe them)."""
    if not calendar.observe_holidays or not calendar.holiday_country:
        return ""
    return _holidays(calendar.holiday_country, day.year, language).get(day, "")


def hours_on(calendar: Calendar, day: date) -> tuple[Interval, ...]:
    """The day's opening intervals (local wall-clock), sorted; () when closed all day."""
    exception = calendar.exception_on(day)
    if exception is not None:
        return exception.intervals
    if holiday_name(calendar, day):
        return ()
    return calendar.weekly[day.weekday()]


def is_open(calendar: Calendar, at: datetime) -> bool:
    """Whether ``at`` (an aware moment) falls inside the opening hours."""
    local = at.astimezone(ZoneInfo(calendar.zone))
    minute = local.hour * 60 + local.minute
    return any(i.opens <= minute < i.closes for i in hours_on(calendar, local.date()))


def opening_times(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    """The day's intervals as aware (UTC) moments: from when it opens until it closes."""
    zone = ZoneInfo(calendar.zone)
    return [(_moment(day, i.opens, zone), _moment(day, i.closes, zone)) for i in hours_on(calendar, day)]


def next_opening(calendar: Calendar, at: datetime) -> datetime | None:
    """``at`` itself when open then; else the moment it next opens (UTC); None when the
    calendar does not open within LOOKAHEAD_DAYS."""
    if is_open(calendar, at):
        return at
    zone = ZoneInfo(calendar.zone)
    first = at.astimezone(zone).date()
    for offset in range(LOOKAHEAD_DAYS):
        day = first + timedelta(days=offset)
        for interval in hours_on(calendar, day):
            opens = _moment(day, interval.opens, zone)
            if opens <= at and offset == 0:
                # The hour that happens twice in October: an opening in it may still be ahead,
                # at its second occurrence.
                opens = _moment(day, interval.opens, zone, fold=1)
            if opens > at:
                return opens
    return None


def upcoming_holidays(calendar: Calendar, start: date, days: int = 366, language: str = "nl") -> list[tuple[date, str]]:
    """The public holidays from ``start`` on (inclusive) that close the calendar."""
    if not calendar.observe_holidays or not calendar.holiday_country:
        return []
    end = start + timedelta(days=days)
    found: dict[date, str] = {}
    for year in range(start.year, end.year + 1):
        found.update(_holidays(calendar.holiday_country, year, language))
    return sorted((day, name) for day, name in found.items() if start <= day < end)


@lru_cache(maxsize=256)
def _holidays(country: str, year: int, language: str) -> dict[date, str]:
    """The country's public holidays of one year, named in ``language`` where the package can."""
    supported = getattr(holidays.country_holidays(country, years=[]), "supported_languages", ())
    wanted = next((code for code in supported if code.split("_")[0] == language), None)
    return dict(holidays.country_holidays(country, years=[year], language=wanted))


def _moment(day: date, minute: int, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The first moment the wall clock in ``zone`` shows ``minute`` on ``day`` or later (UTC)."""
    if minute >= DAY_MINUTES:
        return _moment(day + timedelta(days=1), minute - DAY_MINUTES, zone)
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    moment = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == wall:
        return moment
    # The wall time does not exist: the clocks jumped over it (the last Sunday of March).
    # It opens when they jump: the first moment whose wall time is past it.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # shows a time before the gap
    after = moment  # shows a time after the gap
    while after - before > timedelta(minutes=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    # Clocks change on a whole minute; ``after`` is less than a minute past that change.
    return after.replace(second=0, microsecond=0)


# --- Reading and writing hours ----------------------------------------------------------------

_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
_RANGE = re.compile(r"^\s*(\S+)\s*[-\u2013\u2014]\s*(\S+)\s*$")  # also en and em dashes
_CLOSED_WORDS = {"gesloten", "closed", "dicht"}


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(text: str, *, closing: bool = False) -> int:
    """'9:00', '09:00', '9.00' → minutes after midnight; '24:00' only as a closing time."""
    match = _TIME.match(text)
    if match is None:
        raise ValidationError(_("%(value)s is geen tijd (uu:mm).") % {"value": repr(text.strip())})
    hours, minutes = int(match.group(1)), int(match.group(2))
    total = hours * 60 + minutes
    if minutes > 59 or total > DAY_MINUTES or (total == DAY_MINUTES and not closing):
        raise ValidationError(_("%(value)s is geen tijd (uu:mm).") % {"value": repr(text.strip())})
    return total


def interval(opens: str, closes: str) -> Interval:
    start, end = parse_clock(opens), parse_clock(closes, closing=True)
    if end <= start:
        raise ValidationError(
            _("%(opens)s-%(closes)s: de sluitingstijd moet na de openingstijd liggen (tot middernacht: 24:00).")
            % {"opens": opens.strip(), "closes": closes.strip()}
        )
    return Interval(start, end)


def day_hours(pairs: list[tuple[str, str]]) -> tuple[Interval, ...]:
    """One day's intervals, sorted; overlapping ones are an error, touching ones are fine."""
    intervals = sorted(interval(opens, closes) for opens, closes in pairs)
    if len(intervals) > MAX_INTERVALS_A_DAY:
        raise ValidationError(_("Hoogstens %(n)s tijdvakken per dag.") % {"n": MAX_INTERVALS_A_DAY})
    for earlier, later in pairwise(intervals):
        if later.opens < earlier.closes:
            raise ValidationError(_("%(a)s en %(b)s overlappen.") % {"a": earlier, "b": later})
    return tuple(intervals)


def parse_day(text: str) -> tuple[Interval, ...]:
    """'09:00-12:30, 13:00-17:00' (or empty, or 'gesloten': closed) → the day's intervals."""
    text = text.strip()
    if not text or text.lower() in _CLOSED_WORDS:
        return ()
    pairs = []
    for part in re.split(r"[,;]|\s+(?:en|and)\s+", text):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValidationError(
                _("%(value)s is geen tijdvak; schrijf bijvoorbeeld 09:00-12:30, 13:00-17:00.")
                % {"value": repr(part.strip())}
            )
        pairs.append((match.group(1), match.group(2)))
    return day_hours(pairs)


def format_day(intervals: tuple[Interval, ...]) -> str:
    return ", ".join(f"{_clock(i.opens)}-{_clock(i.closes)}" for i in intervals)


_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})-(\d{1,2})-(\d{4})$")


def parse_date(text: str) -> date:
    """'2026-12-24' or '24-12-2026'."""
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError
        if match.group(1):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return date(int(match.group(6)), int(match.group(5)), int(match.group(4)))
    except ValueError:
        raise ValidationError(
            _("%(value)s is geen datum (jjjj-mm-dd of dd-mm-jjjj).") % {"value": repr(text.strip())}
        ) from None


def parse_exceptions(text: str) -> tuple[DayException, ...]:
    """One date a line: '<date> <hours or gesloten> <label>', e.g.
    ``24-12-2026 09:00-16:00 Kerstavond`` or ``31-12-2026 gesloten Oudejaarsdag``. Errors name
    the line."""
    found: list[DayException] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(_parse_exception_line(line))
        except ValidationError as error:
            raise ValidationError(
                _("Regel %(n)s: %(error)s") % {"n": number, "error": " ".join(error.messages)}
            ) from None
    return sorted_exceptions(found)


def _parse_exception_line(line: str) -> DayException:
    words = line.split()
    day = parse_date(words[0])
    rest = words[1:]
    if rest and rest[0].lower() in _CLOSED_WORDS:
        return DayException(day, " ".join(rest[1:])[:100], ())
    hours: list[str] = []
    while rest and re.match(r"^[\d.:]+[-\u2013\u2014][\d.:]+,?$", rest[0]):
        hours.append(rest.pop(0).rstrip(","))
    if not hours:
        raise ValidationError(
            _("schrijf na de datum de tijden (09:00-16:00) of 'gesloten', dan eventueel een omschrijving.")
        )
    return DayException(day, " ".join(rest)[:100], parse_day(", ".join(hours)))


def format_exceptions(items: tuple[DayException, ...]) -> str:
    lines = []
    for item in items:
        hours = format_day(item.intervals).replace(", ", " ") if item.intervals else _("gesloten")
        lines.append(" ".join(part for part in (item.day.strftime("%d-%m-%Y"), hours, item.label) if part))
    return "\n".join(lines)


def sorted_exceptions(items: list[DayException]) -> tuple[DayException, ...]:
    """Sorted by date; one exception a date."""
    if len(items) > MAX_EXCEPTIONS:
        raise ValidationError(_("Hoogstens %(n)s uitzonderingen.") % {"n": MAX_EXCEPTIONS})
    seen: set[date] = set()
    for item in items:
        if item.day in seen:
            raise ValidationError(_("%(date)s staat er twee keer in.") % {"date": item.day.strftime("%d-%m-%Y")})
        seen.add(item.day)
    return tuple(sorted(items, key=lambda item: item.day))


def check_country(code: str) -> str:
    code = code.strip().upper()
    if code and code not in holidays.list_supported_countries():
        raise ValidationError(_("Onbekend land voor feestdagen: %(code)s.") % {"code": repr(code)})
    return code


Pairs = list[tuple[str, str]]


def build(
    weekly: dict[str, Pairs],
    *,
    exceptions: Sequence[tuple[date, str, Pairs]] = (),
    holiday_country: str = DEFAULT_COUNTRY,
    observe_holidays: bool = True,
    zone: str = DEFAULT_ZONE,
) -> Calendar:
    """A calendar from (opens, closes) texts; a ValidationError names every field that is wrong
    (``weekly.monday``, ``exceptions.2``, ``holidays.country``)."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(weekly) - set(WEEKDAYS))
    if unknown:
        errors["weekly"] = [_("Onbekende weekdag: %(days)s.") % {"days": ", ".join(unknown)}]
    days = []
    for name in WEEKDAYS:
        try:
            days.append(day_hours(weekly.get(name, [])))
        except ValidationError as error:
            errors[f"weekly.{name}"] = error.messages
            days.append(())
    items = []
    for index, (day, label, pairs) in enumerate(exceptions):
        try:
            items.append(DayException(day, " ".join(label.split())[:100], day_hours(pairs)))
        except ValidationError as error:
            errors[f"exceptions.{index}"] = error.messages
    try:
        found = sorted_exceptions(items)
    except ValidationError as error:
        errors["exceptions"] = error.messages
    try:
        country = check_country(holiday_country)
    except ValidationError as error:
        errors["holidays.country"] = error.messages
    if observe_holidays and not holiday_country.strip() and "holidays.country" not in errors:
        errors["holidays.country"] = [_("Kies het land waarvan de feestdagen gelden.")]
    if errors:
        raise ValidationError(errors)
    return Calendar(
        weekly=tuple(days),
        holiday_country=country,
        observe_holidays=observe_holidays,
        exceptions=found,
        zone=zone,
    )


def from_json(
    weekly: object, exceptions_json: object, *, holiday_country: str, observe_holidays: bool, zone: str
) -> Calendar:
    """The calendar a ``BusinessHours`` row stores (written by ``Calendar``'s own JSON)."""
    days = weekly if isinstance(weekly, dict) else {}
    items = exceptions_json if isinstance(exceptions_json, list) else []
    return Calendar(
        weekly=tuple(tuple(Interval(*map(parse_clock_any, pair)) for pair in days.get(name, [])) for name in WEEKDAYS),
        holiday_country=holiday_country,
        observe_holidays=observe_holidays,
        exceptions=tuple(
            DayException(
                date.fromisoformat(item["date"]),
                item.get("label", ""),
                tuple(Interval(*map(parse_clock_any, pair)) for pair in item.get("hours", [])),
            )
            for item in items
        ),
        zone=zone,
    )


def parse_clock_any(text: str) -> int:
    return parse_clock(text, closing=True)
