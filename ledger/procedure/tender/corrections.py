"""Arithmetic correction (§26.4): the slip read out at the opening and the committee's own.

§26.4 works at two moments:

- ``read_out``: at the reveal the total in capital numerals prevails over the figures
  (``ledger.rules.correction.read_out_amount``). The price read out, ceiling-checked
  (§11.6) and evaluated is the capital amount; a slip between the two is recorded with the
  reveal as a pending correction.
- ``committee``: after the conformity check the committee, by majority
  (``ledger.procedure.tender.committee``), has the ledger correct the rest of the price
  sheet (a line total against its unit price, a misplaced decimal point, the sum of the
  lines), starting from the amount read out.

Either correction is the bidder's to accept (its price becomes the corrected total,
checked again against the ceiling) or refuse (its bid is invalid), at any stage before the
first scores. Scoring waits until every slip is settled (:func:`unsettled`): no correction
pending, and no valid bid in whose sheet the ledger's own check still finds a slip that no
accepted committee correction has put right.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, ClassVar

from ledger.canonical import canonical_bytes
from ledger.errors import RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.bid_document import parse_bid_document
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, Lot, TenderState, money
from ledger.procedure.tender.committee import committee_decides, settle
from ledger.procedure.tender.stages import bid_price, lot_at, reason, scoring_begun, valid_bid
from ledger.rules import catalogue as rules
from ledger.rules.correction import CorrectionResult, correct_arithmetic

_EVALUATION = phases("evaluation")
_CORRECTION_KEYS = ("stage", "stated_total", "corrected_total", "corrections")
_BEFORE_SCORES = ("opened", "qualified")


@dataclass(frozen=True)
class ProposeCorrection(TenderCommand):
    """The committee, by majority, has the ledger correct a bid's price sheet (§26.4)."""

    guard: ClassVar[Guard] = Guard(role="evaluator", sender="committee", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)


@dataclass(frozen=True)
class RespondToCorrection(TenderCommand):
    """The bidder accepts the pending correction, or refuses it and its bid is invalid."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    accept: bool = arg()


@decides(ProposeCorrection)
def propose_correction(tender: TenderState, command: ProposeCorrection, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "ProposeCorrection")
    before_scoring(lot, "ProposeCorrection")
    bid = valid_bid(lot, command.bidder)
    if bid.correction_status == "pending" or _stage(bid) == "committee":
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION,
            f"{bid.bidder}: its {_stage(bid).replace('_', '-')} correction is already "
            f"{bid.correction_status}",
        )
    result = committee_check(bid)
    if not result.changed:
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION,
            f"{bid.bidder}: the price sheet has no arithmetic slip to correct",
        )
    facts = {
        "stage": "committee",
        "stated_total": money(bid_price(bid)),
        "corrected_total": money(result.corrected_total),
        "corrections": [
            {
                "subject": c.subject,
                "stated": f"{c.stated}",
                "corrected": f"{c.corrected}",
                "reason": c.reason,
            }
            for c in result.corrections
        ],
    }
    subject = f"correction/{lot.lot}/{bid.bidder}"
    return committee_decides(tender, subject, ctx, "CorrectionProposed", facts)


@decides(RespondToCorrection)
def respond_to_correction(
    tender: TenderState, command: RespondToCorrection, ctx: Context
) -> Decision:
    status = tender.lot(command.lot).status
    stage = status if status in _BEFORE_SCORES else "examined"
    lot = lot_at(tender, command.lot, stage, "RespondToCorrection")
    before_scoring(lot, "RespondToCorrection")
    bid = lot.bids.get(ctx.actor)
    if bid is None or bid.correction_status != "pending" or bid.correction is None:
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION, f"{ctx.actor} has no pending correction in lot {lot.lot}"
        )
    facts: dict[str, Any] = {"accepted": command.accept, "stage": _stage(bid)}
    if command.accept:
        price = Decimal(bid.correction["corrected_total"])
        facts.update(price=money(price), above_ceiling=price > lot.ceiling)
    return Decision("CorrectionAnswered", facts)


def committee_check(bid: Bid) -> CorrectionResult:
    """The ledger's §26.4 check of a revealed bid's sheet, from the amount read out."""
    sheet = parse_bid_document(canonical_bytes(bid.document or {})).sheet
    read_out = bid.read_out_price if bid.read_out_price is not None else sheet.total_figures
    return correct_arithmetic(replace(sheet, total_figures=read_out))


def unsettled(lot: Lot) -> list[str]:
    """Why scoring must wait for the lot's arithmetic: each slip not yet settled (§26.4)."""
    found = []
    for bid in lot.valid_bids():
        if bid.correction_status == "pending":
            stage = _stage(bid).replace("_", "-")
            found.append(f"{bid.bidder}: the {stage} correction awaits the bidder")
        elif _stage(bid) != "committee" and committee_check(bid).changed:
            found.append(f"{bid.bidder}: a slip in its price sheet awaits the committee")
    return found


def before_scoring(lot: Lot, command: str) -> None:
    if scoring_begun(lot):
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"{command}: scoring of lot {lot.lot} has begun; corrections and questions come "
            "before the first scores",
        )


def _stage(bid: Bid) -> str:
    """Which correction the bid has: ``read_out``, ``committee``, or ``none``."""
    return str((bid.correction or {}).get("stage", "none"))


@applies("CorrectionProposed")
def _proposed(tender: TenderState, event: EventRecord) -> None:
    bid = tender.lots[event.args["lot"]].bids[event.args["bidder"]]
    bid.correction = {key: event.facts[key] for key in _CORRECTION_KEYS}
    bid.correction_status = "pending"
    settle(tender, event)


@applies("CorrectionAnswered")
def _answered(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    bid = lot.bids[event.actor]
    bid.correction_status = "accepted" if event.args["accept"] else "refused"
    if not event.args["accept"]:
        bid.invalid.append(reason(rules.ARITHMETIC_CORRECTION, "the bidder refused the correction"))
        return
    bid.price = Decimal(event.facts["price"])
    if event.facts["above_ceiling"]:
        detail = f"the corrected price {event.facts['price']} is above the ceiling {lot.ceiling}"
        bid.invalid.append(reason(rules.PRICE_CEILING, detail))
