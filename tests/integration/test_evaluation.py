"""Committee, qualification, conformity, corrections and committee questions (§24-§27, §43)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from commands import seed
from commands.messages import (
    AnswerCommittee,
    AskBidder,
    CommitteeMember,
    ConformityResult,
    DecideJustification,
    FormCommittee,
    ObtainDocuments,
    QualificationResult,
    RecordConformity,
    RecordQualification,
    ScoreSheet,
    SubmitScores,
)
from commands.world import World
from ledger.errors import InvalidInput
from ledger.numerals import format_capital_amount
from ledger.rules import catalogue as rules
from tests.conftest import tender_of
from tests.support.evaluation import (
    assert_refused,
    check_conformity,
    committee_decides,
    facts_of,
    form_committee,
    qualify,
)
from tests.support.opening import open_tender

THREE_BIDS = {
    ("1", seed.QXD): "334860.00",
    ("1", seed.RUNHUA): "400000.00",
    ("1", seed.SUPPLIER_A): "420000.00",
}
EXPERT = seed.COMMITTEE[1]


@pytest.fixture
def opened(published: World) -> World:
    """Lot 1 opened with three bids, the committee formed."""
    open_tender(published, THREE_BIDS)
    form_committee(published)
    return published


@pytest.fixture
def examined(opened: World) -> World:
    """Lot 1 with all three bids qualified and conforming."""
    qualify(opened, "1")
    check_conformity(opened, "1")
    return opened


def _capital(total: str) -> str:
    return format_capital_amount(Decimal(total))


def _register_bidders(world: World, attributes: dict[str, dict[str, str]]) -> None:
    """Register extra bidders with the given registry attributes; they obtain the documents."""
    for party, extra in attributes.items():
        world.register(party, f"演示供应商 {party}", ("bidder",), extra)
        world.act(party, "bidder", ObtainDocuments(seed.CODE))


def _members(parties: tuple[str, ...]) -> tuple[CommitteeMember, ...]:
    """The first party as purchaser representative, the others as experts."""
    return tuple(
        CommitteeMember(party, "expert" if i else "purchaser_representative")
        for i, party in enumerate(parties)
    )


# Qualification (§24)


def test_fewer_than_three_qualified_bidders_means_no_evaluation(opened: World) -> None:
    outcome = opened.act(
        seed.PURCHASER,
        "purchaser",
        RecordQualification(
            seed.CODE,
            "1",
            (
                QualificationResult(seed.QXD, True),
                QualificationResult(seed.RUNHUA, True),
                QualificationResult(seed.SUPPLIER_A, False, "营业执照过期"),
            ),
        ),
    )
    assert facts_of(opened, outcome)["qualified"] == 2
    lot = tender_of(opened).lots["1"]
    assert lot.status == "no_evaluation"
    assert lot.bids[seed.SUPPLIER_A].invalid == [
        {"rule": "NOT_QUALIFIED", "detail": "营业执照过期"}
    ]
    conformity = RecordConformity(
        seed.CODE, "1", (ConformityResult(seed.QXD, True), ConformityResult(seed.RUNHUA, True))
    )
    assert_refused(opened, EXPERT, "evaluator", conformity, r"§24\.1")
    scores = SubmitScores(seed.CODE, "1", (ScoreSheet(seed.QXD, Decimal(20), Decimal(30)),))
    assert_refused(opened, EXPERT, "evaluator", scores, r"§24\.1")


def test_three_qualified_bidders_go_on_to_the_conformity_check(opened: World) -> None:
    qualify(opened, "1")
    lot = tender_of(opened).lots["1"]
    assert lot.status == "qualified"
    assert all(bid.qualified for bid in lot.bids.values())


def test_qualification_must_name_every_revealed_bid(opened: World) -> None:
    partial = RecordQualification(
        seed.CODE,
        "1",
        (QualificationResult(seed.QXD, True), QualificationResult(seed.RUNHUA, True)),
    )
    assert_refused(opened, seed.PURCHASER, "purchaser", partial, r"§24 .*missing \['demo-a'\]")


def test_conformity_before_qualification_is_refused_naming_what_comes_first(
    opened: World,
) -> None:
    conformity = RecordConformity(
        seed.CODE, "1", tuple(ConformityResult(bidder, True) for _, bidder in THREE_BIDS)
    )
    assert_refused(opened, EXPERT, "evaluator", conformity, r"lifecycle.*RecordQualification")


# The committee (front table 13)


def test_the_committee_is_formed_only_after_the_opening(published: World) -> None:
    members = _members(seed.COMMITTEE)
    command = FormCommittee(seed.CODE, members)
    assert_refused(
        published,
        seed.AGENCY,
        "agency",
        command,
        r"lifecycle.*FormCommittee is taken after the reveal",
    )


def test_a_committee_that_is_not_one_representative_and_four_experts_is_refused(
    published: World,
) -> None:
    open_tender(published, THREE_BIDS)
    five_experts = FormCommittee(
        seed.CODE, tuple(CommitteeMember(party, "expert") for party in seed.COMMITTEE)
    )
    assert_refused(published, seed.AGENCY, "agency", five_experts, r"front table 13")
    four = FormCommittee(seed.CODE, _members(seed.COMMITTEE[:4]))
    assert_refused(published, seed.AGENCY, "agency", four, r"front table 13")
    form_committee(published)
    committee = tender_of(published).committee
    assert committee[seed.COMMITTEE[0]] == "purchaser_representative"
    assert sorted(p for p, kind in committee.items() if kind == "expert") == sorted(
        seed.COMMITTEE[1:]
    )


def test_a_bidder_cannot_sit_on_the_committee(published: World) -> None:
    published.register("expert-and-bidder", "兼任投标人的专家", ("evaluator", "bidder"))
    open_tender(published, THREE_BIDS)
    command = FormCommittee(seed.CODE, _members((*seed.COMMITTEE[:4], "expert-and-bidder")))
    assert_refused(published, seed.AGENCY, "agency", command, r"front table 13.*bidder")


# Conformity (§26.1, §26.2, §43)


def test_bidders_under_one_legal_representative_are_both_invalid(published: World) -> None:
    _register_bidders(
        published,
        {
            "demo-e": {"legal_representative": "rep-shared"},
            "demo-f": {"legal_representative": "rep-shared"},
        },
    )
    bids = {**THREE_BIDS, ("1", "demo-e"): "430000.00", ("1", "demo-f"): "440000.00"}
    open_tender(published, bids)
    form_committee(published)
    qualify(published, "1")
    results = tuple(ConformityResult(bidder, True) for _, bidder in bids)
    outcome = committee_decides(published, RecordConformity(seed.CODE, "1", results))
    invalidated = facts_of(published, outcome)["invalidated"]
    assert [(f["bidder"], f["rule"]) for f in invalidated] == [
        ("demo-e", "SAME_LEGAL_REPRESENTATIVE"),
        ("demo-f", "SAME_LEGAL_REPRESENTATIVE"),
    ]
    assert rules.by_code(invalidated[0]["rule"]).clause == "§43"
    lot = tender_of(published).lots["1"]
    assert lot.bids["demo-e"].invalid == [
        {
            "rule": "SAME_LEGAL_REPRESENTATIVE",
            "detail": "demo-e and demo-f have the same legal representative",
        }
    ]
    assert not lot.bids["demo-f"].valid
    assert sorted(bid.bidder for bid in lot.valid_bids()) == sorted(b for _, b in THREE_BIDS)


def test_bids_naming_the_same_contact_are_invalid_as_collusion(published: World) -> None:
    _register_bidders(
        published,
        {
            "demo-g": {"legal_representative": "rep-g", "contact": "张三 13800000000"},
            "demo-h": {"legal_representative": "rep-h", "contact": "张三 13800000000"},
        },
    )
    open_tender(
        published, {**THREE_BIDS, ("1", "demo-g"): "430000.00", ("1", "demo-h"): "435000.00"}
    )
    form_committee(published)
    qualify(published, "1")
    check_conformity(published, "1")
    lot = tender_of(published).lots["1"]
    for bidder in ("demo-g", "demo-h"):
        assert rules.by_code(lot.bids[bidder].invalid[0]["rule"]).clause == "§26.2"


def test_a_non_conforming_bid_is_invalid_with_its_reason(opened: World) -> None:
    qualify(opened, "1")
    check_conformity(opened, "1", {seed.SUPPLIER_A: "交货期不满足★条款"})
    lot = tender_of(opened).lots["1"]
    assert lot.status == "no_evaluation"  # two conforming bids left: §24.1 / §30
    assert lot.bids[seed.SUPPLIER_A].invalid == [
        {"rule": "NOT_CONFORMING", "detail": "交货期不满足★条款"}
    ]
    assert lot.bids[seed.QXD].conforming is True


# Committee questions (§27)


@dataclass(frozen=True)
class _AnswerWithPrice(AnswerCommittee):
    """An answer that also states a new price: what §27.1 forbids."""

    price: Decimal = Decimal("380000.00")

    def kind(self) -> str:
        return "AnswerCommittee"


def _ask(world: World, bidder: str, *, low_price: bool = False) -> str:
    """A majority of the committee asks ``bidder``; the question's id."""
    question = "请说明报价构成" if low_price else "请澄清交货期"
    command = AskBidder(seed.CODE, "1", bidder, question, low_price=low_price)
    question_id: str = facts_of(world, committee_decides(world, command))["question_id"]
    return question_id


def _decide(world: World, bidder: str, accepted: bool) -> None:
    committee_decides(world, DecideJustification(seed.CODE, "1", bidder, accepted))


def test_an_answer_that_tries_to_change_the_price_is_refused(examined: World) -> None:
    question_id = _ask(examined, seed.RUNHUA)
    changing = _AnswerWithPrice(seed.CODE, "1", question_id, "交货期30日, 另报价降为38万元")
    assert_refused(examined, seed.RUNHUA, "bidder", changing, r"§27\.1.*\['price'\]")
    examined.act(seed.RUNHUA, "bidder", AnswerCommittee(seed.CODE, "1", question_id, "交货期30日"))
    lot = tender_of(examined).lots["1"]
    assert lot.questions[question_id]["answer"] == "交货期30日"
    assert lot.bids[seed.RUNHUA].price == Decimal("400000.00")


def test_only_the_asked_bidder_answers_and_only_once(examined: World) -> None:
    question_id = _ask(examined, seed.RUNHUA)
    answer = AnswerCommittee(seed.CODE, "1", question_id, "交货期30日")
    assert_refused(examined, seed.QXD, "bidder", answer, r"§27\.1.*asked of jiangxi-runhua")
    examined.act(seed.RUNHUA, "bidder", answer)
    again = AnswerCommittee(seed.CODE, "1", question_id, "交货期20日")
    assert_refused(examined, seed.RUNHUA, "bidder", again, r"§27\.1.*already answered")


def test_an_unjustified_low_price_invalidates_the_bid(examined: World) -> None:
    _ask(examined, seed.QXD, low_price=True)
    assert tender_of(examined).lots["1"].bids[seed.QXD].justification == "requested"
    accept = DecideJustification(seed.CODE, "1", seed.QXD, accepted=True)
    assert_refused(examined, EXPERT, "evaluator", accept, r"§27\.2.*no written justification")
    examined.clock.set(examined.clock.now() + timedelta(minutes=31))  # the 30 minutes to answer
    _decide(examined, seed.QXD, False)
    bid = tender_of(examined).lots["1"].bids[seed.QXD]
    assert bid.justification == "rejected"
    assert bid.invalid == [
        {
            "rule": "ABNORMALLY_LOW_PRICE",
            "detail": "the bidder did not justify its abnormally low price",
        }
    ]


def test_a_justified_low_price_keeps_the_bid(examined: World) -> None:
    question_id = _ask(examined, seed.QXD, low_price=True)
    examined.act(
        seed.QXD, "bidder", AnswerCommittee(seed.CODE, "1", question_id, "自有工厂, 成本清单附后")
    )
    assert tender_of(examined).lots["1"].bids[seed.QXD].justification == "given"
    _decide(examined, seed.QXD, True)
    bid = tender_of(examined).lots["1"].bids[seed.QXD]
    assert (bid.justification, bid.valid) == ("accepted", True)


def test_scoring_waits_for_an_open_justification(examined: World) -> None:
    _ask(examined, seed.QXD, low_price=True)
    sheets = tuple(ScoreSheet(b, Decimal(20), Decimal(30)) for _, b in THREE_BIDS)
    scores = SubmitScores(seed.CODE, "1", sheets)
    pattern = r"§27\.2 .*wuhan-qinxiongdi: its justification is requested, not decided"
    assert_refused(examined, EXPERT, "evaluator", scores, pattern)


def test_a_failed_qualification_must_give_its_reason(opened: World) -> None:
    before = tender_of(opened).version
    results = tuple(
        QualificationResult(bidder, bidder != seed.SUPPLIER_A) for _, bidder in THREE_BIDS
    )
    with pytest.raises(InvalidInput, match="'reason'"):
        opened.act(seed.PURCHASER, "purchaser", RecordQualification(seed.CODE, "1", results))
    assert tender_of(opened).version == before
