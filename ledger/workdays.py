"""The official PRC calendar as the ``chinese_calendar`` package ships it, for the years it has.

The rules count working days from the years recorded on the ledger
(:mod:`ledger.procedure.calendar`). This module is where a year's schedule comes from when
the package covers it: :func:`package_schedule` gives the days off and make-up working days
to record, and :func:`check_against_package` says whether a recorded year agrees with it.
"""

from __future__ import annotations

from datetime import date
from importlib.metadata import version

import chinese_calendar

from ledger.errors import InvalidInput, VerificationFailure
from ledger.procedure.calendar import YearSchedule

__all__ = ["check_against_package", "package_schedule", "package_years"]


def package_years() -> range:
    """The years the installed package has data for."""
    years = sorted({day.year for day in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


def package_schedule(year: int) -> YearSchedule:
    """Year ``year`` of the official calendar as the package ships it."""
    if year not in package_years():
        raise InvalidInput(
            f"the chinesecalendar package has no data for {year}; record the State Council's "
            "notice for that year by hand (RecordCalendar)"
        )
    return YearSchedule(
        year,
        frozenset(d for d in chinese_calendar.holidays if d.year == year),
        frozenset(d for d in chinese_calendar.workdays if d.year == year),
        f"国务院办公厅关于{year}年部分节假日安排的通知 "
        f"(as carried by chinesecalendar {version('chinesecalendar')})",
    )


def check_against_package(schedule: YearSchedule) -> None:
    """Raise unless a recorded year agrees with the package (for the years it covers)."""
    if schedule.year not in package_years():
        return
    shipped = package_schedule(schedule.year)
    for name, recorded, expected in (
        ("days off", schedule.days_off, shipped.days_off),
        ("make-up working days", schedule.make_up_days, shipped.make_up_days),
    ):
        if recorded != expected:
            differ = sorted(recorded ^ expected)[:5]
            raise VerificationFailure(
                f"calendar of {schedule.year}",
                f"the recorded {name} differ from the official calendar on {_days(differ)}",
            )


def _days(days: list[date]) -> str:
    return ", ".join(day.isoformat() for day in days)
