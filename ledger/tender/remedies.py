"""Challenge (质疑), answer, complaint (投诉), the regulator's decision, and suspension.

§34-§36 for challenges and complaints; §23.3 for the emergency suspension, which only the
tender's regulator lifts. Suspending and resuming are the two commands that do not refuse
on a suspended procedure: everything else does.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from ledger import args as read
from ledger.clock import format_time
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, NotFound, Rule, RuleViolation
from ledger.events import LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender
from ledger.tender.state import Challenge, Lot
from ledger.workdays import add_working_days

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
DECISIONS = ("dismiss", "suspend", "re_evaluate", "annul")
ANNULLED = "annulled by the regulator (§36)"


class ChallengeFiled(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        challenge_id = self.facts["challenge_id"]
        aggregate.challenges[challenge_id] = Challenge(
            challenge_id, self.args["lot"], self.actor, self.timestamp
        )


class ChallengeAnswered(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        challenge = aggregate.challenges[self.args["challenge_id"]]
        challenge.answered_at, challenge.answer = self.timestamp, self.args["answer"]


class ComplaintFiled(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.challenges[self.args["challenge_id"]].complaint_at = self.timestamp


class ComplaintDecided(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        challenge = aggregate.challenges[self.args["challenge_id"]]
        decision = challenge.decision = self.args["decision"]
        lot = aggregate.lots[challenge.lot]
        if decision == "suspend":
            aggregate.suspension = {
                "since": format_time(self.timestamp),
                "reason": self.args["reasoning"],
                "by": self.actor,
                "clause": "§36",
            }
        elif decision == "re_evaluate":
            clear_evaluation(lot)
            lot.status = "examined"
        elif decision == "annul":
            lot.award, lot.status, lot.failure = None, "failed", ANNULLED


class ProcedureSuspended(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.suspension = {
            "since": format_time(self.timestamp),
            "reason": self.args["reason"],
            "by": self.actor,
            "clause": "§23.3",
        }


class ProcedureResumed(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.suspension = None


def file_challenge(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """A bidder of the lot challenges in writing, with §34's contents, in time (§35)."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    lot = tender.lot(read.text(command.args, "lot"))
    bid = lot.bids.get(command.actor)
    if bid is None or bid.status == "withdrawn":
        raise RuleViolation(rules.CHALLENGER_IN_LOT, f"{command.actor} has no bid in lot {lot.lot}")
    if lot.notice_at is None or lot.publicity_ends is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot}: the award notice must be published before its award is challenged",
        )
    closes = add_working_days(lot.publicity_ends, CHALLENGE_WORKING_DAYS)
    if now > closes:
        raise RuleViolation(
            rules.CHALLENGE_WINDOW,
            f"lot {lot.lot}: publicity ended "
            f"{format_time(lot.publicity_ends)}; challenges closed "
            f"{format_time(closes)}, not {format_time(now)}",
        )
    missing = [item for item in CHALLENGE_ITEMS if not _given(command.args.get(item))]
    if missing:
        raise RuleViolation(rules.CHALLENGE_CONTENTS, f"the challenge lacks {', '.join(missing)}")
    try:
        date.fromisoformat(command.args["date"])
    except ValueError:
        raise InvalidInput("field 'date' must be a date, YYYY-MM-DD") from None
    challenge_id = "C" + hashlib.sha256(command.command_id.encode()).hexdigest()[:12]
    facts = {
        "challenge_id": challenge_id,
        "answer_due": format_time(add_working_days(now, ANSWER_WORKING_DAYS)),
    }
    tender.record(ChallengeFiled, command, now, facts)


def answer_challenge(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency answers once, within 7 working days, and tells all parties (§35)."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    require_own(command, tender.agency, rules.OWN_TENDER, "agency")
    challenge = _challenge(tender, command)
    if challenge.answered_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id} was answered "
            f"at {format_time(challenge.answered_at)}",
        )
    due = add_working_days(challenge.filed_at, ANSWER_WORKING_DAYS)
    if now > due:
        raise RuleViolation(
            rules.ANSWER_WINDOW,
            f"challenge {challenge.challenge_id} filed "
            f"{format_time(challenge.filed_at)} was due an answer by "
            f"{format_time(due)}, not {format_time(now)}",
        )
    read.text(command.args, "answer")
    lot = tender.lots[challenge.lot]
    notified = sorted(b.bidder for b in lot.live_bids())
    facts = {
        "notified": notified,
        "complaint_until": format_time(add_working_days(now, COMPLAINT_WORKING_DAYS)),
    }
    tender.record(ChallengeAnswered, command, now, facts)


def file_complaint(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """An unsatisfied challenger complains to the regulator within 15 working days (§36)."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    challenge = _challenge(tender, command)
    if command.actor != challenge.challenger:
        raise RuleViolation(
            rules.CHALLENGER_COMPLAINS,
            f"challenge {challenge.challenge_id} "
            f"was filed by {challenge.challenger}, not {command.actor}",
        )
    if challenge.answered_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: the agency's answer must come before a complaint",
        )
    if challenge.complaint_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: complaint "
            f"already filed at {format_time(challenge.complaint_at)}",
        )
    due = add_working_days(challenge.answered_at, COMPLAINT_WORKING_DAYS)
    if now > due:
        raise RuleViolation(
            rules.COMPLAINT_WINDOW,
            f"answer given "
            f"{format_time(challenge.answered_at)}; complaints closed "
            f"{format_time(due)}, not {format_time(now)}",
        )
    read.text(command.args, "facts")
    read.text(command.args, "request")
    tender.record(ComplaintFiled, command, now, {"regulator": tender.regulator})


def decide_complaint(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The tender's regulator dismisses, suspends, orders re-evaluation or annuls (§36).

    A suspension is interim: the complaint may be decided again after the resumption.
    """
    registry.authenticate(command, now, "regulator")
    tender.check_not_suspended(command.command)
    require_own(command, tender.regulator, rules.REGULATOR_DECIDES, "regulator")
    challenge = _challenge(tender, command)
    if challenge.complaint_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"challenge {challenge.challenge_id}: a "
            "complaint must be filed before the regulator decides",
        )
    if challenge.decision not in (None, "suspend"):
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"complaint on {challenge.challenge_id} was decided: {challenge.decision}",
        )
    decision = read.text(command.args, "decision")
    if decision not in DECISIONS:
        raise InvalidInput(f"field 'decision' must be one of {', '.join(DECISIONS)}")
    read.text(command.args, "reasoning")
    _check_decidable(tender.lots[challenge.lot], decision)
    tender.record(ComplaintDecided, command, now, {"lot": challenge.lot})


def suspend_procedure(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """On a system failure the agency suspends the procedure (§23.3)."""
    registry.authenticate(command, now, "agency")
    require_own(command, tender.agency, rules.OWN_TENDER, "agency")
    if tender.suspension is not None:
        raise RuleViolation(
            rules.EMERGENCY_SUSPENSION,
            f"the procedure is already suspended since {tender.suspension['since']}",
        )
    read.text(command.args, "reason")
    tender.record(ProcedureSuspended, command, now)


def resume_procedure(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """Only the tender's regulator resumes a suspended procedure (§23.3, §36)."""
    registry.authenticate(command, now, "regulator")
    require_own(command, tender.regulator, rules.EMERGENCY_SUSPENSION, "regulator")
    if tender.suspension is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            "the procedure is not suspended: a suspension must come before a resumption",
        )
    read.text(command.args, "reason")
    facts = {f"suspended_{key}": str(value) for key, value in tender.suspension.items()}
    tender.record(ProcedureResumed, command, now, facts)


def require_own(command: SignedCommand, own: str, rule: Rule, role: str) -> None:
    """Only the party the notice names as the tender's ``role`` acts in that role here."""
    if command.actor != own:
        raise RuleViolation(rule, f"{command.actor} is not this tender's {role} ({own})")


def clear_evaluation(lot: Lot) -> None:
    """Forget the scores, ranking, report and award of ``lot``, so the committee scores again.

    Qualification and conformity stand: the lot goes back to ``examined``, the stage at
    which the committee members submit their scores.
    """
    for bid in lot.bids.values():
        bid.scores, bid.evaluation_price = {}, None
    lot.ranking, lot.candidates, lot.report_signers = [], [], set()
    lot.report_digest = None
    lot.report_at, lot.award, lot.notice_at, lot.publicity_ends = None, None, None, None
    lot.declined_at = None


def _given(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _challenge(tender: Tender, command: SignedCommand) -> Challenge:
    challenge_id = read.text(command.args, "challenge_id")
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


ACTIONS = {
    "FileChallenge": Action("bidder", file_challenge),
    "AnswerChallenge": Action("agency", answer_challenge),
    "FileComplaint": Action("bidder", file_complaint),
    "DecideComplaint": Action("regulator", decide_complaint),
    "SuspendProcedure": Action("agency", suspend_procedure),
    "ResumeProcedure": Action("regulator", resume_procedure),
}
