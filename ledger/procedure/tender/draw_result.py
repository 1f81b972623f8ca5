"""The draw itself, declines and absences, a re-draw, and the committee the draw binds.

- DrawCommittee (the agency, once the plan's round is published): the beacon round is
  checked (the plan's chain, number and time; randomness; the BLS signature unless the
  verifier has no pairing library, D11), the commitments and reveals are checked again,
  the seed is derived, and the draw of ``ledger.draw.algorithm`` is its facts. Nobody picks
  a name: re-execution (T5) recomputes all of it from the log.
- A drawn expert declines its seat (signed by itself), or the agency records it absent
  (with the reason): the next expert of its region in drawn order takes the seat (D5).
- The regulator orders a re-draw, saying why; the agency then plans a new one (D10).
- FormCommittee of a remote evaluation takes exactly the drawn experts; the purchaser's
  representative is appointed, never drawn (front table 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ledger.clock import to_beijing
from ledger.draw.algorithm import DrawResult, draw, recompute, replace_member
from ledger.draw.beacon import Beacon, ChainInfo, check_beacon, verify_beacon_signature
from ledger.draw.pool import DrawRule, Expert
from ledger.draw.randomness import contributions, draw_seed
from ledger.errors import RuleViolation, VerificationFailure
from ledger.procedure.base import AFTER_DEADLINE, Context, Guard, TenderCommand, applies, decides
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import TenderState
from ledger.procedure.tender.draw_plan import commitments, open_draw, reveals, seed_plan
from ledger.rules import catalogue as rules


@dataclass(frozen=True)
class BeaconTerms:
    """A drand round as a relay serves it (hex)."""

    round: int = arg(minimum=1, maximum=2**40)
    signature: str = arg(max_length=192)
    randomness: str = arg(max_length=64)
    previous_signature: str | None = arg(default=None, max_length=192)

    def beacon(self) -> Beacon:
        return Beacon.from_json(
            {
                "round": self.round,
                "signature": self.signature,
                "randomness": self.randomness,
                "previous_signature": self.previous_signature,
            }
        )


@dataclass(frozen=True)
class DrawCommittee(TenderCommand):
    """The agency draws the experts with the plan's published beacon round."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)
    beacon: BeaconTerms = arg()


@dataclass(frozen=True)
class DeclineSeat(TenderCommand):
    """A drawn expert declines its seat, signing with its own key."""

    guard: ClassVar[Guard] = Guard(role="evaluator", phases=AFTER_DEADLINE)


@dataclass(frozen=True)
class ReportAbsence(TenderCommand):
    """The agency records that a drawn expert cannot be reached or does not come."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)
    expert: str = arg(max_length=64)
    reason: str = arg(max_length=2000)


@dataclass(frozen=True)
class OrderRedraw(TenderCommand):
    """The regulator voids the current draw, saying why; a new plan may follow."""

    guard: ClassVar[Guard] = Guard(role="regulator", sender="regulator", phases=AFTER_DEADLINE)
    reason: str = arg(max_length=2000)


@decides(DrawCommittee)
def draw_committee(tender: TenderState, command: DrawCommittee, ctx: Context) -> Decision:
    planned = open_draw(tender)
    plan = seed_plan(planned)
    if ctx.now < plan.beacon_time:
        raise RuleViolation(
            rules.DRAW_BEACON,
            f"round {plan.beacon_round} is published at {to_beijing(plan.beacon_time).isoformat()}"
            f"; it is {to_beijing(ctx.now).isoformat()}",
        )
    beacon = command.beacon.beacon()
    assert tender.remote.chain is not None
    chain = ChainInfo.from_json(tender.remote.chain)
    try:
        check_beacon(
            chain,
            beacon,
            chain_hash=plan.chain_hash,
            round_number=plan.beacon_round,
            round_time=plan.beacon_time,
        )
        if ctx.beacon_signatures:
            verify_beacon_signature(chain, beacon)
    except VerificationFailure as exc:
        raise RuleViolation(rules.DRAW_BEACON, str(exc)) from None
    parts = contributions(plan, commitments(planned), reveals(planned))
    seed = draw_seed(plan.draw_id, beacon.randomness, parts)
    result = draw(DrawRule.from_record(planned["rule"]), pool_of(planned), seed)
    facts = {
        "draw_id": plan.draw_id,
        "contributions": [
            {"party": p.party, "revealed": p.secret is not None, "withheld": p.withheld}
            for p in parts
        ],
        "seed": seed.hex(),
        "draw": result.to_record(),
    }
    return Decision("CommitteeDrawn", facts)


def pool_of(planned: dict[str, Any]) -> list[Expert]:
    """The pool snapshot the plan recorded."""
    return [Expert.from_record(record) for record in planned["pool"]]


def current_result(tender: TenderState) -> tuple[dict[str, Any], DrawResult]:
    """The current draw and its result as the algorithm gives it (declines replayed)."""
    planned = tender.remote.current
    if planned is None or planned["result"] is None:
        raise RuleViolation(rules.PHASE_ORDER, "no drawn committee: the agency's DrawCommittee")
    record = planned["result"]
    result = recompute(
        DrawRule.from_record(record["rule"]),
        pool_of(planned),
        bytes.fromhex(record["seed"]),
        [str(item) for item in record["declined"]],
    )
    return planned, result


@decides(DeclineSeat)
def decline_seat(tender: TenderState, command: DeclineSeat, ctx: Context) -> Decision:
    return _replace(tender, ctx.actor, "declined by the expert")


@decides(ReportAbsence)
def report_absence(tender: TenderState, command: ReportAbsence, ctx: Context) -> Decision:
    return _replace(tender, command.expert, f"absent: {command.reason}")


def _replace(tender: TenderState, expert: str, cause: str) -> Decision:
    if tender.committee:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"the committee is formed: a member withdraws ({rules.WITHDRAWAL.clause})",
        )
    planned, result = current_result(tender)
    if expert not in {seat.expert_id for seat in result.members}:
        raise RuleViolation(
            rules.DRAWN_COMMITTEE, f"{expert} holds no seat in {planned['draw_id']}"
        )
    after = replace_member(result, expert)
    replacement = after.replacements[-1]
    record = after.to_record()
    return Decision(
        "DrawnMemberReplaced",
        {
            "draw_id": planned["draw_id"],
            "declined": expert,
            "cause": cause,
            "replacement": replacement.replacement,
            "venue": replacement.venue,
            "members": record["members"],
            "reserves": record["reserves"],
        },
    )


@decides(OrderRedraw)
def order_redraw(tender: TenderState, command: OrderRedraw, ctx: Context) -> Decision:
    current = tender.remote.current
    if current is None:
        raise RuleViolation(rules.REDRAW_ORDERED, "no draw stands to be done again")
    if tender.committee:
        raise RuleViolation(rules.PHASE_ORDER, "the committee is formed from the draw already")
    return Decision("RedrawOrdered", {"voided": current["draw_id"]})


def check_drawn_committee(tender: TenderState, experts: set[str]) -> None:
    """FormCommittee: in a remote evaluation the experts are exactly the drawn members."""
    if not tender.remote.fixed and not tender.remote.draws:
        return
    drawn = tender.remote.drawn()
    if drawn is None:
        raise RuleViolation(
            rules.DRAWN_COMMITTEE,
            "the experts of a remote evaluation are drawn: PlanDraw and DrawCommittee first",
        )
    seated = {str(seat["id"]) for seat in drawn["members"]}
    if experts != seated:
        raise RuleViolation(
            rules.DRAWN_COMMITTEE,
            f"{tender.remote.current['draw_id'] if tender.remote.current else ''} drew "
            f"{sorted(seated)}; the committee names {sorted(experts)} as experts",
        )


@applies("CommitteeDrawn")
def _drawn(tender: TenderState, event: EventRecord) -> None:
    planned = tender.remote.draws[-1]
    planned["beacon"] = dict(event.args["beacon"])
    planned["contributions"] = [dict(item) for item in event.facts["contributions"]]
    planned["result"] = dict(event.facts["draw"])


@applies("DrawnMemberReplaced")
def _replaced(tender: TenderState, event: EventRecord) -> None:
    facts = event.facts
    result = tender.remote.draws[-1]["result"]
    seat = next(s for s in facts["members"] if s["id"] == facts["replacement"])
    result["members"] = [dict(s) for s in facts["members"]]
    result["reserves"] = [dict(s) for s in facts["reserves"]]
    result["declined"] = [*result["declined"], facts["declined"]]
    result["replacements"] = [
        *result["replacements"],
        {
            "declined": facts["declined"],
            "replacement": facts["replacement"],
            "region": seat["region"],
            "venue": facts["venue"],
        },
    ]


@applies("RedrawOrdered")
def _voided(tender: TenderState, event: EventRecord) -> None:
    tender.remote.draws[-1]["voided"] = {
        "reason": event.args["reason"],
        "at": to_beijing(event.time).isoformat(),
    }


__all__ = [
    "BeaconTerms",
    "DeclineSeat",
    "DrawCommittee",
    "OrderRedraw",
    "ReportAbsence",
    "check_drawn_committee",
    "current_result",
]
