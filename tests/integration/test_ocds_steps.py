"""The release of each published step beyond the demo, on a real SQLite ledger: a contract
and its filing, an award cancelled because its winner cannot perform, an award annulled by
the regulator, a correction that postpones the deadline. Every package validates."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

from commands import seed
from commands.messages import (
    AmendTender,
    AwardLot,
    FileContract,
    PublishAwardNotice,
    RecordWinnerUnable,
    SignContract,
)
from commands.world import World
from projections.ocds import OcdsSettings, record_package, release_package
from tests.integration.test_award import award_and_notify, report_lot_1
from tests.integration.test_remedies import ANSWERED, complain, decide
from tests.support.ocds import (
    RECORD_PACKAGE,
    RELEASE,
    RELEASE_PACKAGE,
    codelist_errors,
    schema_errors,
)

B = seed.beijing
SETTINGS = OcdsSettings()
CONTRACT = hashlib.sha256("第1包 政府采购合同".encode()).hexdigest()


def releases(world: World) -> list[dict[str, Any]]:
    """The tender's release package, checked valid; its releases."""
    package = release_package(world.service.store, seed.CODE, SETTINGS)
    assert schema_errors(package, RELEASE_PACKAGE) == []
    for release in package["releases"]:
        assert codelist_errors(release) == []
    found: list[dict[str, Any]] = package["releases"]
    return found


def test_a_signed_and_filed_contract_is_a_contract_release_and_a_contract_update(
    published: World,
) -> None:
    world = award_and_notify(report_lot_1(published))
    sign = SignContract(seed.CODE, "1", CONTRACT, Decimal("334860.00"))
    world.act(seed.PURCHASER, "purchaser", sign, at=B("2021-02-19 10:00"))
    world.act(seed.PURCHASER, "purchaser", FileContract(seed.CODE, "1"), at=B("2021-03-02 10:00"))
    found = releases(world)
    assert [r["tag"] for r in found[-3:]] == [["award"], ["contract"], ["contractUpdate"]]
    (contract,) = found[-1]["contracts"]
    assert contract["awardID"] == found[-1]["awards"][0]["id"] == "1-1"
    assert contract["value"] == {"amount": 334860.0, "currency": "CNY"}
    assert contract["dateSigned"] == "2021-02-19T10:00:00+08:00"
    assert CONTRACT in contract["documents"][0]["description"]
    assert "逾期备案" in contract["description"]  # filed after its 7 working days (§32.2)
    assert [e["type"] for e in found[-1]["ledgerEvents"]][-2:] == [
        "ContractSigned",
        "ContractFiled",
    ]


def test_a_winner_that_cannot_perform_cancels_its_award_and_the_next_gets_a_new_one(
    published: World,
) -> None:
    world = award_and_notify(report_lot_1(published))
    world.act(
        seed.PURCHASER,
        "purchaser",
        RecordWinnerUnable(seed.CODE, "1", "中标人因不可抗力不能履行合同"),
        at=B("2021-01-25 09:00"),
    )
    award = AwardLot(seed.CODE, "1", seed.RUNHUA)
    world.act(seed.PURCHASER, "purchaser", award, at=B("2021-01-25 10:00"))
    world.act(seed.AGENCY, "agency", PublishAwardNotice(seed.CODE, "1"), at=B("2021-01-25 10:30"))
    found = releases(world)
    assert [r["tag"] for r in found[-3:]] == [["award"], ["awardCancellation"], ["award"]]
    first, second = found[-1]["awards"]
    assert (first["id"], first["status"], first["suppliers"][0]["id"]) == (
        "1-1",
        "cancelled",
        seed.QXD,
    )
    assert (second["id"], second["status"], second["suppliers"][0]["id"]) == (
        "1-2",
        "active",
        seed.RUNHUA,
    )
    assert second["value"] == {"amount": 401000.0, "currency": "CNY"}
    compiled = record_package(world.service.store, seed.CODE, SETTINGS)
    assert schema_errors(compiled, RECORD_PACKAGE) == []
    awards = compiled["records"][0]["compiledRelease"]["awards"]
    assert [(a["id"], a["status"]) for a in awards] == [("1-1", "cancelled"), ("1-2", "active")]


def test_an_award_the_regulator_annuls_is_cancelled_and_its_lot_too(published: World) -> None:
    world = award_and_notify(report_lot_1(published))
    challenge_id = complain(world, at=ANSWERED)
    decide(world, challenge_id, "annul", at=B("2021-02-09 10:00"))
    found = releases(world)
    assert [r["tag"] for r in found[-3:]] == [["award"], ["awardUpdate"], ["awardCancellation"]]
    last = found[-1]
    assert last["awards"][0]["status"] == "cancelled"
    assert last["tender"]["lots"][0]["status"] == "cancelled"
    assert [d["title"] for d in last["awards"][0]["documents"]] == ["中标公告", "质疑答复"]
    assert {p["id"] for p in last["parties"] if "reviewBody" in p["roles"]} == {seed.REGULATOR}


def test_a_late_correction_that_postpones_the_deadline_is_an_amendment_saying_so(
    published: World,
) -> None:
    deadline = B("2021-01-15 09:30")
    late = AmendTender(
        seed.CODE, "更正:第1包技术参数调整", True, (), new_deadline=B("2021-01-29 09:30")
    )
    published.act(seed.AGENCY, "agency", late, at=deadline - timedelta(days=5))
    (first, second) = releases(published)
    assert second["tag"] == ["tenderAmendment"]
    (amendment,) = second["tender"]["amendments"]
    assert amendment["rationale"] == "更正:第1包技术参数调整"
    assert amendment["amendsReleaseID"] == first["id"]
    assert amendment["releaseID"] == second["id"]
    assert amendment["description"].startswith("投标截止时间延至 2021-01-29T09:30:00+08:00")
    assert first["tender"]["tenderPeriod"]["endDate"] == "2021-01-15T09:30:00+08:00"
    assert second["tender"]["tenderPeriod"]["endDate"] == "2021-01-29T09:30:00+08:00"
    assert schema_errors(second, RELEASE) == []
