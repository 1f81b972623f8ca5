"""Scores, the agency's tally and ranking, and the signed evaluation report (ch.5, §18, §29.1).

Also the guards every evaluation command shares: which stage a lot is at, and who sits on
the committee. A lot moves ``opened`` → ``qualified`` (or ``no_evaluation``, §24.1) →
``examined`` (conformity checked) → ``ranked`` → ``reported``.

Choices where the seed is silent:
- The price score is the ledger's, not the evaluator's: every evaluator's sheet gets the
  same figures from ``ledger.rules.scoring.price_scores`` over the evaluation prices.
- The "score on the quantified factors" (量化指标评审得分) that settles a tie of score and
  price is the mean over the evaluators of technical + price points: the business part
  holds the judgement factors (document quality, strength, after-sales).
- The ranking's price is the evaluation price (after the SME deduction), the price the
  bids are compared at; the draw seed is the tender's head hash before the tally, so
  anyone can recompute the draw from the log.
- The report digest is hex SHA-256 of canonical_bytes({"ranking", "candidates"}).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
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
from ledger.rules.scoring import (
    RankEntry,
    candidates,
    evaluation_price,
    mean_score,
    price_scores,
    rank,
    same_brand_excluded,
)
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender, money
from ledger.tender.state import Bid, Lot

STAGES = ("open", "opened", "qualified", "examined", "ranked", "reported")
_FIRST = {
    "open": "the opening (the bids' reveal)",
    "opened": "the purchaser's qualification check (RecordQualification)",
    "qualified": "the committee's conformity check (RecordConformity)",
    "examined": "every member's scores (SubmitScores) and the agency's FinaliseEvaluation",
    "ranked": "every member's signature of the report (SignReport)",
}
_CLOSED = ("failed", "awarded")
_PARTS = (("business", "business_points"), ("technical", "technical_points"))


class ScoresSubmitted(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        for bidder, sheet in self.facts["scores"].items():
            lot.bids[bidder].scores[self.actor] = dict(sheet)
        for bidder, prices in self.facts["evaluation_prices"].items():
            lot.bids[bidder].evaluation_price = Decimal(prices["evaluation_price"])


class EvaluationFinalised(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.ranking = [dict(entry) for entry in self.facts["ranking"]]
        lot.candidates = list(self.facts["candidates"])
        lot.report_digest = self.facts["report_digest"]
        lot.status = "ranked"


class ReportSigned(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.report_signers.add(self.actor)
        if self.facts["complete"]:
            lot.report_at = self.timestamp
            lot.status = "reported"


def lot_at(tender: Tender, command: SignedCommand, stage: str) -> Lot:
    """The command's lot, checked to be at ``stage``; refusals name what must come first."""
    tender.check_not_suspended(command.command)
    lot = tender.lot(read.text(command.args, "lot"))
    where = f"{command.command}: lot {lot.lot} is {lot.status}"
    if lot.status in _CLOSED:
        raise RuleViolation(rules.LOT_CLOSED, where)
    if lot.status == "no_evaluation":
        raise RuleViolation(
            rules.FEWER_THAN_THREE,
            f"{where}: fewer than three qualified bidders, so there is no evaluation",
        )
    if lot.status == stage:
        return lot
    if lot.status in STAGES and STAGES.index(lot.status) < STAGES.index(stage):
        raise RuleViolation(rules.PHASE_ORDER, f"{where}; {_FIRST[lot.status]} must come first")
    already = "already " if lot.status in STAGES else ""
    raise RuleViolation(
        rules.PHASE_ORDER,
        f"{command.command}: lot {lot.lot} is {already}{lot.status}; this step belongs to "
        f"the {stage} stage",
    )


def committee_member(tender: Tender, command: SignedCommand) -> None:
    """The actor must sit on the tender's evaluation committee."""
    if not tender.committee:
        raise RuleViolation(
            rules.PHASE_ORDER, f"{command.command}: the agency's FormCommittee must come first"
        )
    if command.actor not in tender.committee:
        raise RuleViolation(
            rules.ROLE_NOT_HELD, f"{command.actor} is not a member of the evaluation committee"
        )


def scoring_begun(lot: Lot) -> bool:
    return any(bid.scores for bid in lot.bids.values())


def submit_scores(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """One committee member scores every valid bid once; the ledger adds the price score."""
    registry.authenticate(command, now, "evaluator")
    lot = lot_at(tender, command, "examined")
    committee_member(tender, command)
    if any(command.actor in bid.scores for bid in lot.bids.values()):
        raise RuleViolation(
            rules.EVALUATOR_SCORES_ONCE, f"{command.actor} has already scored lot {lot.lot}"
        )
    _check_nothing_pending(lot)
    sheets = _score_sheets(tender, lot, read.items(command.args, "scores"))
    prices = {bid.bidder: _evaluation_price(tender, bid) for bid in lot.valid_bids()}
    points = read.decimal(tender.terms["evaluation"], "price_points")
    price_points = price_scores({b: value for b, (value, _) in prices.items()}, points)
    scores = {
        bidder: {
            "business": money(business),
            "technical": money(technical),
            "price": money(price_points[bidder]),
            "total": money(business + technical + price_points[bidder]),
        }
        for bidder, (business, technical) in sheets.items()
    }
    evaluation_prices = {
        bidder: {
            "price": money(bid_price(lot.bids[bidder])),
            "evaluation_price": money(value),
            "basis": basis,
        }
        for bidder, (value, basis) in prices.items()
    }
    facts = {"evaluator": command.actor, "scores": scores, "evaluation_prices": evaluation_prices}
    tender.record(ScoresSubmitted, command, now, facts)


def finalise_evaluation(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency checks and tallies the scores (复核和汇总), ranks, and names the candidates."""
    registry.authenticate(command, now, "agency")
    lot = lot_at(tender, command, "examined")
    if command.actor != tender.agency:
        raise RuleViolation(rules.ROLE_NOT_HELD, f"{command.actor} is not this tender's agency")
    bids = lot.valid_bids()
    scored = {member for bid in bids for member in bid.scores}
    missing = sorted(set(tender.committee) - scored) or ([] if tender.committee else ["everyone"])
    if missing:
        raise RuleViolation(
            rules.EVALUATOR_SCORES_ONCE,
            f"lot {lot.lot}: every member scores first; not yet: {', '.join(missing)}",
        )
    entries = [_rank_entry(bid) for bid in bids]
    seed = bytes.fromhex(tender.head)
    ranked = rank(entries, draw_seed=seed)
    ranking = [_ranking_row(lot, place, entry) for place, entry in enumerate(ranked, start=1)]
    chosen = [entry.bidder for entry in candidates(ranked)]
    facts = {
        "draw_seed": tender.head,
        "ranking": ranking,
        "excluded_same_brand": same_brand_excluded(entries, draw_seed=seed),
        "candidates": chosen,
        "report_digest": report_digest(ranking, chosen),
    }
    tender.record(EvaluationFinalised, command, now, facts)


def sign_report(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """Each committee member signs the report's digest once (§29.1); all five complete it."""
    registry.authenticate(command, now, "evaluator")
    lot = lot_at(tender, command, "ranked")
    committee_member(tender, command)
    digest = read.text(command.args, "report_digest")
    expected = lot.report_digest or ""
    if not hmac.compare_digest(digest.encode(), expected.encode()):
        raise RuleViolation(
            rules.REPORT_SIGNED, f"lot {lot.lot}: expected report digest {expected}, found {digest}"
        )
    if command.actor in lot.report_signers:
        raise RuleViolation(
            rules.REPORT_SIGNED, f"{command.actor} has already signed the report of lot {lot.lot}"
        )
    signed = len(lot.report_signers) + 1
    facts = {
        "signed": signed,
        "of": len(tender.committee),
        "complete": signed == len(tender.committee),
    }
    tender.record(ReportSigned, command, now, facts)


def report_digest(ranking: list[dict[str, Any]], chosen: list[str]) -> str:
    """Hex SHA-256 of the canonical ranking and candidates: what each member signs."""
    return hashlib.sha256(canonical_bytes({"ranking": ranking, "candidates": chosen})).hexdigest()


def valid_bid(lot: Lot, bidder: str) -> Bid:
    """``bidder``'s bid in ``lot``, which must still be valid."""
    bid = lot.bids.get(bidder)
    if bid is None or not bid.valid:
        raise InvalidInput(f"{bidder} has no valid bid in lot {lot.lot}")
    return bid


def bid_price(bid: Bid) -> Decimal:
    """A revealed bid's price (after any accepted correction)."""
    assert bid.price is not None, f"revealed bid of {bid.bidder} has a price"
    return bid.price


def _check_nothing_pending(lot: Lot) -> None:
    pending = [
        f"{bid.bidder}: arithmetic correction awaiting the bidder (§26.4)"
        for bid in lot.valid_bids()
        if bid.correction_status == "pending"
    ]
    pending += [
        f"{bid.bidder}: low-price justification {bid.justification}, not decided (§27.2)"
        for bid in lot.valid_bids()
        if bid.justification in ("requested", "given")
    ]
    if pending:
        raise RuleViolation(
            rules.PHASE_ORDER, "scoring waits until these are settled: " + "; ".join(pending)
        )
    if not lot.valid_bids():
        raise RuleViolation(rules.PHASE_ORDER, f"lot {lot.lot} has no valid bid to score")


def _score_sheets(
    tender: Tender, lot: Lot, entries: list[Any]
) -> dict[str, tuple[Decimal, Decimal]]:
    """Business and technical points per bidder: exactly the valid bids, each within range."""
    sheets: dict[str, tuple[Decimal, Decimal]] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise InvalidInput("each score is an object {bidder, business, technical}")
        bidder = read.text(entry, "bidder")
        if bidder in sheets:
            raise RuleViolation(rules.EVALUATOR_SCORES_ONCE, f"{bidder} is scored twice")
        business, technical = (_part(tender, entry, part, limit) for part, limit in _PARTS)
        sheets[bidder] = (business, technical)
    valid = {bid.bidder for bid in lot.valid_bids()}
    if set(sheets) != valid:
        raise RuleViolation(
            rules.EVALUATOR_SCORES_ONCE,
            f"scores must cover exactly the valid "
            f"bids {sorted(valid)}; missing {sorted(valid - set(sheets))}, "
            f"not valid {sorted(set(sheets) - valid)}",
        )
    return sheets


def _part(tender: Tender, entry: Mapping[str, Any], part: str, limit: str) -> Decimal:
    value = read.amount(entry, part)
    points = read.decimal(tender.terms["evaluation"], limit)
    if value > points:
        raise RuleViolation(
            rules.SCORE_RANGE,
            f"{entry['bidder']}: {part} {value} is above the part's {points} points",
        )
    return value


def _evaluation_price(tender: Tender, bid: Bid) -> tuple[Decimal, str]:
    """The bid's price after any SME deduction: the notice's rates, the document's statements.

    The consortium deduction exists only where the notice accepts consortia (seed 17.2).
    """
    document = bid.document or {}
    share = document.get("consortium_sme_share")
    consortia = tender.terms.get("consortia") is True
    sme = tender.terms["sme"]
    return evaluation_price(
        bid_price(bid),
        small_or_micro=document.get("small_or_micro") is True,
        consortium_sme_share=None
        if share is None or not consortia
        else read.decimal(document, "consortium_sme_share"),
        sme_deduction=read.decimal(sme, "deduction"),
        consortium_deduction=read.decimal(sme, "consortium_deduction"),
    )


def _ranking_row(lot: Lot, place: int, entry: RankEntry) -> dict[str, Any]:
    return {
        "rank": place,
        "bidder": entry.bidder,
        "score": money(entry.score),
        "quantified": money(entry.quantified),
        "evaluation_price": money(entry.price),
        "price": money(bid_price(lot.bids[entry.bidder])),
    }


def _rank_entry(bid: Bid) -> RankEntry:
    """Final score and quantified score (technical + price) as means over the evaluators."""
    sheets = list(bid.scores.values())
    assert bid.evaluation_price is not None
    brand = (bid.document or {}).get("brand")
    return RankEntry(
        bidder=bid.bidder,
        score=mean_score([Decimal(sheet["total"]) for sheet in sheets]),
        price=bid.evaluation_price,
        quantified=mean_score([Decimal(s["technical"]) + Decimal(s["price"]) for s in sheets]),
        brand=brand if isinstance(brand, str) else None,
    )


ACTIONS = {
    "SubmitScores": Action("evaluator", submit_scores),
    "FinaliseEvaluation": Action("agency", finalise_evaluation),
    "SignReport": Action("evaluator", sign_report),
}
