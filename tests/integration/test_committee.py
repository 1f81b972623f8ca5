"""Committee decisions by majority, each member signing (§25.1), and withdrawal (回避, §41)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from commands import seed
from commands.messages import (
    AskBidder,
    CommitteeMember,
    ConformityResult,
    DecideJustification,
    FormCommittee,
    RecordConformity,
    WithdrawFromCommittee,
)
from commands.service import Outcome
from commands.world import World
from ledger.canonical import canonical_bytes
from ledger.procedure.state import tender_stream
from ledger.rules import catalogue as rules
from tests.conftest import tender_of
from tests.support.evaluation import (
    assert_refused,
    check_conformity,
    committee_decides,
    facts_of,
    finalise,
    form_committee,
    qualify,
    sign_report,
    submit_scores,
)
from tests.support.opening import open_tender

THREE_BIDS = {
    ("1", seed.QXD): "334860.00",
    ("1", seed.RUNHUA): "400000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}
FIRST, SECOND, THIRD, FOURTH, FIFTH = seed.COMMITTEE


@pytest.fixture
def qualified(published: World) -> World:
    """Lot 1 opened with three bids, all qualified; the seed's committee formed."""
    open_tender(published, THREE_BIDS)
    form_committee(published)
    qualify(published, "1")
    return published


@pytest.fixture
def examined(qualified: World) -> World:
    check_conformity(qualified, "1")
    return qualified


def _conformity(*failing: str) -> RecordConformity:
    return RecordConformity(
        seed.CODE,
        "1",
        tuple(
            ConformityResult(
                bidder, bidder not in failing, "未实质性响应" if bidder in failing else ""
            )
            for _, bidder in THREE_BIDS
        ),
    )


def _sign(world: World, member: str, command: RecordConformity | AskBidder) -> Outcome:
    world.clock.set(world.clock.now() + timedelta(minutes=1))
    return world.act(member, "evaluator", command)


def _type(world: World, outcome: Outcome) -> str:
    return world.service.store.event_at(outcome.stream, outcome.version).type


# Who decides (§25.1)


def test_an_expert_employed_by_a_bidder_cannot_be_seated(published: World) -> None:
    published.register("expert-qxd", "受雇于投标人的专家", ("evaluator",), {"employer": seed.QXD})
    open_tender(published, THREE_BIDS)
    members = (seed.COMMITTEE[0], *seed.COMMITTEE[1:4], "expert-qxd")
    command = FormCommittee(
        seed.CODE,
        tuple(
            CommitteeMember(party, "expert" if i else "purchaser_representative")
            for i, party in enumerate(members)
        ),
    )
    pattern = r"§41 .*expert-qxd is employed by wuhan-qinxiongdi, a bidder of this tender"
    assert_refused(published, seed.AGENCY, "agency", command, pattern)


def test_one_member_alone_neither_records_conformity_nor_invalidates_rivals(
    qualified: World,
) -> None:
    outcome = _sign(qualified, SECOND, _conformity(seed.RUNHUA, seed.SUPPLIER_A))
    assert _type(qualified, outcome) == "CommitteeDecisionSigned"
    facts = facts_of(qualified, outcome)
    assert (facts["signers"], facts["needed"], facts["seated"]) == ([SECOND], 3, 5)
    lot = tender_of(qualified).lots["1"]
    assert lot.status == "qualified"
    assert all(bid.valid and bid.conforming is None for bid in lot.bids.values())


def test_a_decision_takes_effect_with_the_signature_of_a_majority(qualified: World) -> None:
    command = _conformity()
    first, second = _sign(qualified, FIRST, command), _sign(qualified, FOURTH, command)
    assert [_type(qualified, o) for o in (first, second)] == ["CommitteeDecisionSigned"] * 2
    decided = _sign(qualified, FIFTH, command)
    assert _type(qualified, decided) == "ConformityRecorded"
    facts = facts_of(qualified, decided)
    assert facts["signers"] == [FIRST, FOURTH, FIFTH]
    body = {"command": "RecordConformity", "tender": str(tender_stream(seed.CODE))}
    body["args"] = command.args()  # type: ignore[assignment]
    assert facts["digest"] == hashlib.sha256(canonical_bytes(body)).hexdigest()
    assert tender_of(qualified).lots["1"].status == "examined"
    pattern = r"lifecycle.*lot 1 is already examined"
    assert_refused(qualified, SECOND, "evaluator", command, pattern)


def test_signing_other_content_moves_a_members_signature(qualified: World) -> None:
    harsh, fair = _conformity(seed.SUPPLIER_A), _conformity()
    _sign(qualified, FIRST, harsh)
    _sign(qualified, SECOND, harsh)
    moved = facts_of(qualified, _sign(qualified, SECOND, fair))
    assert moved["superseded"] == facts_of(qualified, _sign(qualified, THIRD, harsh))["digest"]
    assert tender_of(qualified).lots["1"].status == "qualified"  # harsh: 2 (first, third)
    pending = facts_of(qualified, _sign(qualified, FOURTH, fair))
    assert pending["signers"] == [SECOND, FOURTH]  # not yet: 2 of 3
    facts = facts_of(qualified, _sign(qualified, FIFTH, fair))
    assert facts["signers"] == [SECOND, FOURTH, FIFTH]
    assert tender_of(qualified).lots["1"].bids[seed.SUPPLIER_A].valid


def test_a_member_cannot_sign_the_same_decision_twice(qualified: World) -> None:
    _sign(qualified, FIRST, _conformity())
    pattern = r"§25\.1 .*mou-fangzheng has already signed this RecordConformity"
    assert_refused(qualified, FIRST, "evaluator", _conformity(), pattern)
    assert rules.by_code("COMMITTEE_MAJORITY").clause == "§25.1"


# The abnormally low price (§27.2), decided by the committee


def test_one_evaluator_can_neither_ask_a_high_bid_to_justify_nor_reject_it_at_once(
    examined: World,
) -> None:
    highest = AskBidder(seed.CODE, "1", seed.SUPPLIER_A, "请说明报价构成", low_price=True)
    pattern = r"§27\.2 .*demo-a: its price 420000\.00 is not below the mean 367430\.00"
    assert_refused(examined, SECOND, "evaluator", highest, pattern)
    lowest = AskBidder(seed.CODE, "1", seed.QXD, "请说明报价构成", low_price=True)
    _sign(examined, SECOND, lowest)
    assert tender_of(examined).lots["1"].bids[seed.QXD].justification is None
    reject = DecideJustification(seed.CODE, "1", seed.QXD, accepted=False)
    assert_refused(examined, SECOND, "evaluator", reject, r"§27\.2 .*no justification is awaiting")
    asked = facts_of(examined, committee_decides(examined, lowest, (FIRST, THIRD)))
    assert (asked["price"], asked["others_mean"]) == ("334860.00", "410000.00")
    assert tender_of(examined).lots["1"].bids[seed.QXD].justification == "requested"
    assert asked["answer_by"] == "2021-01-15T11:35:00+08:00"  # decided 11:05, 30 minutes
    pattern = r"§27\.2 .*wuhan-qinxiongdi has until 2021-01-15T11:35:00\+08:00 to justify"
    assert_refused(examined, SECOND, "evaluator", reject, pattern)
    examined.clock.set(examined.clock.now() + timedelta(minutes=30))
    _sign(examined, SECOND, reject)  # one member: nothing yet
    assert tender_of(examined).lots["1"].bids[seed.QXD].valid
    committee_decides(examined, reject, (FOURTH, FIFTH))
    bid = tender_of(examined).lots["1"].bids[seed.QXD]
    assert (bid.justification, bid.valid) == ("rejected", False)


# Withdrawal (回避, §41)


def test_a_member_who_withdraws_is_counted_out(examined: World) -> None:
    outcome = examined.act(
        FIFTH, "evaluator", WithdrawFromCommittee(seed.CODE, "与投标人存在利害关系")
    )
    assert facts_of(examined, outcome) == {"kind": "expert", "seated": 4, "needed": 3}
    tender = tender_of(examined)
    assert FIFTH not in tender.committee
    assert tender.withdrawn[FIFTH]["reason"] == "与投标人存在利害关系"
    seated = seed.COMMITTEE[:4]
    submit_scores(examined, "1", dict.fromkeys(seated))
    finalise(examined, "1")  # the withdrawn member's scores are not awaited
    sign_report(examined, "1", seated)
    lot = tender_of(examined).lots["1"]
    assert (lot.status, lot.report_signers) == ("reported", set(seated))
    late = WithdrawFromCommittee(seed.CODE, "again")
    assert_refused(examined, FIFTH, "evaluator", late, r"§25\.1 .*not a member")


def test_a_member_who_has_taken_part_cannot_withdraw_on_its_own(qualified: World) -> None:
    _sign(qualified, THIRD, _conformity())
    command = WithdrawFromCommittee(seed.CODE, "发现利害关系")
    pattern = r"§41 .*guo-yan has already taken part in the evaluation"
    assert_refused(qualified, THIRD, "evaluator", command, pattern)


def test_the_majority_of_a_committee_short_of_a_member_is_three_of_four(
    qualified: World,
) -> None:
    qualified.act(FIRST, "evaluator", WithdrawFromCommittee(seed.CODE, "回避"))
    command = _conformity()
    _sign(qualified, SECOND, command)
    facts = facts_of(qualified, _sign(qualified, THIRD, command))
    assert (facts["needed"], facts["seated"]) == (3, 4)
    assert tender_of(qualified).lots["1"].status == "qualified"
    _sign(qualified, FOURTH, command)
    assert tender_of(qualified).lots["1"].status == "examined"
    assert len(tender_of(qualified).committee) == 4
