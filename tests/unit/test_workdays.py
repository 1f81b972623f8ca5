"""Working days on the official PRC calendar, make-up working days (调休) included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.clock import BEIJING
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.calendar import WorkingCalendar
from ledger.workdays import package_schedule

CALENDAR = WorkingCalendar([package_schedule(year) for year in range(2005, 2027)])
is_working_day = CALENDAR.is_working_day
add_working_days = CALENDAR.add_working_days
working_days_after = CALENDAR.working_days_after

OPENING = datetime(2021, 1, 15, 9, 30, tzinfo=BEIJING)  # a Friday


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=BEIJING)


def test_a_sunday_can_be_a_make_up_working_day() -> None:
    assert is_working_day(date(2021, 2, 7)) is True


def test_a_saturday_can_be_a_make_up_working_day() -> None:
    assert is_working_day(date(2020, 10, 10)) is True


def test_new_years_day_is_a_holiday() -> None:
    assert is_working_day(date(2021, 1, 1)) is False


def test_an_ordinary_weekday_and_weekend() -> None:
    assert is_working_day(date(2021, 1, 15)) is True
    assert is_working_day(date(2021, 1, 16)) is False


def test_the_2021_spring_festival_is_off_from_the_11th_to_the_17th() -> None:
    days = [date(2021, 2, day) for day in range(10, 21)]
    assert [day.day for day in days if is_working_day(day)] == [10, 18, 19, 20]


def test_five_working_days_after_the_opening_end_the_next_friday() -> None:
    assert add_working_days(OPENING, 5) == _end_of(date(2021, 1, 22))


def test_one_working_day_after_a_friday_is_the_monday() -> None:
    assert add_working_days(OPENING, 1) == _end_of(date(2021, 1, 18))


def test_the_result_is_the_last_microsecond_of_the_day_in_beijing() -> None:
    end = add_working_days(OPENING, 1)
    assert end.isoformat() == "2021-01-18T23:59:59.999999+08:00"


def test_working_days_skip_the_spring_festival_and_count_its_saturday() -> None:
    eve = datetime(2021, 2, 10, 17, 0, tzinfo=BEIJING)
    assert add_working_days(eve, 1) == _end_of(date(2021, 2, 18))
    assert add_working_days(eve, 3) == _end_of(date(2021, 2, 20))
    assert working_days_after(eve, datetime(2021, 2, 20, 9, 0, tzinfo=BEIJING)) == 3


def test_a_make_up_sunday_counts_as_a_working_day() -> None:
    friday = datetime(2021, 2, 5, 12, 0, tzinfo=BEIJING)
    assert add_working_days(friday, 1) == _end_of(date(2021, 2, 7))


def test_the_day_is_taken_in_beijing_time() -> None:
    thursday_in_utc = datetime(2021, 1, 14, 16, 30, tzinfo=UTC)  # Friday 00:30 in Beijing
    assert add_working_days(thursday_in_utc, 1) == _end_of(date(2021, 1, 18))
    assert is_working_day(datetime(2021, 1, 15, 16, 30, tzinfo=UTC)) is False  # Saturday


def test_working_days_after_counts_after_the_start_day_up_to_the_end_day() -> None:
    assert working_days_after(OPENING, datetime(2021, 1, 22, 8, 0, tzinfo=BEIJING)) == 5
    assert working_days_after(OPENING, datetime(2021, 1, 18, 0, 0, tzinfo=BEIJING)) == 1
    assert working_days_after(OPENING, datetime(2021, 1, 17, 23, 0, tzinfo=BEIJING)) == 0


def test_no_working_days_lie_after_an_end_on_the_same_or_an_earlier_day() -> None:
    assert working_days_after(OPENING, OPENING.replace(hour=23)) == 0
    assert working_days_after(OPENING, datetime(2021, 1, 11, tzinfo=BEIJING)) == 0


def test_a_year_not_recorded_is_refused_naming_the_year() -> None:
    with pytest.raises(RuleViolation, match=r"^refused by R2 .*calendar of 2003 is not recorded"):
        is_working_day(date(2003, 6, 2))


def test_adding_no_working_days_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 1, found 0"):
        add_working_days(OPENING, 0)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="has no time zone"):
        add_working_days(datetime(2021, 1, 15, 9, 30), 1)


@given(
    st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2025, 10, 1)),
    st.integers(min_value=1, max_value=40),
)
def test_counting_the_days_added_gives_back_the_count(moment: datetime, count: int) -> None:
    start = moment.replace(tzinfo=BEIJING)
    end = add_working_days(start, count)
    assert working_days_after(start, end) == count
    assert is_working_day(end.date()) is True
