"""The committee's questions to bidders (§27): clarifications and low-price justifications.

Both come after the conformity check and before the first scores, so that every evaluator
scores the same set of bids, and both are committee decisions, taken by a majority of its
members each signing (``ledger.procedure.tender.committee``); so is the decision on a
justification. A clarification (§27.1) carries nothing but its text: never a price. A
request gives the bidder ``answer_minutes`` to answer (评标现场合理的时间), counted from
the decision.

A request for a written justification of an abnormally low price (§27.2):
- is made only of a price below the mean of the other conforming bids' prices: a price
  "clearly lower than the others'" is at least that; how much lower is the committee's
  judgement;
- holds scoring back until the committee decides it;
- may be rejected for want of an answer only after the time to answer has passed; an answer
  given may be accepted or rejected at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, Rule, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, Lot, TenderState, money
from ledger.procedure.tender.committee import committee_decides, settle
from ledger.procedure.tender.corrections import before_scoring
from ledger.procedure.tender.stages import bid_price, lot_at, reason, valid_bid
from ledger.rules import catalogue as rules

_EVALUATION = phases("evaluation")
_COMMITTEE = Guard(role="evaluator", sender="committee", phases=_EVALUATION)
_BIDDER = Guard(role="bidder", phases=_EVALUATION)


@dataclass(frozen=True)
class AskBidder(TenderCommand):
    """A clarification request (§27.1); ``low_price``: a justification request (§27.2)."""

    guard: ClassVar[Guard] = _COMMITTEE
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)
    question: str = arg(max_length=5000)
    low_price: bool = False
    answer_minutes: int = arg(default=30, minimum=5, maximum=24 * 60)


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


@decides(AskBidder)
def ask_bidder(tender: TenderState, command: AskBidder, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "AskBidder")
    before_scoring(lot, "AskBidder")
    bid = valid_bid(lot, command.bidder)
    facts: dict[str, Any] = {
        "question_id": "C" + hashlib.sha256(ctx.command_id.encode()).hexdigest()[:12],
        "low_price": command.low_price,
        "answer_by": format_time(ctx.now + timedelta(minutes=command.answer_minutes)),
    }
    if command.low_price:
        facts.update(_clearly_lower(lot, bid))
        subject = f"low-price/{lot.lot}/{bid.bidder}"
    else:
        subject = f"question/{lot.lot}/{bid.bidder}"
    return committee_decides(tender, subject, ctx, "BidderAsked", facts)


def _clearly_lower(lot: Lot, bid: Bid) -> dict[str, Any]:
    """The price and the others' mean, if ``bid`` may be asked to justify its price."""
    if bid.justification is not None:
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE,
            f"{bid.bidder}: a justification was already requested ({bid.justification})",
        )
    others = [bid_price(b) for b in lot.valid_bids() if b.bidder != bid.bidder]
    price = bid_price(bid)
    mean = sum(others, Decimal(0)) / len(others) if others else None
    if mean is None or price >= mean:
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE,
            f"{bid.bidder}: its price {money(price)} is not below the mean "
            f"{money(mean) if mean is not None else '(none)'} of the other conforming bids",
        )
    return {"price": money(price), "others_mean": money(mean)}


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
    if bid.justification == "requested":
        answer_by = _request(lot, bid.bidder)["answer_by"]
        if ctx.now <= answer_by:
            raise RuleViolation(
                rules.ABNORMALLY_LOW_PRICE,
                f"{bid.bidder} has until {format_time(answer_by)} to justify its price in "
                f"writing; no decision without its answer before then (now {format_time(ctx.now)})",
            )
    facts = {"justification": bid.justification}
    subject = f"justification/{lot.lot}/{bid.bidder}"
    return committee_decides(tender, subject, ctx, "JustificationDecided", facts)


def _request(lot: Lot, bidder: str) -> dict[str, Any]:
    """The committee's low-price request to ``bidder``."""
    return next(q for q in lot.questions.values() if q["bidder"] == bidder and q["low_price"])


@applies("BidderAsked")
def _asked(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.questions[event.facts["question_id"]] = {
        "bidder": event.args["bidder"],
        "asked_by": list(event.facts["signers"]),
        "question": event.args["question"],
        "low_price": event.facts["low_price"],
        "asked_at": event.time,
        "answer_by": parse_time(event.facts["answer_by"]),
        "answer": None,
        "answered_at": None,
    }
    if event.facts["low_price"]:
        lot.bids[event.args["bidder"]].justification = "requested"
    settle(tender, event)


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
    settle(tender, event)
