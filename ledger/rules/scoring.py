"""Comprehensive scoring (综合评分法, chapter 5) and the ranking of bids.

Evaluation price: small and micro enterprises (prison enterprises and disabled-welfare
units count as such) get 10% off; a consortium whose SME members hold at least 30% of
the contract gets 3%; never both (SME_DEDUCTION). Price points: the lowest evaluation
price is the baseline and gets full points, the others baseline / price × points. The
final score is the mean of the evaluators' totals. Every figure is to 2 decimal places,
ROUND_HALF_UP.

Ranking (ch.5 (六)): score descending, then the quoted price (投标报价, before any SME
deduction) ascending, then the score on quantified factors descending; what is still tied
is settled by a draw anyone can recompute from the seed. Bidders offering the same brand
count as one (SAME_BRAND, §18, brands compared by ``ledger.rules.brands.brand_key``): only
the best of them, in that order, keeps a place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ledger.errors import InvalidInput
from ledger.rules.brands import brand_key

__all__ = [
    "RankEntry",
    "candidates",
    "evaluation_price",
    "mean_score",
    "price_scores",
    "rank",
    "same_brand_excluded",
]

_CENT = Decimal("0.01")
_CONSORTIUM_THRESHOLD = Decimal("0.30")


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}"


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def evaluation_price(
    price: Decimal,
    *,
    small_or_micro: bool,
    consortium_sme_share: Decimal | None,
    sme_deduction: Decimal = Decimal("0.10"),
    consortium_deduction: Decimal = Decimal("0.03"),
) -> tuple[Decimal, str]:
    """The price the bid is evaluated at, and the basis of any deduction.

    ``small_or_micro`` already includes prison enterprises and disabled-welfare units;
    ``consortium_sme_share`` is the SME members' share of a consortium's contract value
    (0 to 1), None for a bidder that is not a consortium. The deductions are the notice's
    (the seed's 10% and 3% by default); the SME one, when it applies, replaces the
    consortium one: the two never stack.
    """
    if not price.is_finite() or price <= 0:
        raise InvalidInput(f"a bid price must be positive, found {price}")
    if consortium_sme_share is not None and not 0 <= consortium_sme_share <= 1:
        raise InvalidInput(
            f"a consortium's SME share must be between 0 and 1, found {consortium_sme_share}"
        )
    if small_or_micro:
        basis = f"small or micro enterprise: {_percent(sme_deduction)}% deduction"
        return _two_places(price * (1 - sme_deduction)), basis
    if consortium_sme_share is not None and consortium_sme_share >= _CONSORTIUM_THRESHOLD:
        share = _percent(consortium_sme_share)
        basis = f"SME consortium share {share}%: {_percent(consortium_deduction)}% deduction"
        return _two_places(price * (1 - consortium_deduction)), basis
    return _two_places(price), "no deduction"


def price_scores(
    evaluation_prices: Mapping[str, Decimal], price_points: Decimal
) -> dict[str, Decimal]:
    """Price points per bidder: the lowest evaluation price is the baseline, full points.

    Each other bidder gets baseline / price × ``price_points``, to 2 decimals.
    """
    if price_points < 0:
        raise InvalidInput(f"price points must not be negative, found {price_points}")
    for bidder, price in evaluation_prices.items():
        if not price.is_finite() or price <= 0:
            raise InvalidInput(f"evaluation price of {bidder} must be positive, found {price}")
    if not evaluation_prices:
        return {}
    baseline = min(evaluation_prices.values())
    return {
        bidder: _two_places(baseline * price_points / price)
        for bidder, price in evaluation_prices.items()
    }


def mean_score(totals: Sequence[Decimal]) -> Decimal:
    """The final score: the arithmetic mean of the evaluators' totals, to 2 decimals."""
    if not totals:
        raise InvalidInput("a mean score needs at least one evaluator's total")
    return _two_places(sum(totals, Decimal(0)) / len(totals))


@dataclass(frozen=True)
class RankEntry:
    """A bid as ranked: final score, evaluation price, quoted price, quantified score, brand.

    ``price`` is the evaluation price (after any SME deduction), shown in the ranking;
    ``quoted`` is the bid's own price (投标报价), the one that settles a tie of score.
    """

    bidder: str
    score: Decimal
    price: Decimal
    quoted: Decimal
    quantified: Decimal
    brand: str | None


def rank(entries: Sequence[RankEntry], *, draw_seed: bytes) -> list[RankEntry]:
    """Rank the bids, best first, keeping only the best bidder of each brand (§18).

    Order: score descending, quoted price ascending, quantified score descending; exact
    ties are drawn: SHA-256(draw_seed + bidder in UTF-8) ascending.
    """
    kept, _ = _rank_and_split(entries, draw_seed)
    return kept


def same_brand_excluded(entries: Sequence[RankEntry], *, draw_seed: bytes) -> list[str]:
    """The bidders dropped because a better-ranked bidder offers the same brand (§18)."""
    _, dropped = _rank_and_split(entries, draw_seed)
    return [entry.bidder for entry in dropped]


def candidates(ranked: Sequence[RankEntry], count: int = 3) -> list[RankEntry]:
    """The recommended candidates: the first ``count`` of a ranking, in order."""
    if count < 1:
        raise InvalidInput(f"the number of candidates must be at least 1, found {count}")
    return list(ranked[:count])


def _rank_and_split(
    entries: Sequence[RankEntry], draw_seed: bytes
) -> tuple[list[RankEntry], list[RankEntry]]:
    """Order all entries, then split them into those ranked and those of a taken brand."""
    bidders = [entry.bidder for entry in entries]
    duplicates = sorted({bidder for bidder in bidders if bidders.count(bidder) > 1})
    if duplicates:
        raise InvalidInput(f"bidders ranked more than once: {', '.join(duplicates)}")
    ordered = sorted(entries, key=lambda entry: _order_key(entry, draw_seed))
    kept: list[RankEntry] = []
    dropped: list[RankEntry] = []
    brands: set[str] = set()
    for entry in ordered:
        brand = brand_key(entry.brand)
        if brand is not None and brand in brands:
            dropped.append(entry)
            continue
        if brand is not None:
            brands.add(brand)
        kept.append(entry)
    return kept, dropped


def _order_key(entry: RankEntry, draw_seed: bytes) -> tuple[Decimal, Decimal, Decimal, bytes]:
    draw = hashlib.sha256(draw_seed + entry.bidder.encode()).digest()
    return (-entry.score, entry.quoted, -entry.quantified, draw)
