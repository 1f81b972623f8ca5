"""Every clock of the procedure stops while it is suspended and gets back what it had left."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.clock import BEIJING
from ledger.errors import RuleViolation
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.clocks import (
    Days,
    Minutes,
    Period,
    Suspension,
    WorkingDays,
    due,
    end_of_day,
    running_time,
)
from ledger.workdays import package_schedule

CALENDAR = WorkingCalendar([package_schedule(year) for year in (2020, 2021, 2022)])
ONE_DAY = timedelta(days=1)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


def test_the_decryption_time_suspended_at_0935_and_resumed_at_1100_runs_until_1125() -> None:
    outage = Suspension(at("2021-01-15 09:35"), at("2021-01-15 11:00"))
    assert due(at("2021-01-15 09:30"), Minutes(30)) == at("2021-01-15 10:00")
    assert due(at("2021-01-15 09:30"), Minutes(30), [outage]) == at("2021-01-15 11:25")


def test_a_suspension_before_the_clock_starts_or_after_it_ran_out_changes_nothing() -> None:
    start = at("2021-01-15 10:01")
    before = Suspension(at("2021-01-15 08:00"), at("2021-01-15 09:00"))
    after = Suspension(at("2021-01-15 10:31"), at("2021-01-15 12:00"))
    ongoing_after = Suspension(at("2021-01-15 10:31"))
    assert due(start, Minutes(30), [before, after]) == at("2021-01-15 10:31")
    assert due(start, Minutes(30), [ongoing_after]) == at("2021-01-15 10:31")


def test_while_a_suspension_lasts_no_clock_falls_due() -> None:
    ongoing = Suspension(at("2021-01-15 09:35"))
    assert due(at("2021-01-15 09:30"), Minutes(30), [ongoing]) is None
    assert due(at("2021-01-15 15:00"), WorkingDays(5), [ongoing], CALENDAR) is None
    assert due(at("2021-01-15 15:00"), Days(30), [ongoing]) is None


def test_working_days_skip_every_day_touched_by_a_suspension() -> None:
    report = at("2021-03-01 15:00")  # Monday; no holiday in March 2021
    assert due(report, WorkingDays(5), [], CALENDAR) == end_of_day(date(2021, 3, 8))
    wednesday_to_thursday = Suspension(at("2021-03-03 15:00"), at("2021-03-04 09:00"))
    assert due(report, WorkingDays(5), [wednesday_to_thursday], CALENDAR) == end_of_day(
        date(2021, 3, 10)
    )


def test_a_suspension_over_a_weekend_costs_no_working_day() -> None:
    weekend = Suspension(at("2021-03-06 09:00"), at("2021-03-07 18:00"))
    assert due(at("2021-03-01 15:00"), WorkingDays(5), [weekend], CALENDAR) == end_of_day(
        date(2021, 3, 8)
    )


def test_a_resumption_at_midnight_leaves_that_day_counted() -> None:
    night = Suspension(at("2021-03-03 20:00"), at("2021-03-04 00:00"))
    assert due(at("2021-03-01 15:00"), WorkingDays(5), [night], CALENDAR) == end_of_day(
        date(2021, 3, 9)
    )


def test_calendar_days_count_weekends_and_skip_suspended_days() -> None:
    letter = at("2021-01-22 16:00")
    assert due(letter, Days(30)) == end_of_day(date(2021, 2, 21))
    three_days = Suspension(at("2021-02-01 10:00"), at("2021-02-03 10:00"))
    assert due(letter, Days(30), [three_days]) == end_of_day(date(2021, 2, 24))


def test_a_working_day_clock_in_an_unrecorded_year_is_refused_naming_r2() -> None:
    with pytest.raises(RuleViolation, match=r"^refused by R2 .*calendar of 2023"):
        due(at("2022-12-28 10:00"), WorkingDays(5), [], CALENDAR)


# Random suspensions: each starts after the previous ended; the last may still be in force.
_MINUTE = timedelta(minutes=1)
_FIRST = at("2021-01-25 00:00")  # the Spring Festival, its make-up days and Qingming follow


@st.composite
def suspensions(draw: st.DrawFn, unit: timedelta) -> list[Suspension]:
    found: list[Suspension] = []
    cursor = _FIRST + draw(st.integers(0, 40)) * unit
    for _ in range(draw(st.integers(0, 4))):
        since = cursor + draw(st.integers(0, 30)) * unit
        if draw(st.integers(0, 9)) == 0:
            found.append(Suspension(since))
            break
        until = since + draw(st.integers(0, 30)) * unit
        found.append(Suspension(since, until))
        cursor = until + _MINUTE
    return found


def _inside(moment: datetime, found: list[Suspension]) -> bool:
    """Whether the procedure stood suspended just before ``moment`` and still at it."""
    return any(s.since < moment and (s.until is None or moment < s.until) for s in found)


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(0, 60).map(lambda n: _FIRST + n * _MINUTE * 7),
    minutes=st.integers(1, 120),
    found=suspensions(_MINUTE * 5),
)
def test_a_clock_of_minutes_runs_exactly_its_minutes_outside_suspensions(
    start: datetime, minutes: int, found: list[Suspension]
) -> None:
    plain = start + timedelta(minutes=minutes)
    when = due(start, Minutes(minutes), found)
    ongoing = [s for s in found if s.until is None]
    if when is None:  # only while a suspension that began before it ran out still lasts
        assert ongoing
        assert running_time(start, ongoing[0].since, found) < timedelta(minutes=minutes)
        return
    assert when >= plain
    assert not _inside(when, found), "a clock never runs out during a suspension"
    assert running_time(start, when, found) == timedelta(minutes=minutes)


@settings(max_examples=300, deadline=None)
@given(
    start=st.integers(0, 60).map(lambda n: _FIRST + n * timedelta(hours=5)),
    count=st.integers(1, 20),
    working=st.booleans(),
    found=suspensions(timedelta(hours=7)),
)
def test_a_clock_of_days_counts_exactly_its_days_untouched_by_a_suspension(
    start: datetime, count: int, working: bool, found: list[Suspension]
) -> None:
    period: Period = WorkingDays(count) if working else Days(count)
    when = due(start, period, found, CALENDAR)
    counted = _counted_days(start.date(), working, found)
    if when is None:
        ongoing = next(s for s in found if s.until is None)
        assert len([d for d in counted if d < ongoing.since.date()]) < count
        return
    assert not _inside(when, found), "a clock of days never falls due inside a suspension"
    assert when.time() == time.max
    assert when.date() in counted
    assert [d for d in counted if d <= when.date()] == counted[:count]
    assert when >= due(start, period, [], CALENDAR)  # type: ignore[operator]


def _counted_days(start: date, working: bool, found: list[Suspension]) -> list[date]:
    """Days after ``start`` a clock counts, found by walking every day (the test's oracle)."""
    counted, day = [], start
    while day < start + timedelta(days=200):
        day += ONE_DAY
        midnight = datetime.combine(day, time.min, tzinfo=BEIJING)
        suspended = any(
            s.since < midnight + ONE_DAY and (s.until is None or s.until > midnight) for s in found
        )
        if not suspended and (not working or CALENDAR.is_working_day(day)):
            counted.append(day)
    return counted
