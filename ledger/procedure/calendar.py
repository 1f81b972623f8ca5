"""Working days on the official calendar of the People's Republic of China, as ledger facts.

Each year's schedule (the State Council's notice: days off and make-up working days, 调休)
is recorded on the registry by the registration authority (``RecordCalendar``), so the rules,
``verify`` and the offline bundle verifier all count working days from the same signed facts.
A working day is a make-up working day, or a Monday to Friday that is not a day off. A rule
that needs a year nobody recorded is refused, naming the year (R2). Days are calendar days in
Beijing time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ledger.clock import BEIJING, to_beijing
from ledger.errors import InvalidInput, RuleViolation
from ledger.rules import catalogue as rules

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class YearSchedule:
    """One year of the official calendar: its days off and its make-up working days."""

    year: int
    days_off: frozenset[date]
    make_up_days: frozenset[date]
    source: str

    def is_working_day(self, day: date) -> bool:
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.days_off


class WorkingCalendar:
    """The recorded years of the official calendar."""

    def __init__(self, years: Iterable[YearSchedule] = ()) -> None:
        self.years = {schedule.year: schedule for schedule in years}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkingCalendar) and self.years == other.years

    __hash__ = None  # type: ignore[assignment]

    def with_year(self, schedule: YearSchedule) -> WorkingCalendar:
        return WorkingCalendar([*self.years.values(), schedule])

    def is_working_day(self, day: date | datetime) -> bool:
        """Whether ``day`` (a datetime: its Beijing calendar day) is a working day."""
        day = _beijing_day(day)
        return self._schedule(day).is_working_day(day)

    def is_day_off(self, day: date | datetime) -> bool:
        """Whether ``day`` is one of the official days off (a statutory holiday, 法定节假日)."""
        day = _beijing_day(day)
        return day in self._schedule(day).days_off

    def _schedule(self, day: date) -> YearSchedule:
        schedule = self.years.get(day.year)
        if schedule is None:
            recorded = ", ".join(str(y) for y in sorted(self.years)) or "none"
            raise RuleViolation(
                rules.CALENDAR_RECORDED,
                f"the official calendar of {day.year} is not recorded on the ledger "
                f"(needed for {day.isoformat()}; recorded years: {recorded})",
            )
        return schedule

    def add_working_days(self, moment: datetime, count: int) -> datetime:
        """The end (23:59:59.999999 Beijing time) of the ``count``-th working day after the
        Beijing calendar day of ``moment``; ``count`` is at least 1."""
        if count < 1:
            raise InvalidInput(f"a number of working days must be at least 1, found {count}")
        day = to_beijing(moment).date()
        remaining = count
        while remaining:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, time.max, tzinfo=BEIJING)

    def working_days_after(self, start: datetime, end: datetime) -> int:
        """How many working days lie after the Beijing day of ``start``, up to and including
        the Beijing day of ``end``; 0 if ``end`` is not on a later day."""
        day = to_beijing(start).date()
        last = to_beijing(end).date()
        count = 0
        while day < last:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


def _beijing_day(day: date | datetime) -> date:
    return to_beijing(day).date() if isinstance(day, datetime) else day
