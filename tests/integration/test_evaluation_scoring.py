"""Scores, the agency's tally, ranking and the signed report (ch.5, §18, §29.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from commands import seed
from commands.messages import FinaliseEvaluation, ScoreSheet, SignReport, SubmitScores
from commands.world import World
from ledger.canonical import canonical_bytes
from ledger.rules import catalogue as rules
from tests.conftest import tender_of
from tests.support.evaluation import (
    Sheet,
    assert_refused,
    check_conformity,
    evaluate_lot,
    facts_of,
    finalise,
    form_committee,
    qualify,
    sign_report,
    submit_scores,
)
from tests.support.opening import BidKey, BidSpec, open_tender

THREE_BIDS: dict[BidKey, BidSpec] = {
    ("1", seed.QXD): "334860.00",
    ("1", seed.RUNHUA): "400000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}
EXPERT = seed.COMMITTEE[1]


def _examined(world: World, bids: Mapping[BidKey, BidSpec] = THREE_BIDS) -> World:
    """Lot 1 opened with ``bids``, every bid qualified and conforming."""
    open_tender(world, bids)
    form_committee(world)
    qualify(world, "1")
    check_conformity(world, "1")
    return world


def _everyone(sheet: Sheet | None = None) -> dict[str, Sheet | None]:
    """The same sheet from every member; None: the helper's default points for every bid."""
    return dict.fromkeys(seed.COMMITTEE, sheet)


def _sheets(points: Mapping[str, tuple[str, str]]) -> tuple[ScoreSheet, ...]:
    return tuple(ScoreSheet(b, Decimal(x), Decimal(y)) for b, (x, y) in points.items())


def _ranked(
    world: World, bids: Mapping[BidKey, BidSpec], sheet: Sheet | None = None
) -> dict[str, Any]:
    """Score lot 1 with ``sheet`` from every evaluator and finalise; the tally's facts."""
    _examined(world, bids)
    submit_scores(world, "1", _everyone(sheet))
    return facts_of(world, finalise(world, "1"))


# Scores (ch.5)


def test_scoring_before_the_conformity_check_is_refused(published: World) -> None:
    open_tender(published, THREE_BIDS)
    form_committee(published)
    qualify(published, "1")
    command = SubmitScores(seed.CODE, "1", _sheets({seed.QXD: ("20", "30")}))
    assert_refused(published, EXPERT, "evaluator", command, r"lifecycle.*RecordConformity")


def test_a_score_above_the_parts_points_is_refused(published: World) -> None:
    world = _examined(published)
    over = {seed.QXD: ("30.01", "35.00"), seed.RUNHUA: ("20", "30"), seed.SUPPLIER_A: ("20", "30")}
    command = SubmitScores(seed.CODE, "1", _sheets(over))
    pattern = r"ch\.5 \(each part is scored within its points\).*business 30\.01 .* 30 points"
    assert_refused(world, EXPERT, "evaluator", command, pattern)
    over[seed.QXD] = ("30.00", "40.50")
    command = SubmitScores(seed.CODE, "1", _sheets(over))
    assert_refused(world, EXPERT, "evaluator", command, r"ch\.5 .*technical 40\.50")


def test_an_evaluator_scoring_twice_is_refused(published: World) -> None:
    world = _examined(published)
    points = dict.fromkeys((seed.QXD, seed.RUNHUA, seed.SUPPLIER_A), ("20.00", "30.00"))
    world.act(EXPERT, "evaluator", SubmitScores(seed.CODE, "1", _sheets(points)))
    again = SubmitScores(seed.CODE, "1", _sheets(points))
    assert_refused(world, EXPERT, "evaluator", again, r"ch\.5 \(each evaluator scores .*already")


def test_scores_must_cover_exactly_the_valid_bids(published: World) -> None:
    world = _examined(published)
    two = SubmitScores(
        seed.CODE, "1", _sheets(dict.fromkeys((seed.QXD, seed.RUNHUA), ("20", "30")))
    )
    assert_refused(world, EXPERT, "evaluator", two, r"ch\.5 .*missing \['demo-a'\]")


def test_only_a_committee_member_scores(published: World) -> None:
    published.register("outside-expert", "库外专家", ("evaluator",))
    world = _examined(published)
    points = dict.fromkeys((seed.QXD, seed.RUNHUA, seed.SUPPLIER_A), ("20.00", "30.00"))
    command = SubmitScores(seed.CODE, "1", _sheets(points))
    assert_refused(world, "outside-expert", "evaluator", command, r"§25\.1 .*not a member")


def test_the_small_enterprise_deduction_changes_the_price_score(published: World) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_C): {"total": "400000.00", "small_or_micro": True},
        ("1", seed.RUNHUA): "380000.00",
        ("1", seed.SUPPLIER_A): "420000.00",
    }
    world = _examined(published, bids)
    submit_scores(world, "1", {EXPERT: None})
    lot = tender_of(world).lots["1"]
    small, runhua = lot.bids[seed.SUPPLIER_C], lot.bids[seed.RUNHUA]
    assert small.evaluation_price == Decimal("360000.00")  # 400000 less 10%
    assert small.scores[EXPERT]["price"] == "30.00"  # the baseline, though its price is higher
    assert runhua.scores[EXPERT]["price"] == "28.42"  # 360000 / 380000 × 30
    assert lot.bids[seed.SUPPLIER_A].scores[EXPERT]["price"] == "25.71"
    assert runhua.scores[EXPERT]["total"] == "78.42"


def test_a_declared_consortium_is_invalid_where_the_notice_refuses_consortia(
    published: World,
) -> None:
    assert tender_of(published).terms["consortia"] is False  # the seed: 不接受联合体投标
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_B): {"total": "400000.00", "consortium_sme_share": "0.35"},
        ("1", seed.RUNHUA): "380000.00",
        ("1", seed.SUPPLIER_A): "420000.00",
        ("1", seed.SUPPLIER_D): "430000.00",
    }
    world = _examined(published, bids)
    claimed = tender_of(world).lots["1"].bids[seed.SUPPLIER_B]
    assert claimed.invalid == [
        {
            "rule": "CONSORTIUM_REFUSED",
            "detail": "demo-b bids as a consortium; the notice accepts no consortia",
        }
    ]
    assert rules.by_code("CONSORTIUM_REFUSED").clause == "invitation 一.9"
    submit_scores(world, "1", {EXPERT: None})
    claimed = tender_of(world).lots["1"].bids[seed.SUPPLIER_B]
    assert (claimed.scores, claimed.evaluation_price) == ({}, None)  # never scored, nor 3% off


# The agency's tally and the ranking (ch.5 (五)(六), §18)


def test_the_final_score_is_the_two_decimal_mean_of_five_evaluators(published: World) -> None:
    world = _examined(published)
    business = ("25.50", "26.00", "24.75", "25.25", "26.10")
    technical = ("35.00", "34.50", "36.25", "35.10", "33.33")
    per_evaluator = {
        member: {
            seed.QXD: (b, t),
            seed.RUNHUA: ("20.00", "30.00"),
            seed.SUPPLIER_A: ("20.00", "30.00"),
        }
        for member, b, t in zip(seed.COMMITTEE, business, technical, strict=True)
    }
    submit_scores(world, "1", per_evaluator)
    ranking = facts_of(world, finalise(world, "1"))["ranking"]
    # totals 90.50, 90.50, 91.00, 90.35, 89.43: mean 90.356 -> 90.36
    assert ranking[0] == {
        "rank": 1,
        "bidder": seed.QXD,
        "score": "90.36",
        "quantified": "64.84",  # (65.00 + 64.50 + 66.25 + 65.10 + 63.33) / 5 = 64.836
        "evaluation_price": "334860.00",
        "price": "334860.00",
    }
    # RUNHUA: 20 + 30 + 334860 / 400000 × 30 (= 25.11) = 75.11
    assert [(e["bidder"], e["score"]) for e in ranking[1:]] == [
        (seed.RUNHUA, "75.11"),
        (seed.SUPPLIER_A, "73.92"),
    ]


def test_finalising_before_every_member_scored_is_refused_naming_who(published: World) -> None:
    world = _examined(published)
    points = dict.fromkeys((seed.QXD, seed.RUNHUA, seed.SUPPLIER_A), ("20.00", "30.00"))
    submit_scores(world, "1", dict.fromkeys(seed.COMMITTEE[:4], points))
    command = FinaliseEvaluation(seed.CODE, "1")
    assert_refused(world, seed.AGENCY, "agency", command, r"ch\.5 .*not yet: zhu-changan")


def test_equal_scores_rank_by_price_then_by_the_quantified_score(published: World) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_A): "400000.00",  # price score 30.00
        ("1", seed.SUPPLIER_B): "420000.00",  # 28.57
        ("1", seed.SUPPLIER_C): "420000.00",  # 28.57
    }
    sheet = {
        seed.SUPPLIER_A: ("20.00", "30.00"),  # 80.00, quantified 60.00
        seed.SUPPLIER_B: ("21.43", "30.00"),  # 80.00, quantified 58.57
        seed.SUPPLIER_C: ("20.43", "31.00"),  # 80.00, quantified 59.57
    }
    facts = _ranked(published, bids, sheet)
    assert [(e["bidder"], e["score"], e["quantified"]) for e in facts["ranking"]] == [
        (seed.SUPPLIER_A, "80.00", "60.00"),
        (seed.SUPPLIER_C, "80.00", "59.57"),
        (seed.SUPPLIER_B, "80.00", "58.57"),
    ]
    assert facts["candidates"] == [seed.SUPPLIER_A, seed.SUPPLIER_C, seed.SUPPLIER_B]


def test_an_equal_score_ranks_by_the_quoted_price_before_any_deduction(
    published: World,
) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_A): "370000.00",  # the baseline: price score 30.00
        ("1", seed.SUPPLIER_B): "400000.00",  # large: evaluated at 400000, 27.75
        ("1", seed.SUPPLIER_C): {"total": "420000.00", "small_or_micro": True},  # 378000, 29.37
    }
    sheet = {
        seed.SUPPLIER_A: ("20.00", "30.00"),  # 80.00
        seed.SUPPLIER_B: ("21.62", "30.00"),  # 79.37, quantified 57.75
        seed.SUPPLIER_C: ("20.00", "30.00"),  # 79.37, quantified 59.37
    }
    facts = _ranked(published, bids, sheet)
    rows = [(e["bidder"], e["score"], e["price"], e["evaluation_price"]) for e in facts["ranking"]]
    assert rows == [
        (seed.SUPPLIER_A, "80.00", "370000.00", "370000.00"),
        (seed.SUPPLIER_B, "79.37", "400000.00", "400000.00"),  # quoted 400000 < 420000
        (seed.SUPPLIER_C, "79.37", "420000.00", "378000.00"),  # though evaluated lower
    ]


def test_an_exact_tie_is_drawn_from_the_log_so_anyone_can_recompute_it(
    published: World,
) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_A): "400000.00",
        ("1", seed.SUPPLIER_B): "420000.00",
        ("1", seed.SUPPLIER_C): "420000.00",
    }
    world = _examined(published, bids)
    submit_scores(world, "1", _everyone())
    head = tender_of(world).head
    facts = facts_of(world, finalise(world, "1"))
    assert facts["draw_seed"] == head
    tied = sorted(
        (seed.SUPPLIER_B, seed.SUPPLIER_C),
        key=lambda bidder: hashlib.sha256(bytes.fromhex(head) + bidder.encode()).digest(),
    )
    assert [e["bidder"] for e in facts["ranking"]] == [seed.SUPPLIER_A, *tied]


def test_bidders_offering_the_same_brand_count_as_one(published: World) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("1", seed.SUPPLIER_A): {"total": "400000.00", "brand": "美的"},
        ("1", seed.SUPPLIER_B): {"total": "410000.00", "brand": " 美的 "},
        ("1", seed.SUPPLIER_C): {"total": "430000.00", "brand": "海尔"},
        ("1", seed.SUPPLIER_D): "440000.00",
    }
    sheet = dict.fromkeys((seed.SUPPLIER_B, seed.SUPPLIER_C, seed.SUPPLIER_D), ("20.00", "30.00"))
    sheet[seed.SUPPLIER_A] = ("25.00", "35.00")
    facts = _ranked(published, bids, sheet)
    assert facts["excluded_same_brand"] == [seed.SUPPLIER_B]
    ranked = [e["bidder"] for e in facts["ranking"]]
    assert ranked == [seed.SUPPLIER_A, seed.SUPPLIER_C, seed.SUPPLIER_D]
    assert tender_of(published).lots["1"].candidates == [
        seed.SUPPLIER_A,
        seed.SUPPLIER_C,
        seed.SUPPLIER_D,
    ]


# The signed report (§29.1)


def test_the_report_needs_every_members_signature_and_the_right_digest(
    published: World,
) -> None:
    facts = _ranked(published, THREE_BIDS)
    lot = tender_of(published).lots["1"]
    expected = hashlib.sha256(
        canonical_bytes({"ranking": facts["ranking"], "candidates": facts["candidates"]})
    ).hexdigest()
    assert lot.status == "ranked"
    assert lot.report_digest == facts["report_digest"] == expected
    wrong = SignReport(seed.CODE, "1", "0" * 64)
    assert_refused(published, EXPERT, "evaluator", wrong, r"§29\.1 .*expected report digest")
    sign_report(published, "1", seed.COMMITTEE[:4])
    lot = tender_of(published).lots["1"]
    assert (lot.status, lot.report_at, len(lot.report_signers)) == ("ranked", None, 4)
    twice = SignReport(seed.CODE, "1", expected)
    assert_refused(published, EXPERT, "evaluator", twice, r"§29\.1 .*already signed")
    sign_report(published, "1", seed.COMMITTEE[4:])
    lot = tender_of(published).lots["1"]
    assert lot.status == "reported"
    assert lot.report_at == published.clock.now()
    late = SubmitScores(seed.CODE, "1", _sheets({seed.QXD: ("20", "30")}))
    assert_refused(published, EXPERT, "evaluator", late, r"lifecycle.*already reported")


def test_evaluate_lot_takes_an_opened_lot_to_a_signed_report(published: World) -> None:
    open_tender(published, THREE_BIDS)
    sheet = {
        seed.QXD: ("25.00", "35.00"),
        seed.RUNHUA: ("24.00", "36.00"),
        seed.SUPPLIER_A: ("20.00", "30.00"),
    }
    tender = evaluate_lot(published, "1", sheet)
    lot = tender.lots["1"]
    assert lot.status == "reported"
    assert lot.report_signers == set(seed.COMMITTEE)
    assert lot.candidates == [seed.QXD, seed.RUNHUA, seed.SUPPLIER_A]


def test_signing_before_the_tally_is_refused_naming_what_comes_first(published: World) -> None:
    world = _examined(published)
    command = SignReport(seed.CODE, "1", "0" * 64)
    assert_refused(world, EXPERT, "evaluator", command, r"lifecycle.*SubmitScores.*Finalise")
