"""Every due time of the procedure, computed by one function that stops for suspensions.

A clock starts at a moment (the opening, the report, a challenge, the award letter...) and
runs for a period. A suspension (§23.3, or the regulator's under §36) stops every clock that
is running while it lasts, and on resumption each gets back what it had left:

* a clock of **minutes** (the decryption time, §23.2(3)) runs only while the procedure is
  not suspended: its due time moves later by exactly the suspended time that falls before it;
* a clock of **days** (calendar days, or working days on the official calendar) counts the
  days after the Beijing calendar day it started on, and ends at the end (23:59:59) of the
  last day it counts. A day on which the procedure stood suspended at any moment is not
  counted; nor, for working days, is a day that is not a working day. So a clock that had k
  uncounted days left when a suspension began still has k whole days after the resumption:
  it gets back at least the time it had left, in whole days (a party never loses the rest
  of a day on which the procedure stopped).

While a suspension that stops a clock is still in force, the clock has no due time
(:func:`due` returns None): nothing can fall due during a suspension.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ledger.clock import BEIJING, to_beijing
from ledger.procedure.calendar import WorkingCalendar

__all__ = [
    "Days",
    "Minutes",
    "Period",
    "Suspension",
    "WorkingDays",
    "due",
    "end_of_day",
    "running_time",
]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Suspension:
    """The procedure stood suspended from ``since`` until ``until`` (None: still suspended)."""

    since: datetime
    until: datetime | None = None

    def touches(self, day: date) -> bool:
        """Whether the procedure stood suspended at any moment of Beijing calendar ``day``."""
        start = datetime.combine(day, time.min, tzinfo=BEIJING)
        end = start + _ONE_DAY
        return self.since < end and (self.until is None or self.until > start)


@dataclass(frozen=True)
class Minutes:
    """A clock of ``count`` minutes of running time."""

    count: int


@dataclass(frozen=True)
class Days:
    """A clock of ``count`` calendar days (日历日) after the day it starts."""

    count: int


@dataclass(frozen=True)
class WorkingDays:
    """A clock of ``count`` working days (工作日) after the day it starts."""

    count: int


Period = Minutes | Days | WorkingDays


def due(
    start: datetime,
    period: Period,
    suspensions: Sequence[Suspension] = (),
    calendar: WorkingCalendar | None = None,
) -> datetime | None:
    """When a clock started at ``start`` for ``period`` runs out, suspensions excluded.

    None while a suspension that stopped the clock is still in force. Working days need
    ``calendar`` (the years recorded on the ledger; an unrecorded year is refused, R2).
    """
    ordered = sorted(suspensions, key=lambda s: s.since)
    if isinstance(period, Minutes):
        return _minutes_due(to_beijing(start), timedelta(minutes=period.count), ordered)
    if isinstance(period, WorkingDays) and calendar is None:
        raise TypeError("a clock of working days needs the recorded calendar")
    working = calendar if isinstance(period, WorkingDays) else None
    return _days_due(to_beijing(start).date(), period.count, ordered, working)


def end_of_day(day: date) -> datetime:
    """The last moment of Beijing calendar ``day`` (what a clock of days ends at)."""
    return datetime.combine(day, time.max, tzinfo=BEIJING)


def running_time(start: datetime, end: datetime, suspensions: Iterable[Suspension]) -> timedelta:
    """How long the procedure ran between ``start`` and ``end``, suspended time excluded."""
    total = max(end - start, timedelta(0))
    for suspension in suspensions:
        stop = end if suspension.until is None else min(end, suspension.until)
        total -= max(stop - max(start, suspension.since), timedelta(0))
    return total


def _minutes_due(
    start: datetime, allowed: timedelta, suspensions: list[Suspension]
) -> datetime | None:
    cursor, left = start, allowed
    for suspension in suspensions:
        if suspension.until is not None and suspension.until <= cursor:
            continue  # over before the clock reached it
        if suspension.since >= cursor + left:
            break  # the clock runs out before this suspension begins
        left -= max(suspension.since - cursor, timedelta(0))
        if suspension.until is None:
            return None
        cursor = max(cursor, suspension.until)
    return cursor + left


def _days_due(
    start: date,
    count: int,
    suspensions: list[Suspension],
    calendar: WorkingCalendar | None,
) -> datetime | None:
    if count < 1:
        raise ValueError(f"a clock of days runs at least 1 day, found {count}")
    ongoing = next((s for s in suspensions if s.until is None), None)
    stop = None if ongoing is None else to_beijing(ongoing.since).date()
    day, left = start, count
    while left:
        day += _ONE_DAY
        if stop is not None and day >= stop:
            return None
        if calendar is not None and not calendar.is_working_day(day):
            continue
        if not any(s.touches(day) for s in suspensions):
            left -= 1
    return end_of_day(day)
