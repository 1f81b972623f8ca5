"""Working days on the official calendar of the People's Republic of China.

Public holidays and the make-up working days (调休) come from the ``chinese_calendar``
package, which knows the State Council's schedule for the years it ships data for.
Days are calendar days in Beijing time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar

from ledger.clock import BEIJING, to_beijing
from ledger.errors import InvalidInput

__all__ = ["add_working_days", "is_working_day", "working_days_after"]

_ONE_DAY = timedelta(days=1)


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day, make-up working days included.

    A datetime is taken on its Beijing calendar day. Raises InvalidInput for a year
    the official calendar has no data for.
    """
    if isinstance(day, datetime):
        day = to_beijing(day).date()
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise InvalidInput(
            f"the official PRC calendar has no data for the year {day.year} ({day.isoformat()})"
        ) from exc


def add_working_days(moment: datetime, count: int) -> datetime:
    """The end (23:59:59.999999 Beijing time) of the ``count``-th working day after
    the Beijing calendar day of ``moment``; ``count`` is at least 1.
    """
    if count < 1:
        raise InvalidInput(f"a number of working days must be at least 1, found {count}")
    day = to_beijing(moment).date()
    remaining = count
    while remaining:
        day += _ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, time.max, tzinfo=BEIJING)


def working_days_after(start: datetime, end: datetime) -> int:
    """How many working days lie after the Beijing day of ``start``, up to and including
    the Beijing day of ``end``; 0 if ``end`` is not on a later day.
    """
    day = to_beijing(start).date()
    last = to_beijing(end).date()
    count = 0
    while day < last:
        day += _ONE_DAY
        if is_working_day(day):
            count += 1
    return count
