"""The award letter with the notice, the contract and its filing, bid validity and its
extension, on a real SQLite ledger (§17, §29.5, §32)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from decimal import Decimal

from commands import seed
from commands.messages import (
    AnswerValidityExtension,
    AwardLot,
    FileContract,
    ObtainDocuments,
    RequestValidityExtension,
    SignContract,
)
from commands.world import World
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.integration.test_award import (
    LOT_1,
    LOT_1_SCORES,
    award_and_notify,
    last_facts,
    refused,
    report_lot_1,
)
from tests.support.evaluation import evaluate_lot
from tests.support.opening import open_tender

B = seed.beijing
CONTRACT = hashlib.sha256("第1包 政府采购合同".encode()).hexdigest()


def test_the_award_notice_carries_the_award_letter_to_the_winner(published: World) -> None:
    award_and_notify(report_lot_1(published))
    assert last_facts(published)["award_letter"] == {
        "to": seed.QXD,
        "issued_at": "2021-01-22T16:00:00+08:00",
    }


def test_the_purchaser_signs_within_30_days_and_files_within_7_working_days(
    published: World,
) -> None:
    world = award_and_notify(report_lot_1(published))
    sign = SignContract(seed.CODE, "1", CONTRACT, Decimal("334860.00"))
    refused(world, seed.AGENCY, "agency", sign, r"S1")  # the purchaser signs (§32.2)
    world.act(seed.PURCHASER, "purchaser", sign, at=B("2021-02-19 10:00"))
    assert last_facts(world)["due"] == "2021-02-21T23:59:59+08:00"
    world.act(seed.PURCHASER, "purchaser", FileContract(seed.CODE, "1"), at=B("2021-03-02 10:00"))
    assert last_facts(world) == {
        "filed_with": [seed.REGULATOR, seed.AGENCY],
        "due": "2021-03-01T23:59:59+08:00",
        "late": {
            "rule": "CONTRACT_FILED",
            "detail": "due by 2021-03-01T23:59:59+08:00, filed 2021-03-02T10:00:00+08:00",
        },
    }
    contract = tender_of(world).lots["1"].contract
    assert contract is not None
    assert (contract["sha256"], contract["filed_at"]) == (CONTRACT, "2021-03-02T10:00:00+08:00")
    verify_log(world.service.store)


def test_a_bidder_that_refused_an_extension_is_passed_over_at_the_award(world: World) -> None:
    """Bids valid 5 days after the 2021-01-15 deadline; QXD refuses to extend, Runhua agrees."""
    notice = dataclasses.replace(seed.invitation(world), bid_validity_days=5)
    world.act(seed.AGENCY, "agency", notice, at=B("2020-12-25 09:00"))
    world.clock.set(B("2020-12-26 09:00"))
    for bidder in {bidder for _, bidder in LOT_1}:
        world.act(bidder, "bidder", ObtainDocuments(seed.CODE))
    open_tender(world, LOT_1)
    evaluate_lot(world, "1", LOT_1_SCORES)
    request = RequestValidityExtension(seed.CODE, date(2021, 2, 28), "评审延期")
    world.act(seed.AGENCY, "agency", request, at=B("2021-01-18 09:00"))
    world.act(seed.QXD, "bidder", AnswerValidityExtension(seed.CODE, "1", False))
    world.act(seed.RUNHUA, "bidder", AnswerValidityExtension(seed.CODE, "1", True))
    world.clock.set(B("2021-01-21 10:00"))
    refused(
        world,
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.QXD),
        r"^refused by §17\.1",
    )
    world.act(seed.PURCHASER, "purchaser", AwardLot(seed.CODE, "1", seed.RUNHUA))
    assert last_facts(world)["lapsed"] == [seed.QXD, seed.SUPPLIER_A]
    verify_log(world.service.store)
