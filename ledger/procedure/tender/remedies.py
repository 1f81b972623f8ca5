"""Challenge (质疑), answer, complaint (投诉), the regulator's decision, and suspension.

§34-§36 for challenges and complaints; §23.3 for the emergency suspension, which only the
tender's regulator lifts. Suspending and resuming are the two commands that a suspension
does not stop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

from ledger.clock import format_time
from ledger.errors import InvalidInput, NotFound, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Challenge, Lot, TenderState
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
CHALLENGE_WORKING_DAYS = 7
ANSWER_WORKING_DAYS = 7
COMPLAINT_WORKING_DAYS = 15
ANNULLED = "annulled by the regulator (§36)"
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

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_EVALUATION)
    challenge_id: str = arg(max_length=40)
    answer: str = arg(max_length=20000)


@dataclass(frozen=True)
class FileComplaint(TenderCommand):
    """An unsatisfied challenger complains to the regulator within 15 working days (§36)."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=_EVALUATION)
    challenge_id: str = arg(max_length=40)
    facts: str = arg(max_length=20000)
    request: str = arg(max_length=20000)


@dataclass(frozen=True)
class DecideComplaint(TenderCommand):
    """The regulator dismisses, suspends, orders re-evaluation or annuls (§36)."""

    guard: ClassVar[Guard] = Guard(
        role="regulator",
        sender="regulator",
        phases=_EVALUATION,
        sender_rule=rules.REGULATOR_DECIDES,
    )
    challenge_id: str = arg(max_length=40)
    decision: Literal["dismiss", "suspend", "re_evaluate", "annul"] = arg()
    reasoning: str = arg(max_length=20000)


@dataclass(frozen=True)
class SuspendProcedure(TenderCommand):
    """On a system failure the agency suspends the procedure (§23.3)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", while_suspended=True)
    reason: str = arg(max_length=5000)


@dataclass(frozen=True)
class ResumeProcedure(TenderCommand):
    """Only the tender's regulator resumes a suspended procedure (§23.3, §36)."""

    guard: ClassVar[Guard] = Guard(
        role="regulator",
        sender="regulator",
        while_suspended=True,
        sender_rule=rules.EMERGENCY_SUSPENSION,
    )
    reason: str = arg(max_length=5000)


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
    closes = calendar.add_working_days(lot.publicity_ends, CHALLENGE_WORKING_DAYS)
    if ctx.now > closes:
        raise RuleViolation(
            rules.CHALLENGE_WINDOW,
            f"lot {lot.lot}: publicity ended {format_time(lot.publicity_ends)}; challenges "
            f"closed {format_time(closes)}, not {format_time(ctx.now)}",
        )
    missing = [item for item in CHALLENGE_ITEMS if not str(getattr(command, item)).strip()]
    if missing:
        raise RuleViolation(rules.CHALLENGE_CONTENTS, f"the challenge lacks {', '.join(missing)}")
    try:
        date.fromisoformat(command.date)
    except ValueError:
        raise InvalidInput("field 'date' must be a date, YYYY-MM-DD") from None
    challenge_id = "C" + hashlib.sha256(ctx.command_id.encode()).hexdigest()[:12]
    facts = {
        "challenge_id": challenge_id,
        "answer_due": format_time(calendar.add_working_days(ctx.now, ANSWER_WORKING_DAYS)),
    }
    return Decision("ChallengeFiled", facts)


@decides(AnswerChallenge)
def answer_challenge(tender: TenderState, command: AnswerChallenge, ctx: Context) -> Decision:
    challenge = _challenge(tender, command.challenge_id)
    if challenge.answered_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id} was answered at "
            f"{format_time(challenge.answered_at)}",
        )
    calendar = ctx.registry.calendar
    due = calendar.add_working_days(challenge.filed_at, ANSWER_WORKING_DAYS)
    if ctx.now > due:
        raise RuleViolation(
            rules.ANSWER_WINDOW,
            f"challenge {challenge.challenge_id} filed {format_time(challenge.filed_at)} was "
            f"due an answer by {format_time(due)}, not {format_time(ctx.now)}",
        )
    lot = tender.lots[challenge.lot]
    facts = {
        "notified": sorted(b.bidder for b in lot.live_bids()),
        "complaint_until": format_time(calendar.add_working_days(ctx.now, COMPLAINT_WORKING_DAYS)),
    }
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
    if challenge.answered_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: the agency's answer must come before a complaint",
        )
    if challenge.complaint_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: complaint already filed at "
            f"{format_time(challenge.complaint_at)}",
        )
    due = ctx.registry.calendar.add_working_days(challenge.answered_at, COMPLAINT_WORKING_DAYS)
    if ctx.now > due:
        raise RuleViolation(
            rules.COMPLAINT_WINDOW,
            f"answer given {format_time(challenge.answered_at)}; complaints closed "
            f"{format_time(due)}, not {format_time(ctx.now)}",
        )
    return Decision("ComplaintFiled", {"regulator": tender.regulator})


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
    _check_decidable(tender.lots[challenge.lot], command.decision)
    return Decision("ComplaintDecided", {"lot": challenge.lot})


@decides(SuspendProcedure)
def suspend_procedure(tender: TenderState, command: SuspendProcedure, ctx: Context) -> Decision:
    if tender.suspension is not None:
        raise RuleViolation(
            rules.EMERGENCY_SUSPENSION,
            f"the procedure is already suspended since {tender.suspension['since']}",
        )
    return Decision("ProcedureSuspended")


@decides(ResumeProcedure)
def resume_procedure(tender: TenderState, command: ResumeProcedure, ctx: Context) -> Decision:
    if tender.suspension is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            "the procedure is not suspended: a suspension must come before a resumption",
        )
    facts = {f"suspended_{key}": str(value) for key, value in tender.suspension.items()}
    return Decision("ProcedureResumed", facts)


def clear_evaluation(lot: Lot) -> None:
    """Forget the scores, ranking, report and award of ``lot``, so the committee scores again.

    Qualification and conformity stand: the lot goes back to ``examined``.
    """
    for bid in lot.bids.values():
        bid.scores, bid.evaluation_price = {}, None
    lot.ranking, lot.candidates, lot.report_signers = [], [], set()
    lot.report_digest = None
    lot.report_at, lot.award, lot.notice_at, lot.publicity_ends = None, None, None, None
    lot.declined_at = None


def _challenge(tender: TenderState, challenge_id: str) -> Challenge:
    try:
        return tender.challenges[challenge_id]
    except KeyError:
        raise NotFound(f"tender {tender.code} has no challenge {challenge_id!r}") from None


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
    lot = tender.lots[challenge.lot]
    if decision == "suspend":
        tender.suspension = {
            "since": format_time(event.time),
            "reason": event.args["reasoning"],
            "by": event.actor,
            "clause": "§36",
        }
    elif decision == "re_evaluate":
        clear_evaluation(lot)
        lot.status = "examined"
    elif decision == "annul":
        lot.award, lot.status, lot.failure = None, "failed", ANNULLED


@applies("ProcedureSuspended")
def _suspended(tender: TenderState, event: EventRecord) -> None:
    tender.suspension = {
        "since": format_time(event.time),
        "reason": event.args["reason"],
        "by": event.actor,
        "clause": "§23.3",
    }


@applies("ProcedureResumed")
def _resumed(tender: TenderState, event: EventRecord) -> None:
    tender.suspension = None
