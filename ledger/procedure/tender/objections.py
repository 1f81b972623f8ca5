"""Challenges of the tender documents themselves (§6.2, invitation 六(三)).

Any supplier that obtained the documents may challenge them (质疑), in writing with the
contents of §34, not only a bidder in a lot. The window closes 7 working days after the
announcement period ends (§6.2; the period is the notice's working days from publication,
invitation 五), or on the notice's own date (``objections_until``, the seed's 2021-01-07)
if that is later: a notice can shorten neither the period §6.2 grants nor the law behind
it. The answer, the complaint and the regulator's decision are those of any challenge
(:mod:`ledger.procedure.tender.remedies`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ledger.clock import format_time
from ledger.errors import RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.clocks import WorkingDays
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Challenge, TenderState
from ledger.procedure.tender.remedies import challenge_facts, check_contents
from ledger.rules import catalogue as rules

OBJECTION_DAYS = WorkingDays(7)


@dataclass(frozen=True)
class ChallengeDocuments(TenderCommand):
    """A supplier that obtained the documents challenges them (质疑书, §6.2, §34)."""

    guard: ClassVar[Guard] = Guard(role="bidder")  # the window is the rule's own check
    challenger_name: str = arg(empty=True, max_length=300)
    address: str = arg(empty=True, max_length=500)
    phone: str = arg(empty=True, max_length=100)
    matters: str = arg(empty=True, max_length=20000)
    facts: str = arg(empty=True, max_length=20000)
    request: str = arg(empty=True, max_length=20000)
    evidence: str = arg(empty=True, max_length=20000)
    date: str = arg(empty=True, max_length=10)
    signatory: str = arg(empty=True, max_length=300)


def objections_close(tender: TenderState, calendar: WorkingCalendar) -> datetime:
    """When challenges of the documents close: §6.2's 7 working days after the announcement
    period, or the notice's own date if later."""
    assert tender.timetable is not None
    assert tender.published_at is not None
    announcement = WorkingDays(int(tender.terms.get("announcement_working_days", 5)))
    announced_until = tender.clock(tender.published_at, announcement, calendar)
    closes = tender.clock(announced_until, OBJECTION_DAYS, calendar)
    notice = tender.timetable.objections_until
    return closes if notice is None else max(closes, notice)


@decides(ChallengeDocuments)
def challenge_documents(tender: TenderState, command: ChallengeDocuments, ctx: Context) -> Decision:
    if ctx.actor not in tender.documents_obtained:
        raise RuleViolation(
            rules.OBJECTOR_OBTAINED_DOCUMENTS,
            f"{ctx.actor} never obtained the documents of tender {tender.code}",
        )
    closes = objections_close(tender, ctx.registry.calendar)
    if ctx.now > closes:
        raise RuleViolation(
            rules.DOCUMENTS_OBJECTION_WINDOW,
            f"challenges of the documents closed {format_time(closes)}, not {format_time(ctx.now)}",
        )
    check_contents(command)
    return Decision("DocumentsChallenged", challenge_facts(tender, ctx))


@applies("DocumentsChallenged")
def _challenged(tender: TenderState, event: EventRecord) -> None:
    challenge_id = event.facts["challenge_id"]
    tender.challenges[challenge_id] = Challenge(
        challenge_id, "", event.actor, event.time, subject="documents"
    )
