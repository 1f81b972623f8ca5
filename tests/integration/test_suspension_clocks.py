"""The review's cases on a real SQLite ledger: a suspension stops every clock and blames
nobody (§23.3); the decryption time runs from the opening; and the log still verifies (T5)."""

from __future__ import annotations

import pytest

from commands import seed
from commands.messages import (
    AnswerChallenge,
    AuthoriseDecryption,
    AwardLot,
    CheckIn,
    CloseDecryption,
    DeclareLotFailed,
    RecordWinnerUnable,
    ResumeProcedure,
    StartOpening,
    SuspendProcedure,
)
from commands.world import World
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.integration.test_award import (
    LOT_1,
    LOT_1_SCORES,
    TWO_IN_LOT_3,
    award_and_notify,
    last_facts,
    refused,
    report_lot_1,
)
from tests.integration.test_remedies import file_challenge
from tests.support.evaluation import evaluate_lot
from tests.support.opening import open_tender, submit_bids

B = seed.beijing


def suspend(world: World, since: str, until: str) -> None:
    world.act(seed.AGENCY, "agency", SuspendProcedure(seed.CODE, "平台服务器故障"), at=B(since))
    world.act(seed.REGULATOR, "regulator", ResumeProcedure(seed.CODE, "经确认恢复"), at=B(until))


def test_suspended_at_0935_during_decryption_and_resumed_at_1100_bids_still_decrypt(
    published: World,
) -> None:
    submit_bids(published, LOT_1)
    published.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=B("2021-01-15 09:30"))
    published.act(seed.QXD, "bidder", AuthoriseDecryption(seed.CODE, "1"), at=B("2021-01-15 09:32"))
    suspend(published, "2021-01-15 09:35", "2021-01-15 11:00")
    for bidder in (seed.RUNHUA, seed.SUPPLIER_A):
        published.act(
            bidder, "bidder", AuthoriseDecryption(seed.CODE, "1"), at=B("2021-01-15 11:10")
        )
    refused(
        published,
        seed.AGENCY,
        "agency",
        CloseDecryption(seed.CODE),
        r"^refused by §23\.2\(3\) .*runs until 2021-01-15T11:25:00",
        at=B("2021-01-15 11:20"),
    )
    published.act(seed.AGENCY, "agency", CloseDecryption(seed.CODE), at=B("2021-01-15 11:25"))
    bids = tender_of(published).lots["1"].bids
    assert [b for b in sorted(bids) if bids[b].status == "returned"] == [seed.SUPPLIER_B]
    verify_log(published.service.store)


def test_an_opening_started_at_1001_keeps_decryption_open_until_1031(published: World) -> None:
    submit_bids(published, LOT_1)
    published.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=B("2021-01-15 10:01"))
    published.act(seed.QXD, "bidder", AuthoriseDecryption(seed.CODE, "1"), at=B("2021-01-15 10:30"))
    refused(
        published,
        seed.AGENCY,
        "agency",
        CloseDecryption(seed.CODE),
        r"runs until 2021-01-15T10:31:00",
        at=B("2021-01-15 10:30"),
    )
    published.act(seed.AGENCY, "agency", CloseDecryption(seed.CODE), at=B("2021-01-15 10:31"))
    assert tender_of(published).lots["1"].bids[seed.QXD].status == "authorised"


def test_suspended_after_the_report_the_award_failure_and_next_candidate_stay_possible(
    published: World,
) -> None:
    open_tender(published, {**LOT_1, **TWO_IN_LOT_3})
    evaluate_lot(published, "1", LOT_1_SCORES)  # reported Friday 2021-01-15
    suspend(published, "2021-01-18 09:00", "2021-02-01 09:00")
    published.act(
        seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", seed.QXD), at=B("2021-02-02 10:00")
    )
    published.act(
        seed.PURCHASER,
        "purchaser",
        RecordWinnerUnable(seed.CODE, "1", "无法履约"),
        at=B("2021-02-03 10:00"),
    )
    published.act(seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", seed.RUNHUA))
    published.act(seed.AGENCY, "agency", DeclareLotFailed(seed.CODE, "3", "只有两家"))
    tender = tender_of(published)
    assert tender.lots["1"].award is not None
    assert tender.lots["1"].award["bidder"] == seed.RUNHUA
    assert tender.lots["3"].status == "failed"
    verify_log(published.service.store)


@pytest.fixture
def challenged(published: World) -> tuple[World, str]:
    """Lot 1 awarded and noticed on Friday 2021-01-22; Runhua challenges on 02-03."""
    world = award_and_notify(report_lot_1(published))
    return world, file_challenge(world)


def test_a_challenge_answer_deadline_passing_during_a_suspension_can_still_be_met(
    challenged: tuple[World, str],
) -> None:
    world, challenge_id = challenged
    suspend(world, "2021-02-10 10:00", "2021-03-01 10:00")  # over the answer's due day 02-18
    answer = AnswerChallenge(seed.CODE, challenge_id, "评分无误")
    world.act(seed.AGENCY, "agency", answer, at=B("2021-03-03 16:00"))
    assert "late" not in last_facts(world)
    assert tender_of(world).challenges[challenge_id].answered_at == B("2021-03-03 16:00")
    verify_log(world.service.store)


def test_a_suspension_over_the_deadline_keeps_check_in_open_until_the_postponed_opening(
    published: World,
) -> None:
    """§23.3 postpones an opening not yet held: attending it on time means before it starts,
    so no bidder is returned as absent (§23.1(3)) for the suspension."""
    submit_bids(published, LOT_1, absent=list(LOT_1))
    refused(
        published,
        seed.QXD,
        "bidder",
        CheckIn(seed.CODE, "1"),
        r"^refused by §23\.1\(3\) .*deadline 2021-01-15T09:30:00\+08:00 has passed",
        at=B("2021-01-15 09:30"),
    )
    suspend(published, "2021-01-15 09:30", "2021-01-15 10:00")
    published.act(seed.QXD, "bidder", CheckIn(seed.CODE, "1"), at=B("2021-01-15 10:05"))
    published.act(seed.AGENCY, "agency", StartOpening(seed.CODE), at=B("2021-01-15 10:10"))
    facts = last_facts(published)
    assert facts["announced"]["1"] == [seed.QXD]
    assert seed.QXD not in facts["absent"]["1"]
    refused(
        published,
        seed.RUNHUA,
        "bidder",
        CheckIn(seed.CODE, "1"),
        r"^refused by §23\.1\(3\) .*already decryption",
    )
    verify_log(published.service.store)
