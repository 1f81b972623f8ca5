"""Award, award notice, negotiation and failure (§24.1, §29-§30), on a real SQLite file."""

from __future__ import annotations

from typing import Any

import pytest

from commands import seed
from commands.messages import (
    ApproveNegotiation,
    AwardLot,
    DeclareLotFailed,
    PublishAwardNotice,
    RecordWinnerUnable,
    WithdrawBid,
)
from commands.world import World
from ledger.errors import RuleViolation
from tests.conftest import tender_of
from tests.support.evaluation import evaluate_lot
from tests.support.opening import BidKey, BidSpec, open_tender, submit_bids

AFTER_OPENING = seed.beijing("2021-01-15 11:00")
TWO_IN_LOT_3: dict[BidKey, BidSpec] = {
    ("3", seed.SUPPLIER_A): "300000.00",
    ("3", seed.SUPPLIER_B): "310000.00",
}
THREE_IN_LOT_3: dict[BidKey, BidSpec] = {**TWO_IN_LOT_3, ("3", seed.SUPPLIER_C): "320000.00"}
LOT_1: dict[BidKey, BidSpec] = {
    ("1", seed.QXD): {"total": "334860.00", "small_or_micro": True},
    ("1", seed.RUNHUA): "401000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
    ("1", seed.SUPPLIER_B): "430000.00",
}
LOT_1_SCORES = {
    seed.QXD: ("28.00", "38.00"),
    seed.RUNHUA: ("26.00", "36.00"),
    seed.SUPPLIER_A: ("24.00", "34.00"),
    seed.SUPPLIER_B: ("20.00", "30.00"),
}
CANDIDATES = [seed.QXD, seed.RUNHUA, seed.SUPPLIER_A]
# The report is complete on Friday 2021-01-15 15:34; its 5th working day is Friday 01-22.
FIFTH_WORKING_DAY = seed.beijing("2021-01-22 16:00")
SIXTH_WORKING_DAY = seed.beijing("2021-01-25 09:00")


def report_lot_1(world: World) -> World:
    """Lot 1 opened with four bids and evaluated: candidates QXD, Runhua, demo-a."""
    open_tender(world, LOT_1)
    tender = evaluate_lot(world, "1", LOT_1_SCORES)
    assert tender.lots["1"].candidates == CANDIDATES
    return world


def award_and_notify(world: World, at: Any = FIFTH_WORKING_DAY) -> World:
    """The purchaser awards lot 1 to QXD and the agency publishes the notice right after."""
    world.act(seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", seed.QXD), at=at)
    world.act(seed.AGENCY, "agency", PublishAwardNotice(seed.CODE, "1"))
    return world


@pytest.fixture
def reported(published: World) -> World:
    return report_lot_1(published)


def last_facts(world: World) -> dict[str, Any]:
    tender = tender_of(world)
    facts: dict[str, Any] = world.service.store.event_at(tender.id, tender.version).facts
    return facts


def refused(
    world: World, party: str, role: str, command: Any, pattern: str, at: Any = None
) -> None:
    """``command`` is refused naming ``pattern`` and nothing is written."""
    before = tender_of(world).version
    with pytest.raises(RuleViolation, match=pattern):
        world.act(party, role, command, at=at)
    assert tender_of(world).version == before


def test_with_two_bidders_the_regulator_may_approve_a_negotiation(published: World) -> None:
    open_tender(published, TWO_IN_LOT_3)
    published.act(
        seed.REGULATOR,
        "regulator",
        ApproveNegotiation(seed.CODE, "3", "两家供应商, 经财政局批准转竞争性谈判"),
        at=AFTER_OPENING,
    )
    assert tender_of(published).lots["3"].status == "negotiation"
    assert last_facts(published)["bidders"] == sorted([seed.SUPPLIER_A, seed.SUPPLIER_B])


def test_a_negotiation_with_three_bidders_is_refused(published: World) -> None:
    open_tender(published, THREE_IN_LOT_3)
    refused(
        published,
        seed.REGULATOR,
        "regulator",
        ApproveNegotiation(seed.CODE, "3", "转竞争性谈判"),
        r"§30 .*3 responding",
        at=AFTER_OPENING,
    )


def test_only_the_tenders_regulator_approves_a_negotiation(published: World) -> None:
    published.register("enshi-finance-bureau", "恩施州财政局", ("regulator",))
    open_tender(published, TWO_IN_LOT_3)
    refused(
        published,
        "enshi-finance-bureau",
        "regulator",
        ApproveNegotiation(seed.CODE, "3", "转竞争性谈判"),
        r"invitation .*not this tender",
        at=AFTER_OPENING,
    )
    refused(
        published, seed.AGENCY, "agency", ApproveNegotiation(seed.CODE, "3", "转竞争性谈判"), r"S1"
    )


def test_with_two_bidders_and_no_approval_the_lot_fails(published: World) -> None:
    open_tender(published, TWO_IN_LOT_3)
    published.act(
        seed.AGENCY,
        "agency",
        DeclareLotFailed(seed.CODE, "3", "有效投标不足三家"),
        at=AFTER_OPENING,
    )
    lot = tender_of(published).lots["3"]
    assert lot.status == "failed"
    assert lot.failure is not None
    assert lot.failure.startswith("§30")
    refused(
        published,
        seed.REGULATOR,
        "regulator",
        ApproveNegotiation(seed.CODE, "3", "转竞争性谈判"),
        r"lifecycle .*failed",
    )


def test_a_lot_without_bids_fails_after_the_deadline_and_not_before(published: World) -> None:
    refused(
        published,
        seed.AGENCY,
        "agency",
        DeclareLotFailed(seed.CODE, "2", "无人投标"),
        r"lifecycle .*deadline",
        at=seed.beijing("2021-01-15 09:00"),
    )
    published.act(
        seed.AGENCY, "agency", DeclareLotFailed(seed.CODE, "2", "无人投标"), at=AFTER_OPENING
    )
    lot = tender_of(published).lots["2"]
    assert (lot.status, lot.failure) == (
        "failed",
        "§24.1 (with fewer than three qualified bidders there is no evaluation): the lot "
        "received no bids: 无人投标",
    )


def test_a_lot_with_three_responding_bidders_cannot_be_declared_failed(published: World) -> None:
    open_tender(published, THREE_IN_LOT_3)
    refused(
        published,
        seed.AGENCY,
        "agency",
        DeclareLotFailed(seed.CODE, "3", "理由"),
        r"§24\.1 .*3 responding",
        at=AFTER_OPENING,
    )


def test_a_lot_failed_before_the_opening_counts_the_live_sealed_bids(published: World) -> None:
    submit_bids(published, {**TWO_IN_LOT_3, ("3", seed.SUPPLIER_C): "320000.00"})
    published.act(
        seed.SUPPLIER_C, "bidder", WithdrawBid(seed.CODE, "3"), at=seed.beijing("2021-01-15 09:10")
    )
    published.act(
        seed.AGENCY,
        "agency",
        DeclareLotFailed(seed.CODE, "3", "投标不足三家"),
        at=seed.beijing("2021-01-15 09:31"),
    )
    assert last_facts(published)["bidders"] == sorted([seed.SUPPLIER_A, seed.SUPPLIER_B])


def test_an_award_before_the_evaluation_report_is_refused(published: World) -> None:
    open_tender(published, THREE_IN_LOT_3)
    refused(
        published,
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "3", seed.SUPPLIER_A),
        r"lifecycle .*evaluation report must come before",
        at=AFTER_OPENING,
    )


def test_the_first_candidate_is_awarded_on_the_fifth_working_day_after_the_report(
    reported: World,
) -> None:
    reported.act(
        seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", seed.QXD), at=FIFTH_WORKING_DAY
    )
    lot = tender_of(reported).lots["1"]
    assert lot.status == "awarded"
    assert lot.award is not None
    assert (lot.award["bidder"], lot.award["amount"]) == (seed.QXD, "334860.00")
    assert last_facts(reported) == {
        "amount": "334860.00",
        "amount_wan": "33.486",
        "valid_until": "2021-04-15T23:59:59+08:00",  # 90 days after the deadline (§17.1)
    }


def test_an_award_after_five_working_days_is_refused(reported: World) -> None:
    refused(
        reported,
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.QXD),
        r"§29\.2 .*due by 2021-01-22T23:59:59\+08:00",
        at=SIXTH_WORKING_DAY,
    )
    assert tender_of(reported).lots["1"].status == "reported"


def test_an_award_out_of_candidate_order_is_refused(reported: World) -> None:
    for bidder in (seed.RUNHUA, seed.SUPPLIER_B):
        refused(
            reported,
            seed.PURCHASER,
            "purchaser",
            AwardLot(seed.CODE, "1", bidder),
            rf"§29\.2 .*goes to {seed.QXD}, not {bidder}",
            at=FIFTH_WORKING_DAY,
        )


def test_only_the_tenders_purchaser_awards(reported: World) -> None:
    reported.register("another-school", "另一采购人", ("purchaser",))
    refused(
        reported,
        "another-school",
        "purchaser",
        AwardLot(seed.CODE, "1", seed.QXD),
        r"invitation .*not this tender's purchaser",
        at=FIFTH_WORKING_DAY,
    )
    refused(reported, seed.AGENCY, "agency", AwardLot(seed.CODE, "1", seed.QXD), r"S1")


def test_when_the_winner_cannot_perform_the_next_candidate_is_awarded(reported: World) -> None:
    award_and_notify(reported)
    reported.act(
        seed.PURCHASER,
        "purchaser",
        RecordWinnerUnable(seed.CODE, "1", "中标人因不可抗力不能履行合同"),
        at=seed.beijing("2021-02-01 09:00"),
    )
    assert last_facts(reported) == {"withdrawn": seed.QXD, "next_candidate": seed.RUNHUA}
    lot = tender_of(reported).lots["1"]
    assert (lot.status, lot.award, lot.notice_at, lot.declined) == (
        "reported",
        None,
        None,
        [seed.QXD],
    )
    refused(
        reported,
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.QXD),
        rf"§29\.2 .*goes to {seed.RUNHUA}",
    )
    # the 5 working days run again from the withdrawal, not from the report
    reported.act(
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.RUNHUA),
        at=seed.beijing("2021-02-02 09:00"),
    )
    assert tender_of(reported).lots["1"].award == {
        "bidder": seed.RUNHUA,
        "amount": "401000.00",
        "amount_wan": "40.1",
        "at": "2021-02-02T09:00:00+08:00",
    }


def test_when_no_candidate_remains_the_lot_needs_a_new_procurement(reported: World) -> None:
    reported.clock.set(seed.beijing("2021-01-18 09:00"))
    for hour, bidder in enumerate(CANDIDATES):
        reported.act(seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", bidder))
        reported.act(
            seed.PURCHASER,
            "purchaser",
            RecordWinnerUnable(seed.CODE, "1", "无法履约"),
            at=seed.beijing(f"2021-01-18 1{hour}:00"),
        )
    lot = tender_of(reported).lots["1"]
    assert lot.status == "failed"
    assert lot.declined == CANDIDATES
    assert lot.failure is not None
    assert lot.failure.startswith("§29.4")
    refused(
        reported,
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.SUPPLIER_B),
        r"lifecycle .*failed",
    )


def test_the_award_notice_publicity_ends_one_working_day_later_friday_to_monday(
    reported: World,
) -> None:
    award_and_notify(reported)
    lot = tender_of(reported).lots["1"]
    facts = last_facts(reported)
    assert facts["notice_at"] == "2021-01-22T16:00:00+08:00"
    assert facts["publicity_ends"] == "2021-01-25T23:59:59+08:00"
    assert lot.publicity_ends == seed.beijing("2021-01-25 23:59").replace(second=59, microsecond=0)
    assert facts["package_name"] == (
        "2020年第二批义务教育薄弱环节改善能力与提升专项资金后勤设施设备食堂设备采购"
    )
    assert facts["supplier_name"] == "武汉亲兄弟酒店用品有限公司"
    assert facts["supplier_address"].startswith("武汉市黄陂区武湖农场")
    assert facts["amount_wan"] == "33.486"
    assert facts["committee"] == ["牟方政", "覃正茂", "郭艳", "袁凤梅", "朱长安"]
    assert facts["evaluated_on"] == "2021-01-15"
    assert facts["purchaser"]["phone"] == "0718-6833785"


def test_a_notice_before_the_award_or_a_second_notice_is_refused(reported: World) -> None:
    refused(
        reported,
        seed.AGENCY,
        "agency",
        PublishAwardNotice(seed.CODE, "1"),
        r"lifecycle .*award must come before the award notice",
        at=FIFTH_WORKING_DAY,
    )
    award_and_notify(reported)
    refused(
        reported,
        seed.AGENCY,
        "agency",
        PublishAwardNotice(seed.CODE, "1"),
        r"§29\.5 .*already|§29\.5 .*was published",
    )


def test_an_awarded_lot_cannot_be_declared_failed(reported: World) -> None:
    award_and_notify(reported)
    refused(
        reported,
        seed.AGENCY,
        "agency",
        DeclareLotFailed(seed.CODE, "1", "废标"),
        r"lifecycle .*awarded",
    )
