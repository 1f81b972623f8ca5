"""Scores, the agency's tally and ranking, and the signed evaluation report (ch.5, §18, §29.1).

Choices where the seed is silent:
- The price score is the ledger's, not the evaluator's: every evaluator's sheet gets the
  same figures from ``ledger.rules.scoring.price_scores`` over the evaluation prices.
- The "score on the quantified factors" (量化指标评审得分) that settles a tie of score and
  price is the mean over the evaluators of technical + price points: the business part
  holds the judgement factors (document quality, strength, after-sales).
- The ranking shows each bid's evaluation price (after any SME deduction) and its quoted
  price (投标报价); an equal score is settled by the quoted price (ch.5 (六)). The draw
  seed is the tender's head hash before the tally, so anyone can recompute the draw.
- The SME deduction needs the bid's declaration confirmed by the bidder's registered
  ``enterprise_size`` (``ledger.rules.sme``); a false one was found at conformity.
- The report digest is hex SHA-256 of canonical_bytes({"ranking", "candidates"}).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from ledger.canonical import canonical_bytes
from ledger.errors import RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import RegistryState
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, Lot, TenderState, money
from ledger.procedure.tender.corrections import unsettled
from ledger.procedure.tender.stages import bid_price, brand_of, lot_at
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
from ledger.rules.sme import check_declaration

_EVALUATION = phases("evaluation")


@dataclass(frozen=True)
class ScoreSheet:
    bidder: str = arg(max_length=64)
    business: Decimal = arg(money=True)
    technical: Decimal = arg(money=True)


@dataclass(frozen=True)
class SubmitScores(TenderCommand):
    """One committee member's business and technical points for every valid bid (ch.5)."""

    guard: ClassVar[Guard] = Guard(role="evaluator", sender="committee", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    scores: tuple[ScoreSheet, ...] = arg(max_items=500)


@dataclass(frozen=True)
class FinaliseEvaluation(TenderCommand):
    """The agency tallies the scores, ranks the bids and names the candidates."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_EVALUATION)
    lot: str = arg(max_length=20)


@dataclass(frozen=True)
class SignReport(TenderCommand):
    """A committee member signs the evaluation report's digest (§29.1)."""

    guard: ClassVar[Guard] = Guard(role="evaluator", sender="committee", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    report_digest: str = arg(max_length=64)


@decides(SubmitScores)
def submit_scores(tender: TenderState, command: SubmitScores, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "SubmitScores")
    if any(ctx.actor in bid.scores for bid in lot.bids.values()):
        raise RuleViolation(
            rules.EVALUATOR_SCORES_ONCE, f"{ctx.actor} has already scored lot {lot.lot}"
        )
    _check_nothing_pending(lot)
    sheets = _score_sheets(tender, lot, command.scores)
    prices = {bid.bidder: _evaluation_price(tender, bid, ctx.registry) for bid in lot.valid_bids()}
    points = Decimal(tender.terms["evaluation"]["price_points"])
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
    facts = {"evaluator": ctx.actor, "scores": scores, "evaluation_prices": evaluation_prices}
    if tender.remote.fixed:  # a remote evaluation: every score records its venue
        facts["venue"] = tender.remote.check_ins[ctx.actor]["venue"]
    return Decision("ScoresSubmitted", facts)


@decides(FinaliseEvaluation)
def finalise_evaluation(tender: TenderState, command: FinaliseEvaluation, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "examined", "FinaliseEvaluation")
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
    return Decision("EvaluationFinalised", facts)


@decides(SignReport)
def sign_report(tender: TenderState, command: SignReport, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "ranked", "SignReport")
    expected = lot.report_digest or ""
    if not hmac.compare_digest(command.report_digest.encode(), expected.encode()):
        raise RuleViolation(
            rules.REPORT_SIGNED,
            f"lot {lot.lot}: expected report digest {expected}, found {command.report_digest}",
        )
    if ctx.actor in lot.report_signers:
        raise RuleViolation(
            rules.REPORT_SIGNED, f"{ctx.actor} has already signed the report of lot {lot.lot}"
        )
    signed = len(lot.report_signers) + 1
    facts = {
        "signed": signed,
        "of": len(tender.committee),
        "complete": signed == len(tender.committee),
    }
    return Decision("ReportSigned", facts)


def report_digest(ranking: list[dict[str, Any]], chosen: list[str]) -> str:
    """Hex SHA-256 of the canonical ranking and candidates: what each member signs."""
    return hashlib.sha256(canonical_bytes({"ranking": ranking, "candidates": chosen})).hexdigest()


def _check_nothing_pending(lot: Lot) -> None:
    if slips := unsettled(lot):
        raise RuleViolation(
            rules.ARITHMETIC_CORRECTION,
            "scoring waits until every slip is settled: " + "; ".join(slips),
        )
    pending = [
        f"{bid.bidder}: its justification is {bid.justification}, not decided"
        for bid in lot.valid_bids()
        if bid.justification in ("requested", "given")
    ]
    if pending:
        raise RuleViolation(
            rules.ABNORMALLY_LOW_PRICE, "scoring waits for the committee: " + "; ".join(pending)
        )
    if not lot.valid_bids():
        raise RuleViolation(rules.PHASE_ORDER, f"lot {lot.lot} has no valid bid to score")


def _score_sheets(
    tender: TenderState, lot: Lot, entries: tuple[ScoreSheet, ...]
) -> dict[str, tuple[Decimal, Decimal]]:
    """Business and technical points per bidder: exactly the valid bids, each within range."""
    sheets: dict[str, tuple[Decimal, Decimal]] = {}
    limits = tender.terms["evaluation"]
    for entry in entries:
        if entry.bidder in sheets:
            raise RuleViolation(rules.EVALUATOR_SCORES_ONCE, f"{entry.bidder} is scored twice")
        for part, value in (("business", entry.business), ("technical", entry.technical)):
            points = Decimal(limits[f"{part}_points"])
            if value > points:
                raise RuleViolation(
                    rules.SCORE_RANGE,
                    f"{entry.bidder}: {part} {value} is above the part's {points} points",
                )
        sheets[entry.bidder] = (entry.business, entry.technical)
    valid = {bid.bidder for bid in lot.valid_bids()}
    if set(sheets) != valid:
        raise RuleViolation(
            rules.EVALUATOR_SCORES_ONCE,
            f"scores must cover exactly the valid bids {sorted(valid)}; "
            f"missing {sorted(valid - set(sheets))}, not valid {sorted(set(sheets) - valid)}",
        )
    return sheets


def _evaluation_price(
    tender: TenderState, bid: Bid, registry: RegistryState
) -> tuple[Decimal, str]:
    """The bid's price after any SME deduction: the notice's rates, the document's statements.

    The small-or-micro deduction needs the declaration confirmed by the registry; the
    consortium deduction exists only where the notice accepts consortia (seed 17.2).
    """
    document = bid.document or {}
    share = document.get("consortium_sme_share")
    consortia = tender.terms.get("consortia") is True
    size = registry.party(bid.bidder).attributes.get("enterprise_size")
    declaration = check_declaration(document.get("small_or_micro") is True, size)
    sme = tender.terms["sme"]
    price, basis = evaluation_price(
        bid_price(bid),
        small_or_micro=declaration == "confirmed",
        consortium_sme_share=None if share is None or not consortia else Decimal(share),
        sme_deduction=Decimal(sme["deduction"]),
        consortium_deduction=Decimal(sme["consortium_deduction"]),
    )
    if declaration == "unconfirmed":
        basis = f"declared small or micro, not confirmed by a registered size: {basis}"
    return price, basis


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
    return RankEntry(
        bidder=bid.bidder,
        score=mean_score([Decimal(sheet["total"]) for sheet in sheets]),
        price=bid.evaluation_price,
        quoted=bid_price(bid),
        quantified=mean_score([Decimal(s["technical"]) + Decimal(s["price"]) for s in sheets]),
        brand=brand_of(bid),
    )


@applies("ScoresSubmitted")
def _scored(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    for bidder, sheet in event.facts["scores"].items():
        lot.bids[bidder].scores[event.actor] = dict(sheet)
    for bidder, prices in event.facts["evaluation_prices"].items():
        lot.bids[bidder].evaluation_price = Decimal(prices["evaluation_price"])
    tender.evaluated_by.add(event.actor)


@applies("EvaluationFinalised")
def _finalised(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.ranking = [dict(entry) for entry in event.facts["ranking"]]
    lot.candidates = list(event.facts["candidates"])
    lot.report_digest = event.facts["report_digest"]
    lot.status = "ranked"


@applies("ReportSigned")
def _report_signed(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.report_signers.add(event.actor)
    tender.evaluated_by.add(event.actor)
    if event.facts["complete"]:
        lot.report_at = event.time
        lot.status = "reported"
