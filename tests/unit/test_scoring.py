"""Comprehensive scoring (chapter 5) and the ranking of bids (§18)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.errors import InvalidInput
from ledger.rules.scoring import (
    RankEntry,
    candidates,
    evaluation_price,
    mean_score,
    price_scores,
    rank,
    same_brand_excluded,
)

SEED = b"XFZFCG-2020-33 lot 2"


def _entry(
    bidder: str,
    score: str,
    price: str = "400000.00",
    quantified: str = "50.00",
    brand: str | None = None,
    *,
    quoted: str | None = None,
) -> RankEntry:
    """A ranked bid; ``price`` is its evaluation price, ``quoted`` (default: the same) its own."""
    return RankEntry(
        bidder=bidder,
        score=Decimal(score),
        price=Decimal(price),
        quoted=Decimal(quoted or price),
        quantified=Decimal(quantified),
        brand=brand,
    )


def _bidders(entries: list[RankEntry]) -> list[str]:
    return [entry.bidder for entry in entries]


def test_a_small_enterprise_is_evaluated_at_a_price_ten_percent_lower() -> None:
    assert evaluation_price(
        Decimal("334860.00"), small_or_micro=True, consortium_sme_share=None
    ) == (Decimal("301374.00"), "small or micro enterprise: 10% deduction")


def test_an_sme_consortium_of_at_least_thirty_percent_gets_three_percent() -> None:
    assert evaluation_price(
        Decimal("380000.00"), small_or_micro=False, consortium_sme_share=Decimal("0.35")
    ) == (Decimal("368600.00"), "SME consortium share 35%: 3% deduction")
    assert evaluation_price(
        Decimal("380000.00"), small_or_micro=False, consortium_sme_share=Decimal("0.30")
    ) == (Decimal("368600.00"), "SME consortium share 30%: 3% deduction")


def test_an_sme_consortium_below_thirty_percent_gets_no_deduction() -> None:
    assert evaluation_price(
        Decimal("380000.00"), small_or_micro=False, consortium_sme_share=Decimal("0.29")
    ) == (Decimal("380000.00"), "no deduction")


def test_the_two_deductions_never_stack() -> None:
    assert evaluation_price(
        Decimal("380000.00"), small_or_micro=True, consortium_sme_share=Decimal("0.50")
    ) == (Decimal("342000.00"), "small or micro enterprise: 10% deduction")


def test_an_evaluation_price_is_rounded_half_up_to_the_cent() -> None:
    price, _ = evaluation_price(Decimal("100.05"), small_or_micro=True, consortium_sme_share=None)
    assert price == Decimal("90.05")  # 90.045 rounds up


def test_a_price_that_is_not_positive_cannot_be_evaluated() -> None:
    with pytest.raises(InvalidInput, match="a bid price must be positive, found 0"):
        evaluation_price(Decimal(0), small_or_micro=False, consortium_sme_share=None)


def test_the_lowest_evaluation_price_gets_full_points_and_the_others_a_share() -> None:
    scores = price_scores(
        {"甲": Decimal("301374.00"), "乙": Decimal("380000.00"), "丙": Decimal("412000.00")},
        Decimal(30),
    )
    assert scores == {"甲": Decimal("30.00"), "乙": Decimal("23.79"), "丙": Decimal("21.94")}


def test_no_prices_give_no_scores() -> None:
    assert price_scores({}, Decimal(30)) == {}


def test_a_price_that_is_not_positive_cannot_be_scored() -> None:
    with pytest.raises(InvalidInput, match="evaluation price of 乙 must be positive"):
        price_scores({"甲": Decimal("100.00"), "乙": Decimal("-1.00")}, Decimal(30))


def test_the_final_score_is_the_mean_of_the_five_evaluators() -> None:
    totals = [Decimal(t) for t in ("85.50", "88.00", "86.25", "90.00", "84.75")]
    assert mean_score(totals) == Decimal("86.90")
    assert mean_score([Decimal("85"), Decimal("86"), Decimal("86")]) == Decimal("85.67")


def test_the_mean_is_rounded_half_up() -> None:
    assert mean_score([Decimal("80.00"), Decimal("80.01")]) == Decimal("80.01")


def test_a_mean_of_no_evaluators_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one evaluator"):
        mean_score([])


def test_bids_are_ranked_by_score_descending() -> None:
    ranked = rank(
        [_entry("甲", "80.10"), _entry("乙", "91.00"), _entry("丙", "85.3")], draw_seed=SEED
    )
    assert _bidders(ranked) == ["乙", "丙", "甲"]


def test_an_equal_score_is_ranked_by_the_lower_price() -> None:
    ranked = rank(
        [_entry("甲", "88.00", price="380000.00"), _entry("乙", "88.00", price="301374.00")],
        draw_seed=SEED,
    )
    assert _bidders(ranked) == ["乙", "甲"]


def test_an_equal_score_is_ranked_by_the_quoted_price_not_the_evaluation_price() -> None:
    # 乙 is a small enterprise: quoted 420000, evaluated at 378000 (10% off); 甲 quotes
    # 400000 with no deduction. ch.5 (六) orders an equal score by the 投标报价: 甲 first.
    small = _entry("乙", "88.00", price="378000.00", quoted="420000.00", quantified="60.00")
    large = _entry("甲", "88.00", price="400000.00", quoted="400000.00", quantified="55.00")
    assert _bidders(rank([small, large], draw_seed=SEED)) == ["甲", "乙"]


def test_of_the_same_brand_the_lower_quoted_price_keeps_its_place() -> None:
    small = _entry("乙", "88.00", price="378000.00", quoted="420000.00", brand="Kaiyue")
    large = _entry("甲", "88.00", price="400000.00", quoted="400000.00", brand="KAIYUE")
    assert _bidders(rank([small, large], draw_seed=SEED)) == ["甲"]
    assert same_brand_excluded([small, large], draw_seed=SEED) == ["乙"]


def test_an_equal_score_and_price_is_ranked_by_the_quantified_factors() -> None:
    ranked = rank(
        [_entry("甲", "88.00", quantified="40.00"), _entry("乙", "88.00", quantified="42.50")],
        draw_seed=SEED,
    )
    assert _bidders(ranked) == ["乙", "甲"]


def test_a_complete_tie_is_settled_by_a_reproducible_draw() -> None:
    # SHA-256 of the seed + bidder begins 8274ba06 (甲), bc708563 (丙), bdadde37 (乙).
    entries = [_entry("甲", "88.00"), _entry("乙", "88.00"), _entry("丙", "88.00")]
    assert _bidders(rank(entries, draw_seed=SEED)) == ["甲", "丙", "乙"]
    assert _bidders(rank(entries[::-1], draw_seed=SEED)) == ["甲", "丙", "乙"]
    assert _bidders(rank(entries, draw_seed=b"another seed")) == ["乙", "甲", "丙"]


def test_bidders_of_the_same_brand_count_as_one() -> None:
    entries = [
        _entry("甲", "90.00", brand="Kaiyue"),
        _entry("乙", "88.00", brand=" kaiyue "),
        _entry("丙", "85.00", brand=None),
        _entry("丁", "80.00", brand="Other"),
        _entry("戊", "79.00", brand="KAIYUE"),
    ]
    assert _bidders(rank(entries, draw_seed=SEED)) == ["甲", "丙", "丁"]
    assert same_brand_excluded(entries, draw_seed=SEED) == ["乙", "戊"]


def test_of_the_same_brand_at_an_equal_score_the_lower_price_is_kept() -> None:
    entries = [
        _entry("甲", "88.00", price="400000.00", brand="Kaiyue"),
        _entry("乙", "88.00", price="390000.00", brand="Kaiyue"),
    ]
    assert _bidders(rank(entries, draw_seed=SEED)) == ["乙"]
    assert same_brand_excluded(entries, draw_seed=SEED) == ["甲"]


def test_bidders_without_a_brand_are_never_merged() -> None:
    entries = [_entry("甲", "90.00", brand=None), _entry("乙", "88.00", brand="  ")]
    assert _bidders(rank(entries, draw_seed=SEED)) == ["甲", "乙"]
    assert same_brand_excluded(entries, draw_seed=SEED) == []


def test_a_bidder_ranked_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="bidders ranked more than once: 甲"):
        rank([_entry("甲", "90.00"), _entry("甲", "80.00")], draw_seed=SEED)


def test_the_top_three_are_the_candidates_in_order() -> None:
    ranked = rank(
        [
            _entry(name, score)
            for name, score in [("甲", "70"), ("乙", "95"), ("丙", "80"), ("丁", "90")]
        ],
        draw_seed=SEED,
    )
    assert _bidders(candidates(ranked)) == ["乙", "丁", "丙"]
    assert _bidders(candidates(ranked, count=1)) == ["乙"]
    assert _bidders(candidates(ranked[:2])) == ["乙", "丁"]


def test_the_deduction_rates_are_the_notices() -> None:
    price, basis = evaluation_price(
        Decimal("400000.00"),
        small_or_micro=True,
        consortium_sme_share=None,
        sme_deduction=Decimal("0.06"),
    )
    assert price == Decimal("376000.00")
    assert basis == "small or micro enterprise: 6% deduction"
