"""Challenges, complaints, the regulator's decisions and suspension (§23.3, §34-§36)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from commands import seed
from commands.messages import (
    AnswerChallenge,
    AwardLot,
    DecideComplaint,
    DeclareLotFailed,
    FileChallenge,
    FileComplaint,
    ResumeProcedure,
    SubmitBid,
    SuspendProcedure,
)
from commands.world import World
from ledger.procedure.base import HANDLERS, TenderCommand
from tests.conftest import tender_of
from tests.integration.test_award import (
    FIFTH_WORKING_DAY,
    LOT_1,
    award_and_notify,
    last_facts,
    refused,
    report_lot_1,
)
from tests.support.bids import sealed_bid
from tests.support.evaluation import evaluate_lot

# Notice on Friday 2021-01-22, publicity ends Monday 01-25; challenges until Wednesday 02-03.
LAST_CHALLENGE_DAY = seed.beijing("2021-02-03 10:00")
AFTER_CHALLENGES = seed.beijing("2021-02-04 09:00")
# Spring Festival 2021: Sunday 02-07 is a make-up working day, 02-11..02-17 are holidays.
ANSWERED = seed.beijing("2021-02-05 10:00")
LAST_COMPLAINT_DAY = seed.beijing("2021-03-03 17:00")  # 15th working day after 02-05
REGULATOR_2 = "enshi-finance-bureau"


ACTING_AS = {
    "agency": seed.AGENCY,
    "purchaser": seed.PURCHASER,
    "regulator": seed.REGULATOR,
    "bidder": seed.QXD,
    "evaluator": seed.COMMITTEE[0],
    "official": seed.AGENCY,
    "platform": seed.PLATFORM,
    "supervisor": "venue-supervisor",  # registered by the test below
}


@dataclass(frozen=True)
class AnyCommand(TenderCommand):
    """Any tender command by name, with plausible-looking arguments."""

    name: str

    def kind(self) -> str:
        return self.name

    def args(self) -> dict[str, Any]:
        return {"lot": "1", "reason": "试", "challenge_id": "C000000000000"}


def _suspend(world: World, at: str = "2021-01-10 10:00") -> None:
    world.act(
        seed.AGENCY, "agency", SuspendProcedure(seed.CODE, "电子交易平台故障"), at=seed.beijing(at)
    )


def test_an_emergency_suspension_blocks_every_command_but_the_regulators_resumption(
    published: World,
) -> None:
    published.register("venue-supervisor", "评标现场监督人员", ("supervisor",))
    _suspend(published)
    for name, handler in sorted(HANDLERS.items()):
        if name == "ResumeProcedure" or not issubclass(handler.command, TenderCommand):
            continue
        role = handler.command.guard.role
        command = (
            SuspendProcedure(seed.CODE, "再次暂停")
            if name == "SuspendProcedure"
            else AnyCommand(seed.CODE, name)
        )
        refused(
            published,
            ACTING_AS[role],
            role,
            command,
            r"(§36|§23\.3) .*suspended since",
        )
    published.act(seed.REGULATOR, "regulator", ResumeProcedure(seed.CODE, "平台已恢复"))
    assert tender_of(published).suspension is None


def test_after_the_resumption_the_procedure_continues_with_nothing_lost(published: World) -> None:
    tender = tender_of(published)
    first = sealed_bid(tender, "1", seed.QXD, "334860.00")
    published.act(
        seed.QXD, "bidder", SubmitBid(seed.CODE, "1", first), at=seed.beijing("2021-01-08 10:00")
    )
    _suspend(published)
    second = sealed_bid(tender, "1", seed.RUNHUA, "401000.00")
    refused(published, seed.RUNHUA, "bidder", SubmitBid(seed.CODE, "1", second), r"§23\.3")
    published.act(
        seed.REGULATOR,
        "regulator",
        ResumeProcedure(seed.CODE, "平台已恢复"),
        at=seed.beijing("2021-01-11 09:00"),
    )
    published.act(seed.RUNHUA, "bidder", SubmitBid(seed.CODE, "1", second))
    lot = tender_of(published).lots["1"]
    assert sorted(lot.bids) == sorted([seed.QXD, seed.RUNHUA])
    assert lot.bids[seed.QXD].status == "sealed"


def test_only_the_tenders_regulator_resumes_a_suspended_procedure(published: World) -> None:
    published.register("enshi-finance-bureau", "恩施州财政局", ("regulator",))
    _suspend(published)
    refused(
        published,
        "enshi-finance-bureau",
        "regulator",
        ResumeProcedure(seed.CODE, "恢复"),
        r"§23\.3 .*not this tender's regulator",
    )
    refused(published, seed.AGENCY, "agency", ResumeProcedure(seed.CODE, "恢复"), r"S1")


def test_a_suspension_is_not_repeated_and_a_resumption_needs_a_suspension(
    published: World,
) -> None:
    refused(
        published,
        seed.REGULATOR,
        "regulator",
        ResumeProcedure(seed.CODE, "恢复"),
        r"lifecycle .*not suspended",
        at=seed.beijing("2021-01-10 09:00"),
    )
    _suspend(published)
    refused(
        published,
        seed.AGENCY,
        "agency",
        SuspendProcedure(seed.CODE, "again"),
        r"§23\.3 .*already suspended",
    )


def challenge(**changes: str) -> FileChallenge:
    """Runhua's written challenge of lot 1's award, complete unless ``changes`` empty items."""
    contents = {
        "challenger_name": "江西省润华教育装备集团有限公司",
        "address": "江西省抚州市南城县株良镇工业园区",
        "phone": "0794-7000000",
        "matters": "第1包中标人业绩评分",
        "facts": "中标人所附业绩合同与公开信息不符",
        "request": "请求对第1包重新评审",
        "evidence": "业绩合同查询截图 (sha256 3f1a...)",
        "date": "2021-02-03",
        "signatory": "润华法定代表人 (签章)",
        **changes,
    }
    return FileChallenge(seed.CODE, "1", **contents)


def file_challenge(world: World, at: Any = LAST_CHALLENGE_DAY) -> str:
    """Runhua files its complete challenge; returns the challenge id the ledger gave it."""
    world.act(seed.RUNHUA, "bidder", challenge(), at=at)
    challenge_id: str = last_facts(world)["challenge_id"]
    return challenge_id


def complain(world: World, at: Any = ANSWERED) -> str:
    """Runhua challenges on 02-03, the agency answers on 02-05, Runhua complains on 02-08."""
    challenge_id = file_challenge(world)
    world.act(seed.AGENCY, "agency", AnswerChallenge(seed.CODE, challenge_id, "评分无误"), at=at)
    world.act(
        seed.RUNHUA,
        "bidder",
        FileComplaint(seed.CODE, challenge_id, "答复未核实业绩", "请求重新评审"),
        at=seed.beijing("2021-02-08 10:00"),
    )
    return challenge_id


def decide(world: World, challenge_id: str, decision: str, at: Any = None) -> None:
    world.act(
        seed.REGULATOR,
        "regulator",
        DecideComplaint(seed.CODE, challenge_id, decision, "经调查"),
        at=at,
    )


@pytest.fixture
def noticed(published: World) -> World:
    """Lot 1 awarded to QXD on Friday 2021-01-22 and the notice published at once."""
    return award_and_notify(report_lot_1(published))


def test_a_challenge_missing_contents_of_section_34_is_refused_naming_them(
    noticed: World,
) -> None:
    refused(
        noticed,
        seed.RUNHUA,
        "bidder",
        challenge(phone="", evidence=" ", signatory=""),
        r"§34 .*lacks phone, evidence, signatory$",
        at=LAST_CHALLENGE_DAY,
    )


def test_a_challenge_after_seven_working_days_from_the_end_of_publicity_is_refused(
    noticed: World,
) -> None:
    refused(
        noticed,
        seed.RUNHUA,
        "bidder",
        challenge(),
        r"§35 .*closed 2021-02-03T23:59:59\+08:00",
        at=AFTER_CHALLENGES,
    )


def test_a_challenge_on_the_seventh_working_day_is_recorded(noticed: World) -> None:
    challenge_id = file_challenge(noticed)
    assert challenge_id.startswith("C")
    assert len(challenge_id) == 13
    recorded = tender_of(noticed).challenges[challenge_id]
    assert (recorded.lot, recorded.challenger) == ("1", seed.RUNHUA)
    assert last_facts(noticed)["answer_due"] == "2021-02-18T23:59:59+08:00"


def test_only_a_bidder_in_the_lot_may_challenge(noticed: World) -> None:
    refused(
        noticed,
        seed.SUPPLIER_C,
        "bidder",
        challenge(),
        r"§34 .*no bid in lot 1",
        at=LAST_CHALLENGE_DAY,
    )


def test_a_challenge_before_the_award_notice_is_refused(published: World) -> None:
    report_lot_1(published)
    refused(
        published,
        seed.RUNHUA,
        "bidder",
        challenge(),
        r"lifecycle .*award notice must be published",
        at=FIFTH_WORKING_DAY,
    )


def test_the_answer_comes_within_seven_working_days_across_the_spring_festival(
    noticed: World,
) -> None:
    challenge_id = file_challenge(noticed)
    noticed.act(
        seed.AGENCY,
        "agency",
        AnswerChallenge(seed.CODE, challenge_id, "评分无误"),
        at=seed.beijing("2021-02-18 16:00"),
    )
    assert last_facts(noticed)["notified"] == sorted(bidder for _, bidder in LOT_1)
    assert tender_of(noticed).challenges[challenge_id].answer == "评分无误"
    refused(
        noticed,
        seed.AGENCY,
        "agency",
        AnswerChallenge(seed.CODE, challenge_id, "再答"),
        r"lifecycle .*was answered",
    )


def test_an_answer_after_seven_working_days_is_recorded_as_late_not_refused(
    noticed: World,
) -> None:
    challenge_id = file_challenge(noticed)
    late = seed.beijing("2021-02-19 09:00")
    noticed.act(
        seed.AGENCY, "agency", AnswerChallenge(seed.CODE, challenge_id, "评分无误"), at=late
    )
    assert tender_of(noticed).challenges[challenge_id].answered_at == late
    assert last_facts(noticed)["late"] == {
        "rule": "ANSWER_WINDOW",
        "detail": f"challenge {challenge_id} filed 2021-02-03T10:00:00+08:00 was due an answer "
        "by 2021-02-18T23:59:59+08:00; answered 2021-02-19T09:00:00+08:00",
    }


def test_without_an_answer_in_time_the_challenger_complains_at_once(noticed: World) -> None:
    challenge_id = file_challenge(noticed)
    complaint = FileComplaint(seed.CODE, challenge_id, "采购中心逾期未答复", "请求责令答复")
    refused(
        noticed,
        seed.RUNHUA,
        "bidder",
        complaint,
        r"^refused by §36 .*answer is due by 2021-02-18T23:59:59\+08:00",
        at=seed.beijing("2021-02-18 17:00"),
    )
    noticed.act(seed.RUNHUA, "bidder", complaint, at=seed.beijing("2021-02-19 09:00"))
    assert last_facts(noticed) == {"regulator": seed.REGULATOR, "answered": False}
    decide(noticed, challenge_id, "dismiss", at=seed.beijing("2021-02-22 09:00"))
    assert tender_of(noticed).challenges[challenge_id].decision == "dismiss"


def test_without_an_answer_the_complaint_window_runs_from_the_day_it_was_due(
    noticed: World,
) -> None:
    # answer due 2021-02-18; 15 working days after it (Saturday 02-20 is a make-up working
    # day, 调休) end on 03-10
    challenge_id = file_challenge(noticed)
    complaint = FileComplaint(seed.CODE, challenge_id, "采购中心逾期未答复", "请求责令答复")
    refused(
        noticed,
        seed.RUNHUA,
        "bidder",
        complaint,
        r"^refused by §36 .*no answer; it was due 2021-02-18T23:59:59\+08:00; complaints "
        r"closed 2021-03-10T23:59:59\+08:00",
        at=seed.beijing("2021-03-11 09:00"),
    )


@pytest.mark.parametrize(
    ("at", "accepted"),
    [
        (LAST_COMPLAINT_DAY, True),
        (seed.beijing("2021-03-04 09:00"), False),
    ],
)
def test_a_complaint_comes_within_fifteen_working_days_of_the_answer(
    noticed: World, at: Any, accepted: bool
) -> None:
    challenge_id = file_challenge(noticed)
    noticed.act(
        seed.AGENCY, "agency", AnswerChallenge(seed.CODE, challenge_id, "评分无误"), at=ANSWERED
    )
    complaint = FileComplaint(seed.CODE, challenge_id, "答复未核实业绩", "请求重新评审")
    if accepted:
        noticed.act(seed.RUNHUA, "bidder", complaint, at=at)
        assert tender_of(noticed).challenges[challenge_id].complaint_at == at
    else:
        refused(
            noticed,
            seed.RUNHUA,
            "bidder",
            complaint,
            r"§36 .*closed 2021-03-03T23:59:59\+08:00",
            at=at,
        )


def test_only_the_challenger_complains_and_only_after_the_answer(noticed: World) -> None:
    challenge_id = file_challenge(noticed)
    complaint = FileComplaint(seed.CODE, challenge_id, "答复未核实业绩", "请求重新评审")
    refused(noticed, seed.RUNHUA, "bidder", complaint, r"§36 .*answer is due by")
    noticed.act(
        seed.AGENCY, "agency", AnswerChallenge(seed.CODE, challenge_id, "评分无误"), at=ANSWERED
    )
    refused(noticed, seed.SUPPLIER_A, "bidder", complaint, r"§36 .*filed by jiangxi-runhua")


def test_only_the_tenders_regulator_decides_a_complaint(noticed: World) -> None:
    noticed.register(REGULATOR_2, "恩施州财政局", ("regulator",))
    challenge_id = complain(noticed)
    decision = DecideComplaint(seed.CODE, challenge_id, "annul", "经调查")
    refused(noticed, REGULATOR_2, "regulator", decision, r"§36 .*not this tender's regulator")
    refused(noticed, seed.AGENCY, "agency", decision, r"S1")
    assert tender_of(noticed).lots["1"].status == "awarded"


def test_a_re_evaluation_clears_the_ranking_and_the_committee_scores_again(
    noticed: World,
) -> None:
    challenge_id = complain(noticed)
    decide(noticed, challenge_id, "re_evaluate", at=seed.beijing("2021-02-09 10:00"))
    lot = tender_of(noticed).lots["1"]
    assert (lot.status, lot.ranking, lot.candidates, lot.report_at) == ("examined", [], [], None)
    assert (lot.award, lot.notice_at, lot.report_signers) == (None, None, set())
    assert all(bid.scores == {} for bid in lot.bids.values())
    assert tender_of(noticed).challenges[challenge_id].decision == "re_evaluate"
    rescored = {
        seed.QXD: ("20.00", "30.00"),
        seed.RUNHUA: ("28.00", "38.00"),
        seed.SUPPLIER_A: ("24.00", "34.00"),
        seed.SUPPLIER_B: ("22.00", "32.00"),
    }
    again = evaluate_lot(noticed, "1", rescored).lots["1"]
    assert again.candidates[0] == seed.RUNHUA
    noticed.act(
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.RUNHUA),
        at=seed.beijing("2021-02-10 10:00"),
    )
    assert tender_of(noticed).lots["1"].status == "awarded"


def test_an_annulment_fails_the_lot(noticed: World) -> None:
    challenge_id = complain(noticed)
    decide(noticed, challenge_id, "annul", at=seed.beijing("2021-02-09 10:00"))
    lot = tender_of(noticed).lots["1"]
    assert (lot.status, lot.award, lot.failure) == (
        "failed",
        None,
        "§36 (only the regulator decides a complaint): the award is annulled",
    )
    refused(
        noticed,
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.RUNHUA),
        r"lifecycle .*failed",
    )
    refused(
        noticed,
        seed.REGULATOR,
        "regulator",
        DecideComplaint(seed.CODE, challenge_id, "dismiss", "再议"),
        r"lifecycle .*decided",
    )


def test_a_suspension_during_a_complaint_holds_until_the_regulator_resumes(
    noticed: World,
) -> None:
    challenge_id = complain(noticed)
    decide(noticed, challenge_id, "suspend", at=seed.beijing("2021-02-09 10:00"))
    suspension = tender_of(noticed).suspension
    assert suspension is not None
    assert (suspension["by"], suspension["rule"]) == (seed.REGULATOR, "SUSPENDED")
    refused(
        noticed,
        seed.AGENCY,
        "agency",
        DeclareLotFailed(seed.CODE, "2", "无人投标"),
        r"§36 .*suspended since 2021-02-09T10:00:00\+08:00",
    )
    refused(
        noticed,
        seed.REGULATOR,
        "regulator",
        DecideComplaint(seed.CODE, challenge_id, "dismiss", "经调查"),
        r"§36 .*suspended",
    )
    noticed.act(
        seed.REGULATOR,
        "regulator",
        ResumeProcedure(seed.CODE, "调查结束"),
        at=seed.beijing("2021-02-10 10:00"),
    )
    decide(noticed, challenge_id, "dismiss")
    tender = tender_of(noticed)
    assert tender.challenges[challenge_id].decision == "dismiss"
    assert tender.lots["1"].status == "awarded"
