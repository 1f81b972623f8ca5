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
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger import args as read
from ledger.canonical import canonical_bytes
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation
from ledger.events import LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.rules.correction import correct_arithmetic
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender, money
from ledger.tender.bid_document import parse_bid_document
from ledger.tender.scoring_phase import (
    bid_price,
    committee_member,
    lot_at,
    scoring_begun,
    valid_bid,
)
from ledger.tender.state import Lot

REFUSED_CORRECTION = "§26.4 the bidder refused the arithmetic correction"
UNJUSTIFIED_LOW_PRICE = "§27.2 the bidder did not justify its abnormally low price"
_ANSWER_KEYS = frozenset({"lot", "question_id", "answer"})


class CorrectionProposed(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        bid = aggregate.lots[self.args["lot"]].bids[self.args["bidder"]]
        bid.correction = dict(self.facts)
        bid.correction_status = "pending"


class CorrectionAnswered(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        bid = aggregate.lots[self.args["lot"]].bids[self.actor]
        bid.correction_status = "accepted" if self.args["accept"] else "refused"
        if self.args["accept"]:
            bid.price = Decimal(self.facts["price"])
            if self.facts["above_ceiling"]:
                bid.invalid.append(self.facts["reason"])
        else:
            bid.invalid.append(REFUSED_CORRECTION)


class BidderAsked(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.questions[self.facts["question_id"]] = {
            "bidder": self.args["bidder"],
            "asked_by": self.actor,
            "question": self.args["question"],
            "low_price": self.facts["low_price"],
            "asked_at": self.timestamp,
            "answer": None,
            "answered_at": None,
        }
        if self.facts["low_price"]:
            lot.bids[self.args["bidder"]].justification = "requested"


class CommitteeAnswered(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        question = lot.questions[self.args["question_id"]]
        question["answer"], question["answered_at"] = self.args["answer"], self.timestamp
        if question["low_price"]:
            lot.bids[self.actor].justification = "given"


class JustificationDecided(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        bid = aggregate.lots[self.args["lot"]].bids[self.args["bidder"]]
        bid.justification = "accepted" if self.args["accepted"] else "rejected"
        if not self.args["accepted"]:
            bid.invalid.append(UNJUSTIFIED_LOW_PRICE)


def propose_correction(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The committee corrects a bid's arithmetic by §26.4; the bidder must accept it."""
    registry.authenticate(command, now, "evaluator")
    lot = lot_at(tender, command, "examined")
    committee_member(tender, command)
    _before_scoring(lot, command)
    bid = valid_bid(lot, read.text(command.args, "bidder"))
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
    tender.record(CorrectionProposed, command, now, facts)


def respond_to_correction(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The bidder accepts the correction (its price becomes the corrected total) or refuses."""
    registry.authenticate(command, now, "bidder")
    lot = lot_at(tender, command, "examined")
    bid = lot.bids.get(command.actor)
    if bid is None or bid.correction_status != "pending" or bid.correction is None:
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION,
            f"{command.actor} has no pending correction in lot {lot.lot}",
        )
    facts: dict[str, Any] = {"accepted": read.flag(command.args, "accept")}
    if facts["accepted"]:
        price = Decimal(bid.correction["corrected_total"])
        facts.update(price=money(price), above_ceiling=price > lot.ceiling)
        if price > lot.ceiling:
            facts["reason"] = (
                f"{rules.PRICE_CEILING.clause} the corrected price {money(price)} "
                f"is above the ceiling {money(lot.ceiling)}"
            )
    tender.record(CorrectionAnswered, command, now, facts)


def ask_bidder(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """A clarification request (§27.1), or with ``low_price`` a §27.2 justification request."""
    registry.authenticate(command, now, "evaluator")
    lot = lot_at(tender, command, "examined")
    committee_member(tender, command)
    _before_scoring(lot, command)
    bid = valid_bid(lot, read.text(command.args, "bidder"))
    read.text(command.args, "question")
    low_price = read.flag(command.args, "low_price") if "low_price" in command.args else False
    facts: dict[str, Any] = {
        "question_id": "C" + hashlib.sha256(command.command_id.encode()).hexdigest()[:12],
        "low_price": low_price,
    }
    if low_price:
        if bid.justification is not None:
            raise RuleViolation(
                rules.ABNORMALLY_LOW_PRICE,
                f"{bid.bidder}: a justification was already requested ({bid.justification})",
            )
        others = [bid_price(b) for b in lot.valid_bids() if b.bidder != bid.bidder]
        facts["price"] = money(bid_price(bid))
        facts["others_mean"] = money(sum(others, Decimal(0)) / len(others)) if others else None
    tender.record(BidderAsked, command, now, facts)


def answer_committee(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The asked bidder answers in writing; the answer carries no price or other change."""
    registry.authenticate(command, now, "bidder")
    lot = lot_at(tender, command, "examined")
    extra = sorted(set(command.args) - _ANSWER_KEYS)
    if extra:
        raise RuleViolation(
            rules.CLARIFICATION_KEEPS_SUBSTANCE,
            f"an answer carries only {sorted(_ANSWER_KEYS)}; found also {extra}",
        )
    question_id = read.text(command.args, "question_id")
    read.text(command.args, "answer")
    question = lot.questions.get(question_id)
    if question is None:
        raise InvalidInput(f"lot {lot.lot} has no committee question {question_id!r}")
    if question["bidder"] != command.actor:
        raise RuleViolation(
            rules.COMMITTEE_ANSWER,
            f"{question_id} was asked of {question['bidder']}, not {command.actor}",
        )
    if question["answer"] is not None:
        raise RuleViolation(rules.COMMITTEE_ANSWER, f"{question_id} is already answered")
    tender.record(CommitteeAnswered, command, now, {"low_price": question["low_price"]})


def decide_justification(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The committee accepts a written justification, or rejects it (or its absence): §27.2."""
    registry.authenticate(command, now, "evaluator")
    lot = lot_at(tender, command, "examined")
    committee_member(tender, command)
    bid = valid_bid(lot, read.text(command.args, "bidder"))
    accepted = read.flag(command.args, "accepted")
    if bid.justification not in ("requested", "given"):
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE, f"no justification is awaiting a decision from {bid.bidder}"
        )
    if accepted and bid.justification != "given":
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE,
            f"{bid.bidder} has given no written justification: it can only be rejected",
        )
    tender.record(JustificationDecided, command, now, {"justification": bid.justification})


def _before_scoring(lot: Lot, command: SignedCommand) -> None:
    if scoring_begun(lot):
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"{command.command}: scoring of lot {lot.lot} "
            "has begun; corrections and questions come before the first scores",
        )


ACTIONS: dict[str, Action] = {
    "ProposeCorrection": Action("evaluator", propose_correction),
    "RespondToCorrection": Action("bidder", respond_to_correction),
    "AskBidder": Action("evaluator", ask_bidder),
    "AnswerCommittee": Action("bidder", answer_committee),
    "DecideJustification": Action("evaluator", decide_justification),
}
