"""Opening hours as a pure calendar: weekdays, Dutch holidays, exceptions, and the clock changes.

Every function takes the moment explicitly; the moments here are written in UTC so that what
Amsterdam's wall clock shows is spelled out in each test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from loket.accounts.hours import (
    ALWAYS_OPEN,
    Calendar,
    DayException,
    build,
    holiday_name,
    is_open,
    next_opening,
    opening_times,
    parse_day,
    parse_exceptions,
    upcoming_holidays,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def calendar(weekly: dict[str, list[tuple[str, str]]], **kwargs) -> Calendar:
    return build(weekly, **kwargs)


WEEKDAYS_SPLIT = {
    day: [("09:00", "12:30"), ("13:00", "17:00")] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}
OFFICE = calendar(WEEKDAYS_SPLIT)


def test_open_within_either_interval_of_the_day_and_closed_over_lunch():
    # Wednesday 2 December 2026, winter time: UTC+1.
    assert is_open(OFFICE, utc(2026, 12, 2, 8, 0))  # 09:00
    assert is_open(OFFICE, utc(2026, 12, 2, 11, 29))  # 12:29
    assert not is_open(OFFICE, utc(2026, 12, 2, 11, 30))  # 12:30: lunch
    assert is_open(OFFICE, utc(2026, 12, 2, 12, 0))  # 13:00
    assert not is_open(OFFICE, utc(2026, 12, 2, 16, 0))  # 17:00: closed
    assert not is_open(OFFICE, utc(2026, 12, 2, 7, 59))  # 08:59


def test_after_closing_it_opens_the_next_working_day():
    friday_evening = utc(2026, 12, 4, 18, 0)  # Friday 19:00
    assert next_opening(OFFICE, friday_evening) == utc(2026, 12, 7, 8, 0)  # Monday 09:00
    assert next_opening(OFFICE, utc(2026, 12, 2, 11, 45)) == utc(2026, 12, 2, 12, 0)  # after lunch
    during = utc(2026, 12, 2, 9, 0)
    assert next_opening(OFFICE, during) == during  # open now: now


def test_dutch_public_holidays_close_it_unless_not_observed():
    kings_day = utc(2026, 4, 27, 9, 0)  # Monday 27 April 2026, 11:00 summer time
    assert holiday_name(OFFICE, date(2026, 4, 27)) == "Koningsdag"
    assert not is_open(OFFICE, kings_day)
    assert next_opening(OFFICE, kings_day) == utc(2026, 4, 28, 7, 0)  # Tuesday 09:00 CEST
    observed_not = calendar(WEEKDAYS_SPLIT, observe_holidays=False)
    assert is_open(observed_not, kings_day)


def test_christmas_takes_two_days_and_new_year_one():
    # Thursday 24 December 2026, 17:00: Christmas (Fri), Boxing Day (Sat), Sunday, then Monday.
    assert next_opening(OFFICE, utc(2026, 12, 24, 16, 0)) == utc(2026, 12, 28, 8, 0)
    names = [name for _day, name in upcoming_holidays(OFFICE, date(2026, 12, 1), days=62)]
    assert names == ["Eerste kerstdag", "Tweede kerstdag", "Nieuwjaarsdag"]
    assert [name for _d, name in upcoming_holidays(OFFICE, date(2026, 12, 1), days=31, language="en")] == [
        "Christmas Day",
        "Second Day of Christmas",
    ]


def test_an_exception_gives_a_date_other_hours_or_closes_it_and_goes_before_a_holiday():
    with_exceptions = calendar(
        WEEKDAYS_SPLIT,
        exceptions=[
            (date(2026, 12, 24), "Kerstavond", [("09:00", "15:00")]),
            (date(2026, 12, 31), "Oudejaarsdag", []),
            (date(2026, 12, 26), "Koopzondag-achtige zaterdag", [("10:00", "16:00")]),
        ],
    )
    assert is_open(with_exceptions, utc(2026, 12, 24, 13, 59))  # 14:59 on Christmas Eve
    assert not is_open(with_exceptions, utc(2026, 12, 24, 14, 0))  # 15:00: closed early
    assert not is_open(with_exceptions, utc(2026, 12, 31, 9, 0))  # New Year's Eve: closed
    assert is_open(with_exceptions, utc(2026, 12, 26, 10, 0))  # Boxing Day, but open by exception
    assert [item.label for item in with_exceptions.exceptions] == [
        "Kerstavond",
        "Koopzondag-achtige zaterdag",
        "Oudejaarsdag",
    ]


# --- The clocks change: the last Sundays of March and October -----------------------------------

SUNDAYS = calendar({"sunday": [("10:00", "16:00")], "saturday": [("10:00", "16:00")]}, observe_holidays=False)


def test_on_the_sunday_in_march_the_clocks_go_forward_and_ten_oclock_is_an_hour_earlier_in_utc():
    # Saturday 28 March 2026 10:00 is UTC 09:00 (winter); Sunday 29 March 10:00 is UTC 08:00.
    assert next_opening(SUNDAYS, utc(2026, 3, 28, 16, 0)) == utc(2026, 3, 29, 8, 0)
    assert not is_open(SUNDAYS, utc(2026, 3, 29, 7, 59))
    assert is_open(SUNDAYS, utc(2026, 3, 29, 8, 0))
    assert is_open(SUNDAYS, utc(2026, 3, 29, 13, 59))  # 15:59 CEST
    assert not is_open(SUNDAYS, utc(2026, 3, 29, 14, 0))  # 16:00 CEST
    assert opening_times(SUNDAYS, date(2026, 3, 28)) == [(utc(2026, 3, 28, 9, 0), utc(2026, 3, 28, 15, 0))]


def test_on_the_sunday_in_october_the_clocks_go_back_and_ten_oclock_is_an_hour_later_in_utc():
    assert next_opening(SUNDAYS, utc(2026, 10, 24, 16, 0)) == utc(2026, 10, 25, 9, 0)
    assert not is_open(SUNDAYS, utc(2026, 10, 25, 8, 59))
    assert is_open(SUNDAYS, utc(2026, 10, 25, 9, 0))
    assert not is_open(SUNDAYS, utc(2026, 10, 25, 15, 0))  # 16:00 CET


def test_a_time_in_the_skipped_hour_opens_when_the_clocks_jump():
    nights = calendar({"sunday": [("02:30", "05:00")]}, observe_holidays=False)
    # 29 March 2026: at 02:00 CET (UTC 01:00) the clocks jump to 03:00 CEST; 02:30 never happens.
    assert next_opening(nights, utc(2026, 3, 28, 22, 0)) == utc(2026, 3, 29, 1, 0)
    assert not is_open(nights, utc(2026, 3, 29, 0, 59))  # 01:59 CET
    assert is_open(nights, utc(2026, 3, 29, 1, 0))  # 03:00 CEST
    assert opening_times(nights, date(2026, 3, 29)) == [(utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 3, 0))]


def test_in_the_hour_that_happens_twice_both_count():
    nights = calendar({"sunday": [("02:15", "02:45")]}, observe_holidays=False)
    # 25 October 2026: 02:00-03:00 happens at UTC 00:00-01:00 (CEST) and again at 01:00-02:00 (CET).
    assert is_open(nights, utc(2026, 10, 25, 0, 20))
    assert not is_open(nights, utc(2026, 10, 25, 0, 50))
    assert is_open(nights, utc(2026, 10, 25, 1, 20))
    assert next_opening(nights, utc(2026, 10, 25, 1, 0)) == utc(2026, 10, 25, 1, 15)  # the second 02:15


def test_open_until_midnight_and_on_from_midnight():
    late = calendar({"friday": [("18:00", "24:00")], "saturday": [("00:00", "02:00")]}, observe_holidays=False)
    assert is_open(late, utc(2026, 12, 4, 22, 59))  # Friday 23:59
    assert is_open(late, utc(2026, 12, 4, 23, 0))  # Saturday 00:00
    assert not is_open(late, utc(2026, 12, 5, 1, 0))  # Saturday 02:00


def test_always_open_without_hours_and_never_open_without_a_single_interval():
    assert is_open(ALWAYS_OPEN, utc(2026, 12, 25, 3, 0))
    never = calendar({})
    assert next_opening(never, utc(2026, 12, 2, 9, 0)) is None


# --- Reading what an admin wrote ----------------------------------------------------------------


def test_a_day_is_read_from_what_an_admin_types():
    assert [str(i) for i in parse_day("9:00 - 12:30, 13.00-17:00")] == ["09:00-12:30", "13:00-17:00"]
    assert parse_day("") == ()
    assert parse_day("gesloten") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00-08:00", "de sluitingstijd moet na de openingstijd liggen"),
        ("09:00-12:00, 11:00-13:00", "overlappen"),
        ("9 tot 5", "is geen tijdvak"),
        ("25:00-26:00", "is geen tijd"),
        ("24:00-24:00", "is geen tijd"),
    ],
)
def test_a_wrong_day_says_what_is_wrong(text, message):
    with pytest.raises(ValidationError) as error:
        parse_day(text)
    assert message in " ".join(error.value.messages)


def test_exceptions_are_read_one_a_line_and_an_error_names_its_line():
    read = parse_exceptions("24-12-2026 09:00-12:00, 13:00-15:00 Kerstavond\n\n2026-12-31 gesloten Oudejaarsdag\n")
    assert read == (
        DayException(date(2026, 12, 24), "Kerstavond", parse_day("09:00-12:00, 13:00-15:00")),
        DayException(date(2026, 12, 31), "Oudejaarsdag", ()),
    )
    with pytest.raises(ValidationError) as error:
        parse_exceptions("24-12-2026 gesloten\n31-13-2026 gesloten")
    assert error.value.messages[0].startswith("Regel 2:")
    with pytest.raises(ValidationError) as twice:
        parse_exceptions("24-12-2026 gesloten\n2026-12-24 10:00-12:00")
    assert "twee keer" in twice.value.messages[0]


def test_build_names_every_wrong_field():
    with pytest.raises(ValidationError) as error:
        build(
            {"monday": [("17:00", "09:00")], "funday": []},
            exceptions=[(date(2026, 12, 24), "", [("10:00", "xx")])],
            holiday_country="XX",
        )
    assert set(error.value.message_dict) == {"weekly", "weekly.monday", "exceptions.0", "holidays.country"}
