"""Before the deadline: download hours, answers in 3 working days, §7.1 postponements set by
the agency, challenges of the documents (invitation 三, 六(三); §6.2, §7.1, §7.3)."""

from __future__ import annotations

from datetime import datetime

import pytest

from commands import seed
from commands.messages import (
    AmendTender,
    Answer,
    AnswerChallenge,
    ChallengeDocuments,
    DecideComplaint,
    FileComplaint,
    ObtainDocuments,
    PublishClarification,
)
from ledger.errors import RuleViolation
from ledger.procedure.state import TenderState
from tests.support.pure import B, decide, record, seed_tender


def obtain(tender: TenderState, bidder: str, at: datetime) -> None:
    record(tender, ObtainDocuments(seed.CODE), bidder, "bidder", at)


@pytest.mark.parametrize(
    "at",
    ["2020-12-26 08:30", "2020-12-26 12:00", "2020-12-28 14:30", "2021-01-04 17:30"],
)
def test_documents_are_obtained_in_the_download_hours_saturdays_included(at: str) -> None:
    tender = seed_tender()
    obtain(tender, seed.QXD, B(at))
    assert tender.documents_obtained == {seed.QXD: B(at)}


@pytest.mark.parametrize(
    ("at", "found"),
    [
        ("2020-12-28 08:29", "not at 08:29:00"),
        ("2020-12-28 12:01", "not at 12:01:00"),
        ("2020-12-28 14:29", "not at 14:29:00"),
        ("2020-12-28 17:31", "not at 17:31:00"),
        ("2021-01-01 10:00", "2021-01-01 is a statutory holiday"),
        ("2021-01-03 10:00", "2021-01-03 is a statutory holiday"),
    ],
)
def test_documents_outside_the_download_hours_or_on_a_holiday_are_refused(
    at: str, found: str
) -> None:
    with pytest.raises(RuleViolation, match=rf"^refused by invitation 三 .*{found}"):
        decide(seed_tender(), ObtainDocuments(seed.CODE), seed.QXD, "bidder", B(at))


def asked(tender: TenderState, at: str) -> str:
    tender.questions["Q1"] = {"asker": seed.QXD, "text": "?", "asked_at": B(at), "answered": False}
    return "Q1"


def clarify(
    tender: TenderState, at: str, *, affects: bool = False, new_deadline: str | None = None
) -> dict[str, object]:
    command = PublishClarification(
        seed.CODE,
        (Answer(asked(tender, "2020-12-28 10:00"), "以招标文件为准"),),
        affects,
        None if new_deadline is None else B(new_deadline),
    )
    return dict(record(tender, command, seed.AGENCY, "agency", B(at)).facts)


def test_a_question_is_answered_within_three_working_days() -> None:
    assert clarify(seed_tender(), "2020-12-31 17:00") == {}


def test_a_late_answer_is_published_and_marked_late() -> None:
    facts = clarify(seed_tender(), "2021-01-04 09:00")  # 12-31 was the 3rd working day
    assert facts == {
        "late": [
            {
                "rule": "QUESTION_ANSWER_DAYS",
                "detail": "Q1 asked 2020-12-28T10:00:00+08:00 was due an answer by "
                "2020-12-31T23:59:59+08:00",
            }
        ]
    }


def test_a_clarification_14_days_23_hours_before_the_deadline_must_postpone_it() -> None:
    with pytest.raises(RuleViolation, match=r"^refused by §7\.1 .*must set a new deadline"):
        clarify(seed_tender(), "2020-12-31 10:30", affects=True)


def test_a_clarification_that_cannot_affect_preparation_leaves_the_deadline() -> None:
    tender = seed_tender()
    assert clarify(tender, "2020-12-31 10:30", affects=False) == {}
    assert tender.deadline == B("2021-01-15 09:30")


def test_a_late_clarification_moves_the_deadline_to_the_one_the_agency_set() -> None:
    tender = seed_tender()
    facts = clarify(tender, "2020-12-31 10:30", affects=True, new_deadline="2021-01-18 09:30")
    assert facts["deadline"] == "2021-01-18T09:30:00+08:00"
    assert tender.deadline == B("2021-01-18 09:30")
    assert tender.deadline_history[0]["reason"].startswith("§7.1 ")


def amend(tender: TenderState, at: str, new_deadline: str | None) -> dict[str, object]:
    deadline = None if new_deadline is None else B(new_deadline)
    command = AmendTender(seed.CODE, "更正公告:技术参数调整", True, (), deadline)
    return dict(record(tender, command, seed.AGENCY, "agency", B(at)).facts)


@pytest.mark.parametrize(
    ("new_deadline", "refusal"),
    [
        (None, r"§7\.1 .*must set a new deadline no earlier than 2021-01-23T22:00:00"),
        ("2021-01-23 22:00", r"§7\.1 .*not on a working day within 08:30-12:00 or 14:30-17:30"),
        ("2021-01-25 22:00", r"§7\.1 .*not on a working day within"),
        ("2021-01-22 09:30", r"§7\.1 .*comes less than 15 days after it"),
        ("2021-01-15 09:00", r"§7\.3 .*not after the deadline"),
    ],
)
def test_a_late_amendment_needs_a_deadline_the_agency_sets_on_a_working_day(
    new_deadline: str | None, refusal: str
) -> None:
    """Friday 22:00 plus 15 days is a Saturday at 22:00: the ledger no longer invents it."""
    with pytest.raises(RuleViolation, match=rf"^refused by {refusal}"):
        amend(seed_tender(), "2021-01-08 22:00", new_deadline)


def test_a_late_amendment_with_a_proper_new_deadline_moves_it_exactly_there() -> None:
    tender = seed_tender()
    facts = amend(tender, "2021-01-08 22:00", "2021-01-25 09:30")
    assert facts["deadline"] == "2021-01-25T09:30:00+08:00"
    assert facts["reason"] == {
        "rule": "AMENDMENT_POSTPONES",
        "detail": "amendment published 2021-01-08T22:00:00+08:00, less than 15 days before the "
        "deadline 2021-01-15T09:30:00+08:00; the agency set the new deadline",
    }
    assert tender.deadline == B("2021-01-25 09:30")
    assert tender.timetable is not None
    assert tender.timetable.documents_until == B("2021-01-25 09:30")


def test_an_early_amendment_may_still_postpone_the_deadline_under_section_7_3() -> None:
    facts = amend(seed_tender(), "2020-12-29 09:00", "2021-01-20 09:30")
    assert facts["reason"] == {
        "rule": "DEADLINE_POSTPONED",
        "detail": "amendment published 2020-12-29T09:00:00+08:00 postpones the deadline",
    }


def challenge_documents(tender: TenderState, supplier: str, at: str) -> str:
    command = ChallengeDocuments(
        seed.CODE,
        "演示供应商丁",
        "演示地址",
        "0718-0000001",
        "第3包技术参数",
        "参数指向单一品牌",
        "请求修改技术参数",
        "参数对比表",
        at[:10],
        "法定代表人 (签章)",
    )
    challenge_id: str = record(tender, command, supplier, "bidder", B(at)).facts["challenge_id"]
    return challenge_id


def test_any_supplier_that_obtained_the_documents_may_challenge_them_until_6_2_allows() -> None:
    """Announcement: 5 working days from 2020-12-25, to 2021-01-04; then 7 working days, to
    2021-01-13: later than the notice's own 2021-01-07, so 01-13 stands."""
    tender = seed_tender()
    obtain(tender, seed.SUPPLIER_D, B("2020-12-26 09:00"))
    challenge_id = challenge_documents(tender, seed.SUPPLIER_D, "2021-01-13 17:00")
    challenge = tender.challenges[challenge_id]
    assert (challenge.subject, challenge.lot, challenge.challenger) == (
        "documents",
        "",
        seed.SUPPLIER_D,
    )
    with pytest.raises(RuleViolation, match=r"^refused by §6\.2 .*closed 2021-01-13T23:59:59"):
        challenge_documents(seed_tender_with(seed.SUPPLIER_D), seed.SUPPLIER_D, "2021-01-14 09:00")


def test_a_notice_date_later_than_section_6_2_extends_the_window() -> None:
    tender = seed_tender_with(seed.SUPPLIER_D)
    assert tender.timetable is not None
    tender.timetable.objections_until = B("2021-01-14 17:30")
    challenge_documents(tender, seed.SUPPLIER_D, "2021-01-14 17:00")


def test_a_supplier_without_the_documents_cannot_challenge_them() -> None:
    with pytest.raises(RuleViolation, match=r"^refused by invitation 六\(三\) .*never obtained"):
        challenge_documents(seed_tender(), seed.SUPPLIER_D, "2021-01-05 10:00")


def test_the_answer_to_a_documents_challenge_goes_to_every_holder_of_the_documents() -> None:
    tender = seed_tender_with(seed.SUPPLIER_D, seed.QXD)
    challenge_id = challenge_documents(tender, seed.SUPPLIER_D, "2021-01-05 10:00")
    answer = AnswerChallenge(seed.CODE, challenge_id, "参数系通用配置")
    facts = record(tender, answer, seed.AGENCY, "agency", B("2021-01-06 10:00")).facts
    assert facts["notified"] == sorted([seed.SUPPLIER_D, seed.QXD])
    complaint = FileComplaint(seed.CODE, challenge_id, "答复不当", "请求修改参数")
    record(tender, complaint, seed.SUPPLIER_D, "bidder", B("2021-01-07 10:00"))
    annul = DecideComplaint(seed.CODE, challenge_id, "annul", "经调查")
    with pytest.raises(RuleViolation, match=r"^refused by §36 .*about the documents"):
        decide(tender, annul, seed.REGULATOR, "regulator", B("2021-01-08 10:00"))
    suspend = DecideComplaint(seed.CODE, challenge_id, "suspend", "责令修改后再继续")
    record(tender, suspend, seed.REGULATOR, "regulator", B("2021-01-08 10:00"))
    assert tender.suspension is not None


def seed_tender_with(*suppliers: str) -> TenderState:
    tender = seed_tender()
    for supplier in suppliers:
        obtain(tender, supplier, B("2020-12-26 09:00"))
    return tender
