"""Where a lot stands in its evaluation, and the small reads every evaluation rule shares.

A lot moves ``open`` → ``opened`` (revealed) → ``qualified`` (or ``no_evaluation``, §24.1)
→ ``examined`` (conformity checked) → ``ranked`` → ``reported`` → ``awarded``; or
``failed``, or ``negotiation`` (§30).
"""

from __future__ import annotations

from decimal import Decimal

from ledger.errors import InvalidInput, Reason, Rule, RuleViolation
from ledger.procedure.state import Bid, Lot, TenderState
from ledger.rules import catalogue as rules

STAGES = ("open", "opened", "qualified", "examined", "ranked", "reported")
CLOSED = ("failed", "awarded")
_FIRST = {
    "open": "the opening (the bids' reveal)",
    "opened": "the purchaser's qualification check (RecordQualification)",
    "qualified": "the committee's conformity check (RecordConformity)",
    "examined": "every member's scores (SubmitScores) and the agency's FinaliseEvaluation",
    "ranked": "every member's signature of the report (SignReport)",
}


def lot_at(tender: TenderState, lot_id: str, stage: str, command: str) -> Lot:
    """The lot, checked to be at ``stage``; refusals name what must come first."""
    lot = tender.lot(lot_id)
    where = f"{command}: lot {lot.lot} is {lot.status}"
    if lot.status in CLOSED:
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
        f"{command}: lot {lot.lot} is {already}{lot.status}; this step belongs to "
        f"the {stage} stage",
    )


def scoring_begun(lot: Lot) -> bool:
    return any(bid.scores for bid in lot.bids.values())


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


def brand_of(bid: Bid) -> str | None:
    """The brand a revealed bid offers, as its document states it (§18)."""
    brand = (bid.document or {}).get("brand")
    return brand if isinstance(brand, str) else None


def reason(rule: Rule, detail: str) -> Reason:
    """A stored reason: the rule's catalogue code and what was found."""
    return {"rule": rule.code, "detail": detail}
