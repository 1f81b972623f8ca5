"""A year of the official calendar from its file: read, checked, and used by the rules."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from commands import seed
from commands.calendar_file import calendar_command, read_calendar_file, schedule_of
from commands.messages import ObtainDocuments
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.state import Timetable
from tests.support.pure import B, decide, registry, seed_tender

TEST_YEAR = Path(__file__).resolve().parents[1] / "vectors" / "calendar" / "test-2027.json"


def year_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TEST_YEAR.read_text(encoding="utf-8"))
    return data


def test_the_test_file_becomes_the_record_calendar_command() -> None:
    command = read_calendar_file(TEST_YEAR)
    assert command.year == 2027
    assert command.days_off == (date(2027, 3, 3), date(2027, 3, 4), date(2027, 9, 15))
    assert command.make_up_days == (date(2027, 3, 6),)
    assert command.source.startswith("TEST DATA ONLY")
    calendar = WorkingCalendar([schedule_of(command)])
    assert not calendar.is_working_day(date(2027, 3, 3))  # a day off on a Wednesday
    assert calendar.is_working_day(date(2027, 3, 6))  # a make-up Saturday
    assert not calendar.is_working_day(date(2027, 3, 7))  # an ordinary Sunday


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="v0"), r"format must be 'bidledger/calendar-year/v1'"),
        (lambda d: d.update(year="2027"), r"year must be a year"),
        (lambda d: d.update(source=" "), r"source must name"),
        (lambda d: d.update(extra=1), r"unknown field 'extra'"),
        (lambda d: d["holidays"][1].update(name=""), r"holidays\[1\]\.name"),
        (
            lambda d: d["holidays"][0]["days_off"].append("2027-02-30"),
            r"holidays\[0\]\.days_off\[2\]: '2027-02-30' is not a date",
        ),
        (
            lambda d: d["holidays"][1]["days_off"].append("2026-12-31"),
            r"holidays\[1\]\.days_off\[1\]: 2026-12-31 is not in 2027",
        ),
        (
            lambda d: d["holidays"][1]["days_off"].append("2027-03-03"),
            r"holidays\[1\]\.days_off: 2027-03-03 appears twice",
        ),
        (
            lambda d: d["holidays"][1]["make_up_days"].append("2027-09-17"),
            r"2027-09-17 is a weekday; a make-up working day is a Saturday or a Sunday",
        ),
    ],
)
def test_a_faulty_calendar_file_is_refused_naming_the_place(change: Any, message: str) -> None:
    data = copy.deepcopy(year_file())
    change(data)
    with pytest.raises(InvalidInput, match=message):
        calendar_command(data)


def test_without_the_year_recorded_a_rule_in_2027_is_refused_and_with_it_applies() -> None:
    tender = seed_tender()
    tender.timetable = Timetable(
        B("2027-03-01 08:30"),
        B("2027-03-15 09:30"),
        B("2027-03-10 17:30"),
        B("2027-03-15 09:30"),
        30,
    )
    obtain = ObtainDocuments(seed.CODE)
    with pytest.raises(RuleViolation, match=r"^refused by R2 .*calendar of 2027 is not recorded"):
        decide(tender, obtain, seed.QXD, "bidder", B("2027-03-02 09:00"), registry(2026))
    recorded = registry(2026)
    recorded.calendar = recorded.calendar.with_year(schedule_of(read_calendar_file(TEST_YEAR)))
    decide(tender, obtain, seed.QXD, "bidder", B("2027-03-02 09:00"), recorded)
    with pytest.raises(
        RuleViolation, match=r"^refused by invitation 三 .*2027-03-03 is a statutory"
    ):
        decide(tender, obtain, seed.QXD, "bidder", B("2027-03-03 09:00"), recorded)
