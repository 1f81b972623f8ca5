"""The notice's hours and dates before the deadline: downloads, answers, postponements.

* Downloads (invitation 三): every day from ``documents_from`` to ``documents_until``,
  08:30-12:00 and 14:30-17:30 Beijing time, statutory holidays excluded (the seed says
  每天 ... 法定节假日除外: the official calendar's days off are excluded, weekends are not).
* Questions (invitation 六(三)) are answered within 3 working days of being asked; a late
  answer is still published, marked late.
* §7.1: a clarification or amendment that may affect bid preparation and comes less than
  15 (calendar) days before the deadline needs a new deadline, set by the agency in the
  notice: at least 15 days after the change, on a working day, within the hours above.
  The ledger checks it; it never invents one. The agency may also postpone a deadline that
  §7.1 does not force (§7.3), never advance it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from ledger.clock import format_time, to_beijing
from ledger.errors import RuleViolation
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.clocks import WorkingDays
from ledger.procedure.state import TenderState, Timetable
from ledger.procedure.tender.stages import reason
from ledger.rules import catalogue as rules

AMENDMENT_NOTICE = timedelta(days=15)
ANSWER_DAYS = WorkingDays(3)
OFFICE_HOURS = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))


def within_office_hours(moment: datetime) -> bool:
    """Whether ``moment`` falls in the notice's hours, 08:30-12:00 or 14:30-17:30 Beijing."""
    clock = to_beijing(moment).time()
    return any(start <= clock <= end for start, end in OFFICE_HOURS)


def check_download_time(window: Timetable, now: datetime, calendar: WorkingCalendar) -> None:
    """Raise unless the documents may be obtained at ``now`` (invitation 三)."""
    if not window.documents_from <= now <= window.documents_until:
        raise RuleViolation(
            rules.DOCUMENTS_WINDOW,
            f"documents are available from {format_time(window.documents_from)} to "
            f"{format_time(window.documents_until)}, not at {format_time(now)}",
        )
    if calendar.is_day_off(now):
        raise RuleViolation(
            rules.DOWNLOAD_HOURS,
            f"{to_beijing(now).date().isoformat()} is a statutory holiday: no downloads",
        )
    if not within_office_hours(now):
        raise RuleViolation(
            rules.DOWNLOAD_HOURS,
            f"downloads are open 08:30-12:00 and 14:30-17:30, not at "
            f"{to_beijing(now).strftime('%H:%M:%S')}",
        )


def late_answers(
    tender: TenderState, question_ids: Iterable[str], now: datetime, calendar: WorkingCalendar
) -> list[dict[str, str]]:
    """The stored reasons of the answers given after their 3 working days."""
    late = []
    for question_id in question_ids:
        asked = tender.questions[question_id]["asked_at"]
        due = tender.clock(asked, ANSWER_DAYS, calendar)
        if now > due:
            detail = (
                f"{question_id} asked {format_time(asked)} was due an answer by {format_time(due)}"
            )
            late.append(reason(rules.QUESTION_ANSWER_DAYS, detail))
    return late


def postponement(
    tender: TenderState,
    change: str,
    affects_preparation: bool,
    new_deadline: datetime | None,
    ctx_now: datetime,
    calendar: WorkingCalendar,
) -> dict[str, Any]:
    """The facts of a deadline the notice moves (§7.1, §7.3), or a refusal naming the rule."""
    earliest = ctx_now + AMENDMENT_NOTICE
    forced = affects_preparation and tender.deadline < earliest
    where = (
        f"{change} published {format_time(ctx_now)}, less than 15 days before the deadline "
        f"{format_time(tender.deadline)}"
    )
    if new_deadline is None:
        if forced:
            raise RuleViolation(
                rules.AMENDMENT_POSTPONES,
                f"{where}, may affect bid preparation: the notice must set a new deadline "
                f"no earlier than {format_time(earliest)}",
            )
        return {}
    _check_new_deadline(tender, new_deadline, earliest if forced else None, where, calendar)
    if forced:
        detail = f"{where}; the agency set the new deadline"
        return {
            "deadline": format_time(new_deadline),
            "reason": reason(rules.AMENDMENT_POSTPONES, detail),
        }
    detail = f"{change} published {format_time(ctx_now)} postpones the deadline"
    return {
        "deadline": format_time(new_deadline),
        "reason": reason(rules.DEADLINE_POSTPONED, detail),
    }


def _check_new_deadline(
    tender: TenderState,
    new_deadline: datetime,
    earliest: datetime | None,
    where: str,
    calendar: WorkingCalendar,
) -> None:
    if new_deadline <= tender.deadline:
        raise RuleViolation(
            rules.DEADLINE_POSTPONED,
            f"the new deadline {format_time(new_deadline)} is not after the deadline "
            f"{format_time(tender.deadline)}",
        )
    if earliest is not None and new_deadline < earliest:
        raise RuleViolation(
            rules.AMENDMENT_POSTPONES,
            f"{where}: the new deadline {format_time(new_deadline)} comes less than 15 days "
            f"after it (no earlier than {format_time(earliest)})",
        )
    if not calendar.is_working_day(new_deadline) or not within_office_hours(new_deadline):
        raise RuleViolation(
            rules.POSTPONED_DEADLINE_HOURS,
            f"the new deadline {format_time(new_deadline)} is not on a working day within "
            "08:30-12:00 or 14:30-17:30",
        )
