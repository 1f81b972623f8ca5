"""Challenge (质疑), answer, complaint (投诉) and the regulator's decision (§34-§36).

A challenge of an award comes within 7 working days after its publicity ends (§35); one of
the documents themselves is in :mod:`ledger.procedure.tender.objections`. The agency answers
within 7 working days; a late answer is recorded as late, never refused. An unsatisfied
challenger complains within 15 working days of the answer, or, when no answer came in
time, at once and within 15 working days of the day the answer was due (§36). Every window
is a clock of the tender, stopped by its suspensions (:mod:`ledger.procedure.clocks`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal, Protocol

from ledger.clock import format_time
from ledger.errors import InvalidInput, NotFound, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.clocks import WorkingDays
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Challenge, Lot, TenderState
from ledger.procedure.tender.stages import reason
from ledger.procedure.tender.suspension import begin_suspension
from ledger.rules import catalogue as rules

CHALLENGE_ITEMS = (
    "challenger_name",
    "address",
    "phone",
    "matters",
    "facts",
    "request",
    "evidence",
    "date",
    "signatory",
)
CHALLENGE_DAYS = WorkingDays(7)
ANSWER_DAYS = WorkingDays(7)
COMPLAINT_DAYS = WorkingDays(15)
ANNULLED = {"rule": rules.REGULATOR_DECIDES.code, "detail": "the award is annulled"}
_EVALUATION = phases("evaluation")


@dataclass(frozen=True)
class FileChallenge(TenderCommand):
    """A written challenge (质疑书) with the contents §34 requires; ``date`` is YYYY-MM-DD."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    challenger_name: str = arg(empty=True, max_length=300)
    address: str = arg(empty=True, max_length=500)
    phone: str = arg(empty=True, max_length=100)
    matters: str = arg(empty=True, max_length=20000)
    facts: str = arg(empty=True, max_length=20000)
    request: str = arg(empty=True, max_length=20000)
    evidence: str = arg(empty=True, max_length=20000)
    date: str = arg(empty=True, max_length=10)
    signatory: str = arg(empty=True, max_length=300)


@dataclass(frozen=True)
class AnswerChallenge(TenderCommand):
    """The agency answers once, within 7 working days, and tells all parties (§35)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency")
    challenge_id: str = arg(max_length=40)
    answer: str = arg(max_length=20000)


@dataclass(frozen=True)
class FileComplaint(TenderCommand):
    """An unsatisfied challenger complains to the regulator within 15 working days (§36)."""

    guard: ClassVar[Guard] = Guard(role="bidder")
    challenge_id: str = arg(max_length=40)
    facts: str = arg(max_length=20000)
    request: str = arg(max_length=20000)


@dataclass(frozen=True)
class DecideComplaint(TenderCommand):
    """The regulator dismisses, suspends, orders re-evaluation or annuls (§36)."""

    guard: ClassVar[Guard] = Guard(
        role="regulator",
        sender="regulator",
        sender_rule=rules.REGULATOR_DECIDES,
    )
    challenge_id: str = arg(max_length=40)
    decision: Literal["dismiss", "suspend", "re_evaluate", "annul"] = arg()
    reasoning: str = arg(max_length=20000)


@decides(FileChallenge)
def file_challenge(tender: TenderState, command: FileChallenge, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    bid = lot.bids.get(ctx.actor)
    if bid is None or bid.status == "withdrawn":
        raise RuleViolation(rules.CHALLENGER_IN_LOT, f"{ctx.actor} has no bid in lot {lot.lot}")
    if lot.notice_at is None or lot.publicity_ends is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot}: the award notice must be published before its award is challenged",
        )
    calendar = ctx.registry.calendar
    days = WorkingDays(int(tender.terms.get("award_publicity_working_days", 1)))
    publicity_ends = tender.clock(lot.notice_at, days, calendar)
    closes = tender.clock(publicity_ends, CHALLENGE_DAYS, calendar)
    if ctx.now > closes:
        raise RuleViolation(
            rules.CHALLENGE_WINDOW,
            f"lot {lot.lot}: publicity ended {format_time(publicity_ends)}; challenges "
            f"closed {format_time(closes)}, not {format_time(ctx.now)}",
        )
    check_contents(command)
    return Decision("ChallengeFiled", challenge_facts(tender, ctx))


class WrittenChallenge(Protocol):
    """A challenge in writing: the §34 items (see ``CHALLENGE_ITEMS``), ``date`` among them."""

    @property
    def date(self) -> str: ...


def check_contents(command: WrittenChallenge) -> None:
    """A written challenge states every item §34 requires, and a date."""
    missing = [item for item in CHALLENGE_ITEMS if not str(getattr(command, item)).strip()]
    if missing:
        raise RuleViolation(rules.CHALLENGE_CONTENTS, f"the challenge lacks {', '.join(missing)}")
    try:
        date.fromisoformat(command.date)
    except ValueError:
        raise InvalidInput("field 'date' must be a date, YYYY-MM-DD") from None


def challenge_facts(tender: TenderState, ctx: Context) -> dict[str, str]:
    """A new challenge's id and the day its answer is due (§35)."""
    return {
        "challenge_id": "C" + hashlib.sha256(ctx.command_id.encode()).hexdigest()[:12],
        "answer_due": format_time(tender.clock(ctx.now, ANSWER_DAYS, ctx.registry.calendar)),
    }


@decides(AnswerChallenge)
def answer_challenge(tender: TenderState, command: AnswerChallenge, ctx: Context) -> Decision:
    """A late answer is recorded, marked late: refusing it would leave the challenger none."""
    challenge = _challenge(tender, command.challenge_id)
    if challenge.answered_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id} was answered at "
            f"{format_time(challenge.answered_at)}",
        )
    calendar = ctx.registry.calendar
    due = tender.clock(challenge.filed_at, ANSWER_DAYS, calendar)
    facts: dict[str, object] = {
        "notified": _told(tender, challenge),
        "complaint_until": format_time(tender.clock(ctx.now, COMPLAINT_DAYS, calendar)),
    }
    if ctx.now > due:
        detail = (
            f"challenge {challenge.challenge_id} filed {format_time(challenge.filed_at)} was "
            f"due an answer by {format_time(due)}; answered {format_time(ctx.now)}"
        )
        facts["late"] = reason(rules.ANSWER_WINDOW, detail)
    return Decision("ChallengeAnswered", facts)


@decides(FileComplaint)
def file_complaint(tender: TenderState, command: FileComplaint, ctx: Context) -> Decision:
    challenge = _challenge(tender, command.challenge_id)
    if ctx.actor != challenge.challenger:
        raise RuleViolation(
            rules.CHALLENGER_COMPLAINS,
            f"challenge {challenge.challenge_id} was filed by {challenge.challenger}, "
            f"not {ctx.actor}",
        )
    if challenge.complaint_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: complaint already filed at "
            f"{format_time(challenge.complaint_at)}",
        )
    calendar = ctx.registry.calendar
    answer_due = tender.clock(challenge.filed_at, ANSWER_DAYS, calendar)
    if challenge.answered_at is None and ctx.now <= answer_due:
        raise RuleViolation(
            rules.COMPLAINT_AFTER_ANSWER,
            f"challenge {challenge.challenge_id}: the agency's answer is due by "
            f"{format_time(answer_due)}; a complaint comes after it, or after that day",
        )
    since = challenge.answered_at or answer_due
    closes = tender.clock(since, COMPLAINT_DAYS, calendar)
    if ctx.now > closes:
        given = "answer given" if challenge.answered_at else "no answer; it was due"
        raise RuleViolation(
            rules.COMPLAINT_WINDOW,
            f"{given} {format_time(since)}; complaints closed {format_time(closes)}, "
            f"not {format_time(ctx.now)}",
        )
    facts = {"regulator": tender.regulator, "answered": challenge.answered_at is not None}
    return Decision("ComplaintFiled", facts)


@decides(DecideComplaint)
def decide_complaint(tender: TenderState, command: DecideComplaint, ctx: Context) -> Decision:
    """A suspension is interim: the complaint may be decided again after the resumption."""
    challenge = _challenge(tender, command.challenge_id)
    if challenge.complaint_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: a complaint must be filed before the "
            "regulator decides",
        )
    if challenge.decision not in (None, "suspend"):
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"complaint on {challenge.challenge_id} was decided: {challenge.decision}",
        )
    if challenge.subject == "documents":
        if command.decision not in ("dismiss", "suspend"):
            raise RuleViolation(
                rules.DOCUMENTS_COMPLAINT_DECISION,
                f"challenge {challenge.challenge_id} is about the documents, not an award: "
                f"it is dismissed or the procedure suspended, not {command.decision}",
            )
    else:
        _check_decidable(tender.lots[challenge.lot], command.decision)
    return Decision("ComplaintDecided", {"lot": challenge.lot})


def clear_evaluation(lot: Lot) -> None:
    """Forget the scores, ranking, report and award of ``lot``, so the committee scores again.

    Qualification and conformity stand: the lot goes back to ``examined``.
    """
    for bid in lot.bids.values():
        bid.scores, bid.evaluation_price = {}, None
    lot.ranking, lot.candidates, lot.report_signers = [], [], set()
    lot.report_digest = None
    lot.report_at, lot.award, lot.notice_at, lot.publicity_ends = None, None, None, None
    lot.declined_at, lot.contract = None, None


def _challenge(tender: TenderState, challenge_id: str) -> Challenge:
    try:
        return tender.challenges[challenge_id]
    except KeyError:
        raise NotFound(f"tender {tender.code} has no challenge {challenge_id!r}") from None


def _told(tender: TenderState, challenge: Challenge) -> list[str]:
    """Who hears the answer: the lot's bidders, or every supplier that has the documents."""
    if challenge.subject == "documents":
        return sorted(tender.documents_obtained)
    return sorted(b.bidder for b in tender.lots[challenge.lot].live_bids())


def _check_decidable(lot: Lot, decision: str) -> None:
    if decision in ("re_evaluate", "annul") and lot.status == "failed":
        raise RuleViolation(rules.LOT_CLOSED, f"lot {lot.lot} has failed ({lot.failure})")
    if decision == "re_evaluate" and lot.status not in ("ranked", "reported", "awarded"):
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: only an evaluated lot can be evaluated again",
        )


@applies("ChallengeFiled")
def _filed(tender: TenderState, event: EventRecord) -> None:
    challenge_id = event.facts["challenge_id"]
    tender.challenges[challenge_id] = Challenge(
        challenge_id, event.args["lot"], event.actor, event.time
    )


@applies("ChallengeAnswered")
def _answered(tender: TenderState, event: EventRecord) -> None:
    challenge = tender.challenges[event.args["challenge_id"]]
    challenge.answered_at, challenge.answer = event.time, event.args["answer"]


@applies("ComplaintFiled")
def _complained(tender: TenderState, event: EventRecord) -> None:
    tender.challenges[event.args["challenge_id"]].complaint_at = event.time


@applies("ComplaintDecided")
def _decided(tender: TenderState, event: EventRecord) -> None:
    challenge = tender.challenges[event.args["challenge_id"]]
    decision = challenge.decision = event.args["decision"]
    if decision == "suspend":
        begin_suspension(tender, event, event.args["reasoning"], rules.SUSPENDED)
    elif decision == "re_evaluate":
        lot = tender.lots[challenge.lot]
        clear_evaluation(lot)
        lot.status = "examined"
    elif decision == "annul":
        lot = tender.lots[challenge.lot]
        lot.award, lot.status, lot.failure = None, "failed", rules.describe(ANNULLED)
