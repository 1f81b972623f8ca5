"""Arithmetic correction (§26.4) and the committee's questions to bidders (§27).

Both come after the conformity check and before the first scores, so that every
evaluator scores the same set of bids. The ledger itself runs the §26.4 correction on the
revealed price sheet; the bidder accepts it (its price becomes the corrected total, checked
again against the ceiling, §11.6) or refuses it (its bid is invalid). A clarification
(§27.1) carries nothing but its text: never a price. A §27.2 request for a written
justification of an abnormally low price blocks scoring until the committee decides it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from ledger.canonical import canonical_bytes
from ledger.errors import InvalidInput, Rule, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.bid_document import parse_bid_document
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Lot, TenderState, money
from ledger.procedure.tender.stages import bid_price, lot_at, reason, scoring_begun, valid_bid
from ledger.rules import catalogue as rules
from ledger.rules.correction import correct_arithmetic

_EVALUATION = phases("evaluation")
_COMMITTEE = Guard(role="evaluator", sender="committee", phases=_EVALUATION)
_BIDDER = Guard(role="bidder", phases=_EVALUATION)


@dataclass(frozen=True)
class ProposeCorrection(TenderCommand):
    """The committee has the ledger correct a bid's arithmetic (§26.4)."""

    guard: ClassVar[Guard] = _COMMITTEE
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)


@dataclass(frozen=True)
class RespondToCorrection(TenderCommand):
    """The bidder accepts the correction, or refuses it and its bid is invalid (§26.4)."""

    guard: ClassVar[Guard] = _BIDDER
    lot: str = arg(max_length=20)
    accept: bool = arg()


@dataclass(frozen=True)
class AskBidder(TenderCommand):
    """A clarification request (§27.1); ``low_price``: a justification request (§27.2)."""

    guard: ClassVar[Guard] = _COMMITTEE
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)
    question: str = arg(max_length=5000)
    low_price: bool = False


@dataclass(frozen=True)
class AnswerCommittee(TenderCommand):
    """The asked bidder's written answer; it can change neither price nor substance."""

    guard: ClassVar[Guard] = _BIDDER
    extra_fields: ClassVar[Rule | None] = rules.CLARIFICATION_KEEPS_SUBSTANCE
    lot: str = arg(max_length=20)
    question_id: str = arg(max_length=40)
    answer: str = arg(max_length=20000)


@dataclass(frozen=True)
class DecideJustification(TenderCommand):
    """The committee accepts or rejects a low-price justification (§27.2)."""

    guard: ClassVar[Guard] = _COMMITTEE
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)
    accepted: bool = arg()


@decides(ProposeCorrection)
def propose_correction(tender: TenderState, command: ProposeCorrection, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "ProposeCorrection")
    _before_scoring(lot, "ProposeCorrection")
    bid = valid_bid(lot, command.bidder)
    if bid.correction_status is not None:
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION,
            f"{bid.bidder}: a correction was already proposed ({bid.correction_status})",
        )
    sheet = parse_bid_document(canonical_bytes(bid.document or {})).sheet
    result = correct_arithmetic(sheet)
    if not result.changed:
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION,
            f"{bid.bidder}: the price sheet has no arithmetic slip to correct",
        )
    corrections = [
        {
            "subject": c.subject,
            "stated": f"{c.stated}",
            "corrected": f"{c.corrected}",
            "reason": c.reason,
        }
        for c in result.corrections
    ]
    facts = {
        "stated_total": money(bid_price(bid)),
        "corrected_total": money(result.corrected_total),
        "corrections": corrections,
    }
    return Decision("CorrectionProposed", facts)


@decides(RespondToCorrection)
def respond_to_correction(
    tender: TenderState, command: RespondToCorrection, ctx: Context
) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "RespondToCorrection")
    bid = lot.bids.get(ctx.actor)
    if bid is None or bid.correction_status != "pending" or bid.correction is None:
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION, f"{ctx.actor} has no pending correction in lot {lot.lot}"
        )
    facts: dict[str, Any] = {"accepted": command.accept}
    if command.accept:
        price = Decimal(bid.correction["corrected_total"])
        facts.update(price=money(price), above_ceiling=price > lot.ceiling)
    return Decision("CorrectionAnswered", facts)


@decides(AskBidder)
def ask_bidder(tender: TenderState, command: AskBidder, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "AskBidder")
    _before_scoring(lot, "AskBidder")
    bid = valid_bid(lot, command.bidder)
    facts: dict[str, Any] = {
        "question_id": "C" + hashlib.sha256(ctx.command_id.encode()).hexdigest()[:12],
        "low_price": command.low_price,
    }
    if command.low_price:
        if bid.justification is not None:
            raise RuleViolation(
                rules.ABNORMALLY_LOW_PRICE,
                f"{bid.bidder}: a justification was already requested ({bid.justification})",
            )
        others = [bid_price(b) for b in lot.valid_bids() if b.bidder != bid.bidder]
        facts["price"] = money(bid_price(bid))
        facts["others_mean"] = money(sum(others, Decimal(0)) / len(others)) if others else None
    return Decision("BidderAsked", facts)


@decides(AnswerCommittee)
def answer_committee(tender: TenderState, command: AnswerCommittee, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "AnswerCommittee")
    question = lot.questions.get(command.question_id)
    if question is None:
        raise InvalidInput(f"lot {lot.lot} has no committee question {command.question_id!r}")
    if question["bidder"] != ctx.actor:
        raise RuleViolation(
            rules.COMMITTEE_ANSWER,
            f"{command.question_id} was asked of {question['bidder']}, not {ctx.actor}",
        )
    if question["answer"] is not None:
        raise RuleViolation(rules.COMMITTEE_ANSWER, f"{command.question_id} is already answered")
    return Decision("CommitteeAnswered", {"low_price": question["low_price"]})


@decides(DecideJustification)
def decide_justification(
    tender: TenderState, command: DecideJustification, ctx: Context
) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "DecideJustification")
    bid = valid_bid(lot, command.bidder)
    if bid.justification not in ("requested", "given"):
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE, f"no justification is awaiting a decision from {bid.bidder}"
        )
    if command.accepted and bid.justification != "given":
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE,
            f"{bid.bidder} has given no written justification: it can only be rejected",
        )
    return Decision("JustificationDecided", {"justification": bid.justification})


def _before_scoring(lot: Lot, command: str) -> None:
    if scoring_begun(lot):
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"{command}: scoring of lot {lot.lot} has begun; corrections and questions come "
            "before the first scores",
        )


@applies("CorrectionProposed")
def _proposed(tender: TenderState, event: EventRecord) -> None:
    bid = tender.lots[event.args["lot"]].bids[event.args["bidder"]]
    bid.correction = dict(event.facts)
    bid.correction_status = "pending"


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


@applies("BidderAsked")
def _asked(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.questions[event.facts["question_id"]] = {
        "bidder": event.args["bidder"],
        "asked_by": event.actor,
        "question": event.args["question"],
        "low_price": event.facts["low_price"],
        "asked_at": event.time,
        "answer": None,
        "answered_at": None,
    }
    if event.facts["low_price"]:
        lot.bids[event.args["bidder"]].justification = "requested"


@applies("CommitteeAnswered")
def _committee_answered(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    question = lot.questions[event.args["question_id"]]
    question["answer"], question["answered_at"] = event.args["answer"], event.time
    if question["low_price"]:
        lot.bids[event.actor].justification = "given"


@applies("JustificationDecided")
def _decided(tender: TenderState, event: EventRecord) -> None:
    bid = tender.lots[event.args["lot"]].bids[event.args["bidder"]]
    bid.justification = "accepted" if event.args["accepted"] else "rejected"
    if not event.args["accepted"]:
        detail = "the bidder did not justify its abnormally low price"
        bid.invalid.append(reason(rules.ABNORMALLY_LOW_PRICE, detail))
