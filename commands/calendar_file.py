"""A year of the official calendar as an operator writes it down: a JSON file, checked, and
turned into the registration authority's ``RecordCalendar`` command (docs/calendar.md).

The State Council publishes each year's schedule (国务院办公厅关于…年部分节假日安排的通知)
holiday by holiday: the days off and the make-up working days (调休) around each. The file
follows the notice::

    {
      "format": "bidledger/calendar-year/v1",
      "year": 2027,
      "source": "国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔…〕…号)",
      "holidays": [
        {"name": "元旦", "days_off": ["2027-01-01"], "make_up_days": []},
        ...
      ]
    }

Every day lies in ``year``, appears once, and a make-up working day is a Saturday or a
Sunday (a weekday is a working day anyway). Errors name the place in the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from commands.client import Actor
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput
from ledger.procedure.calendar import YearSchedule
from ledger.procedure.registry import RecordCalendar

FORMAT = "bidledger/calendar-year/v1"
AUTHORITY = "registration-authority"
_KEYS = {"format", "year", "source", "holidays"}
_HOLIDAY_KEYS = {"name", "days_off", "make_up_days"}

__all__ = ["FORMAT", "calendar_command", "read_calendar_file", "schedule_of", "sign_calendar"]


def read_calendar_file(path: str | Path) -> RecordCalendar:
    """The ``RecordCalendar`` command a calendar file describes; InvalidInput names the fault."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read calendar file {path}: {exc}") from None
    return calendar_command(data)


def calendar_command(data: Any) -> RecordCalendar:
    """The ``RecordCalendar`` command for one year, from the file's parsed JSON."""
    if not isinstance(data, Mapping):
        raise InvalidInput("a calendar file is a JSON object")
    _only(data, _KEYS, "the calendar file")
    if data.get("format") != FORMAT:
        raise InvalidInput(f"format must be {FORMAT!r}, found {data.get('format')!r}")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2200:
        raise InvalidInput(f"year must be a year from 2000 to 2200, found {year!r}")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InvalidInput("source must name the State Council's notice")
    holidays = data.get("holidays")
    if not isinstance(holidays, list) or not holidays:
        raise InvalidInput("holidays must be a non-empty list")
    days_off, make_up = _days(holidays, year)
    return RecordCalendar(
        year=year,
        days_off=tuple(sorted(days_off)),
        source=source,
        make_up_days=tuple(sorted(make_up)),
    )


def schedule_of(command: RecordCalendar) -> YearSchedule:
    """The year's schedule as the ledger will hold it once the command is recorded."""
    return YearSchedule(
        command.year, frozenset(command.days_off), frozenset(command.make_up_days), command.source
    )


def sign_calendar(
    command: RecordCalendar, signer: Signer, *, actor: str = AUTHORITY
) -> SignedCommand:
    """``command`` signed by the registration authority's key, ready for the ledger."""
    return Actor(actor, "authority", signer).sign(command)


def _days(holidays: list[Any], year: int) -> tuple[set[date], set[date]]:
    days_off: set[date] = set()
    make_up: set[date] = set()
    for number, holiday in enumerate(holidays):
        where = f"holidays[{number}]"
        if not isinstance(holiday, Mapping):
            raise InvalidInput(f"{where} must be an object")
        _only(holiday, _HOLIDAY_KEYS, where)
        name = holiday.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"{where}.name must name the holiday")
        for key, found in (("days_off", days_off), ("make_up_days", make_up)):
            for day in _dates(holiday.get(key, []), f"{where}.{key}", year):
                if day in days_off or day in make_up:
                    raise InvalidInput(f"{where}.{key}: {day.isoformat()} appears twice")
                if key == "make_up_days" and day.weekday() < 5:
                    raise InvalidInput(
                        f"{where}.make_up_days: {day.isoformat()} is a weekday; a make-up "
                        "working day is a Saturday or a Sunday"
                    )
                found.add(day)
    return days_off, make_up


def _dates(values: Any, where: str, year: int) -> list[date]:
    if not isinstance(values, list):
        raise InvalidInput(f"{where} must be a list of dates")
    days = []
    for number, value in enumerate(values):
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise InvalidInput(f"{where}[{number}]: {value!r} is not a date such as '{year}-01-01'")
        if day.year != year:
            raise InvalidInput(f"{where}[{number}]: {value} is not in {year}")
        days.append(day)
    return days


def _only(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    if unknown := sorted(set(data) - allowed):
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}")
