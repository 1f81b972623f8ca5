"""The amount read out (唱标) and the arithmetic corrections of §26.4.

The capital amount prevails over the figures from the read-out: the ceiling (§11.6) is
checked on it, the bidder confirms the correction or its bid is invalid, and scoring waits
until every slip is settled. The committee's own corrections (line totals, misplaced
decimal points) start from the amount read out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commands import seed
from commands.messages import ProposeCorrection, RespondToCorrection, ScoreSheet, SubmitScores
from commands.world import World
from ledger.numerals import format_capital_amount
from ledger.procedure.state import tender_stream
from ledger.rules import catalogue as rules
from tests.conftest import tender_of
from tests.support.evaluation import (
    MAJORITY,
    assert_refused,
    check_conformity,
    committee_decides,
    evaluate_lot,
    facts_of,
    form_committee,
    qualify,
)
from tests.support.opening import BidKey, BidSpec, open_tender

THREE_BIDS: dict[BidKey, BidSpec] = {
    ("1", seed.QXD): "334860.00",
    ("1", seed.RUNHUA): "400000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}
EXPERT = seed.COMMITTEE[1]
SLIPPED = {"total": "420000.00", "capital": "肆拾壹万元整"}  # figures 420000, words 410000


def _examined(world: World, bids: dict[BidKey, BidSpec]) -> World:
    open_tender(world, bids)
    form_committee(world)
    qualify(world, "1")
    check_conformity(world, "1")
    return world


def _scores(world: World) -> SubmitScores:
    valid = [bid.bidder for bid in tender_of(world).lots["1"].valid_bids()]
    return SubmitScores(
        seed.CODE, "1", tuple(ScoreSheet(b, Decimal(20), Decimal(30)) for b in valid)
    )


def _revealed_facts(world: World) -> dict[str, Any]:
    events = world.service.store.events(tender_stream(seed.CODE))
    (revealed,) = [event for event in events if event.type == "BidsRevealed"]
    return dict(revealed.facts)


def test_figures_under_the_ceiling_in_words_over_it_are_invalid_and_never_awarded(
    published: World,
) -> None:
    bids: dict[BidKey, BidSpec] = {
        ("3", seed.SUPPLIER_D): {"total": "340000.00", "capital": "叁拾伍万元整"},
        ("3", seed.SUPPLIER_A): "300000.00",
        ("3", seed.SUPPLIER_B): "310000.00",
        ("3", seed.SUPPLIER_C): "320000.00",
    }
    tender = open_tender(published, bids)
    assert tender.lots["3"].ceiling == Decimal("342140.00")
    slipped = tender.lots["3"].bids[seed.SUPPLIER_D]
    assert (slipped.price, slipped.read_out_price) == (Decimal("350000.00"), Decimal("350000.00"))
    assert slipped.invalid == [
        {"rule": "PRICE_CEILING", "detail": "price 350000.00 above the ceiling 342140.00"}
    ]
    assert rules.by_code(slipped.invalid[0]["rule"]).clause == "§11.6"
    facts = _revealed_facts(published)
    assert facts["over_ceiling"] == {"3": [seed.SUPPLIER_D]}
    lot = evaluate_lot(published, "3").lots["3"]
    assert seed.SUPPLIER_D not in lot.candidates
    assert [row["bidder"] for row in lot.ranking] == [
        seed.SUPPLIER_A,
        seed.SUPPLIER_B,
        seed.SUPPLIER_C,
    ]
    assert lot.bids[seed.SUPPLIER_D].scores == {}


def test_the_capital_amount_is_read_out_and_the_slip_waits_for_the_bidder(
    published: World,
) -> None:
    world = _examined(published, {**THREE_BIDS, ("1", seed.SUPPLIER_A): SLIPPED})
    facts = _revealed_facts(world)
    assert facts["bids"]["1"][seed.SUPPLIER_A]["price"] == "410000.00"
    assert facts["slips"]["1"][seed.SUPPLIER_A]["stated_total"] == "420000.00"
    bid = tender_of(world).lots["1"].bids[seed.SUPPLIER_A]
    assert (bid.price, bid.correction_status) == (Decimal("410000.00"), "pending")
    assert bid.correction is not None
    assert bid.correction["corrections"][0]["reason"].startswith("§26.4: where the capital amount")
    pattern = r"§26\.4 .*demo-a: the read-out correction awaits the bidder"
    assert_refused(world, EXPERT, "evaluator", _scores(world), pattern)
    world.act(seed.SUPPLIER_A, "bidder", RespondToCorrection(seed.CODE, "1", accept=True))
    world.act(EXPERT, "evaluator", _scores(world))
    bid = tender_of(world).lots["1"].bids[seed.SUPPLIER_A]
    assert (bid.price, bid.correction_status, bid.valid) == (Decimal("410000.00"), "accepted", True)
    assert bid.scores[EXPERT]["price"] == "24.50"  # 334860 / 410000 × 30, not / 420000 (23.92)


def test_a_bidder_that_refuses_the_read_out_correction_has_its_bid_invalid(
    published: World,
) -> None:
    open_tender(published, {**THREE_BIDS, ("1", seed.SUPPLIER_A): SLIPPED})
    assert tender_of(published).lots["1"].status == "opened"  # before the qualification
    published.act(seed.SUPPLIER_A, "bidder", RespondToCorrection(seed.CODE, "1", accept=False))
    bid = tender_of(published).lots["1"].bids[seed.SUPPLIER_A]
    assert bid.invalid == [
        {"rule": "ARITHMETIC_CORRECTION", "detail": "the bidder refused the correction"}
    ]
    again = RespondToCorrection(seed.CODE, "1", accept=True)
    assert_refused(published, seed.SUPPLIER_A, "bidder", again, r"§26\.4 .*no pending correction")


def test_an_unreadable_capital_amount_leaves_the_bid_without_a_price(published: World) -> None:
    tender = open_tender(
        published,
        {**THREE_BIDS, ("1", seed.SUPPLIER_A): {"total": "420000.00", "capital": "肆拾贰万"}},
    )
    bid = tender.lots["1"].bids[seed.SUPPLIER_A]
    assert [reason["rule"] for reason in bid.invalid] == ["CAPITAL_AMOUNT_READABLE"]
    assert "cannot be read" in bid.invalid[0]["detail"]


def test_scoring_waits_until_the_committee_has_corrected_a_line_slip(published: World) -> None:
    lines = [
        {"name": "不锈钢餐桌", "unit_price": "1300.00", "quantity": "222", "total": "288600.00"},
        {"name": "消毒柜", "unit_price": "4000.00", "quantity": "10", "total": "4500.00"},
    ]
    slipped = {"total": "293100.00", "lines": lines}
    world = _examined(published, {**THREE_BIDS, ("1", seed.QXD): slipped})
    pattern = r"§26\.4 .*wuhan-qinxiongdi: a slip in its price sheet awaits the committee"
    assert_refused(world, EXPERT, "evaluator", _scores(world), pattern)
    outcome = committee_decides(world, ProposeCorrection(seed.CODE, "1", seed.QXD))
    facts = facts_of(world, outcome)
    assert facts["corrected_total"] == "328600.00"
    assert [c["subject"] for c in facts["corrections"]] == ["line 2 (消毒柜) total", "total"]
    assert facts["signers"] == list(MAJORITY)
    world.act(seed.QXD, "bidder", RespondToCorrection(seed.CODE, "1", accept=True))
    world.act(EXPERT, "evaluator", _scores(world))
    assert tender_of(world).lots["1"].bids[seed.QXD].price == Decimal("328600.00")


def test_the_committee_corrects_the_lines_from_the_amount_read_out(published: World) -> None:
    lines = [
        {"name": "学生床", "unit_price": "1000.00", "quantity": "200", "total": "200000.00"},
        {"name": "储物柜", "unit_price": "2000.00", "quantity": "100", "total": "210000.00"},
    ]
    slipped = {**SLIPPED, "lines": lines}  # figures 420000, words 410000, lines 400000
    world = _examined(published, {**THREE_BIDS, ("1", seed.SUPPLIER_A): slipped})
    early = ProposeCorrection(seed.CODE, "1", seed.SUPPLIER_A)
    pattern = r"§26\.4 .*read-out correction is already pending"
    assert_refused(world, EXPERT, "evaluator", early, pattern)
    world.act(seed.SUPPLIER_A, "bidder", RespondToCorrection(seed.CODE, "1", accept=True))
    facts = facts_of(world, committee_decides(world, early))
    assert facts["stated_total"] == "410000.00"  # the amount read out, not the figures
    assert [(c["subject"], c["stated"], c["corrected"]) for c in facts["corrections"]] == [
        ("line 2 (储物柜) total", "210000.00", "200000.00"),
        ("total", "410000.00", "400000.00"),
    ]


def test_a_misplaced_decimal_point_is_corrected_from_the_line_total(published: World) -> None:
    lines = [
        {"name": "铺板", "unit_price": "13.00", "quantity": "222", "total": "28860.00"},
        {"name": "学生床", "unit_price": "790.00", "quantity": "380", "total": "300200.00"},
    ]
    world = _examined(
        published, {**THREE_BIDS, ("1", seed.QXD): {"total": "329060.00", "lines": lines}}
    )
    facts = facts_of(world, committee_decides(world, ProposeCorrection(seed.CODE, "1", seed.QXD)))
    assert [(c["subject"], c["corrected"]) for c in facts["corrections"]] == [
        ("line 1 (铺板) unit price", "130.00")
    ]
    assert facts["corrected_total"] == "329060.00"


def test_a_correction_is_refused_when_nothing_needs_correcting(published: World) -> None:
    world = _examined(published, THREE_BIDS)
    command = ProposeCorrection(seed.CODE, "1", seed.RUNHUA)
    assert_refused(world, EXPERT, "evaluator", command, r"§26\.4.*no arithmetic slip")


def test_an_accepted_correction_above_the_ceiling_invalidates_the_bid(published: World) -> None:
    lines = [{"name": "洗碗机", "unit_price": "5600.00", "quantity": "100", "total": "550000.00"}]
    slipped = {"total": "550000.00", "capital": format_capital_amount(Decimal("550000.00"))}
    world = _examined(
        published, {**THREE_BIDS, ("1", seed.SUPPLIER_A): {**slipped, "lines": lines}}
    )
    committee_decides(world, ProposeCorrection(seed.CODE, "1", seed.SUPPLIER_A))
    world.act(seed.SUPPLIER_A, "bidder", RespondToCorrection(seed.CODE, "1", accept=True))
    bid = tender_of(world).lots["1"].bids[seed.SUPPLIER_A]
    assert bid.price == Decimal("560000.00")
    assert bid.invalid == [
        {
            "rule": "PRICE_CEILING",
            "detail": "the corrected price 560000.00 is above the ceiling 555460.00",
        }
    ]
