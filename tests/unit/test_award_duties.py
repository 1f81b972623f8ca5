"""After the report: the award's 5 working days, challenges and complaints across suspensions,
bid validity and its extension, the contract and its filing (§17, §29, §32, §35, §36)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from commands import seed
from commands.messages import (
    AnswerChallenge,
    AnswerValidityExtension,
    AwardLot,
    FileComplaint,
    FileContract,
    RecordWinnerUnable,
    RequestValidityExtension,
    ResumeProcedure,
    SignContract,
    SuspendProcedure,
)
from ledger.errors import RuleViolation
from ledger.procedure.state import Challenge, TenderState
from tests.support.pure import B, decide, record, sealed, seed_tender

CANDIDATES = [seed.QXD, seed.RUNHUA, seed.SUPPLIER_A]
PRICES = {seed.QXD: "334860.00", seed.RUNHUA: "401000.00", seed.SUPPLIER_A: "420000.00"}
REPORT = B("2021-01-15 15:34")  # a Friday: the award is due by Friday 01-22
CONTRACT = "ab" * 32


def reported(validity_days: int = 90) -> TenderState:
    """Lot 1 revealed, evaluated and reported with three candidates."""
    tender = seed_tender()
    tender.terms["bid_validity_days"] = validity_days
    sealed(tender, "1", *CANDIDATES)
    lot = tender.lots["1"]
    for bidder, price in PRICES.items():
        lot.bids[bidder].status, lot.bids[bidder].price = "revealed", Decimal(price)
    lot.status, lot.report_at, lot.candidates = "reported", REPORT, list(CANDIDATES)
    tender.opening_started_at = tender.decryption_closed_at = B("2021-01-15 09:30")
    tender.revealed_at = B("2021-01-15 10:10")
    return tender


def suspend(tender: TenderState, since: str, until: str) -> None:
    record(tender, SuspendProcedure(seed.CODE, "平台故障"), seed.AGENCY, "agency", B(since))
    record(tender, ResumeProcedure(seed.CODE, "已恢复"), seed.REGULATOR, "regulator", B(until))


def award(tender: TenderState, bidder: str, at: datetime) -> dict[str, object]:
    command = AwardLot(seed.CODE, "1", bidder)
    return dict(record(tender, command, seed.PURCHASER, "purchaser", at).facts)


def test_without_a_suspension_an_award_after_five_working_days_is_refused() -> None:
    with pytest.raises(RuleViolation, match=r"^refused by §29\.2 .*due by 2021-01-22T23:59:59"):
        award(reported(), seed.QXD, B("2021-01-25 09:00"))


def test_suspended_after_the_report_the_award_and_the_next_candidate_remain_possible() -> None:
    tender = reported()
    suspend(tender, "2021-01-18 09:00", "2021-02-01 09:00")
    award(tender, seed.QXD, B("2021-02-02 10:00"))
    unable = RecordWinnerUnable(seed.CODE, "1", "无法履约")
    facts = record(tender, unable, seed.PURCHASER, "purchaser", B("2021-02-03 10:00")).facts
    assert facts["next_candidate"] == seed.RUNHUA
    award(tender, seed.RUNHUA, B("2021-02-04 10:00"))
    assert tender.lots["1"].award is not None
    assert tender.lots["1"].award["bidder"] == seed.RUNHUA


def test_the_award_clock_gets_back_the_working_days_it_had_left() -> None:
    """Monday 01-18 to Wednesday 01-20 suspended: 01-18, 01-19, 01-20 do not count, so the
    five days after the report are 01-21, 01-22, 01-25, 01-26, 01-27."""
    tender = reported()
    suspend(tender, "2021-01-18 09:00", "2021-01-20 16:00")
    award(tender, seed.QXD, B("2021-01-27 17:00"))
    with pytest.raises(RuleViolation, match=r"§29\.2 .*due by 2021-01-27T23:59:59"):
        award(reported_and_suspended(), seed.QXD, B("2021-01-28 09:00"))


def reported_and_suspended() -> TenderState:
    tender = reported()
    suspend(tender, "2021-01-18 09:00", "2021-01-20 16:00")
    return tender


def test_a_lapsed_bid_is_not_awarded() -> None:
    tender = reported(validity_days=5)  # valid until 2021-01-20 23:59:59
    award(reported(validity_days=5), seed.QXD, B("2021-01-20 17:00"))
    for bidder in CANDIDATES:
        with pytest.raises(RuleViolation, match=rf"^refused by §17\.1 .*{bidder} was valid until"):
            award(tender, bidder, B("2021-01-21 10:00"))


def extend(tender: TenderState, at: str, until: str = "2021-02-28") -> dict[str, object]:
    request = RequestValidityExtension(seed.CODE, datetime.fromisoformat(until).date(), "评审延期")
    return dict(record(tender, request, seed.AGENCY, "agency", B(at)).facts)


def answer(tender: TenderState, bidder: str, accept: bool, at: str) -> dict[str, object]:
    command = AnswerValidityExtension(seed.CODE, "1", accept)
    return dict(record(tender, command, bidder, "bidder", B(at)).facts)


def test_a_bidder_that_accepts_an_extension_stays_valid_one_that_refuses_lapses() -> None:
    tender = reported(validity_days=5)
    facts = extend(tender, "2021-01-18 10:00")
    assert facts == {
        "request_id": "V1",
        "original_end": "2021-01-20T23:59:59+08:00",
        "until": "2021-02-28T23:59:59+08:00",
    }
    assert answer(tender, seed.QXD, False, "2021-01-18 11:00")["valid_until"] == (
        "2021-01-20T23:59:59+08:00"
    )
    assert answer(tender, seed.RUNHUA, True, "2021-01-18 11:05")["valid_until"] == (
        "2021-02-28T23:59:59+08:00"
    )
    with pytest.raises(RuleViolation, match=rf"^refused by §17\.1 .*{seed.QXD}"):
        award(tender, seed.QXD, B("2021-01-21 10:00"))
    facts = award(tender, seed.RUNHUA, B("2021-01-21 10:00"))
    assert facts["lapsed"] == [seed.QXD, seed.SUPPLIER_A]
    assert facts["valid_until"] == "2021-02-28T23:59:59+08:00"


def test_an_extension_is_asked_before_validity_ends_and_answered_once() -> None:
    tender = reported(validity_days=5)
    with pytest.raises(RuleViolation, match=r"^refused by §17\.2 .*before that"):
        extend(tender, "2021-01-21 09:00")
    with pytest.raises(RuleViolation, match=r"^refused by §17\.2 .*a later day"):
        extend(tender, "2021-01-18 09:00", until="2021-01-20")
    extend(tender, "2021-01-18 10:00")
    answer(tender, seed.QXD, True, "2021-01-18 11:00")
    with pytest.raises(RuleViolation, match=r"^refused by §17\.2 .*already answered"):
        answer(tender, seed.QXD, False, "2021-01-18 12:00")
    with pytest.raises(RuleViolation, match=r"^refused by §17\.1 .*lapsed"):
        answer(tender, seed.RUNHUA, True, "2021-01-21 09:00")


def noticed(at: str = "2021-01-22 16:00") -> TenderState:
    """Lot 1 awarded to QXD, its notice (with the award letter) published at ``at``."""
    tender = reported()
    award(tender, seed.QXD, B("2021-01-22 15:00"))
    tender.lots["1"].notice_at = B(at)
    tender.lots["1"].publicity_ends = B("2021-01-25 23:59")
    return tender


def sign(tender: TenderState, at: str, amount: str = "334860.00") -> dict[str, object]:
    command = SignContract(seed.CODE, "1", CONTRACT, Decimal(amount))
    return dict(record(tender, command, seed.PURCHASER, "purchaser", B(at)).facts)


def test_a_contract_within_30_days_of_the_letter_is_on_time() -> None:
    facts = sign(noticed(), "2021-02-21 17:00")
    assert facts == {
        "winner": seed.QXD,
        "letter_at": "2021-01-22T16:00:00+08:00",
        "due": "2021-02-21T23:59:59+08:00",
    }


def test_a_contract_after_30_days_is_recorded_as_late() -> None:
    tender = noticed()
    facts = sign(tender, "2021-02-22 09:00")
    assert facts["late"] == {
        "rule": "CONTRACT_WITHIN_30_DAYS",
        "detail": "due by 2021-02-21T23:59:59+08:00, signed 2021-02-22T09:00:00+08:00",
    }
    assert tender.lots["1"].contract is not None


def test_a_contract_for_another_amount_is_refused() -> None:
    with pytest.raises(RuleViolation, match=r"^refused by §32\.1 .*334860\.00"):
        sign(noticed(), "2021-01-25 09:00", amount="340000.00")


def test_the_contract_is_filed_within_seven_working_days_of_signing() -> None:
    tender = noticed()
    # 7 working days from Friday 02-05: 02-07 (a make-up Sunday), 02-08, 02-09, 02-10, then
    # after the Spring Festival 02-18, 02-19 and 02-20 (a make-up Saturday)
    sign(tender, "2021-02-05 10:00")
    filing = FileContract(seed.CODE, "1")
    facts = decide(tender, filing, seed.PURCHASER, "purchaser", B("2021-02-20 17:00")).facts
    assert facts == {
        "filed_with": [seed.REGULATOR, seed.AGENCY],
        "due": "2021-02-20T23:59:59+08:00",
    }
    late = decide(tender, filing, seed.PURCHASER, "purchaser", B("2021-02-22 09:00")).facts
    assert late["late"]["rule"] == "CONTRACT_FILED"


def test_a_suspension_stops_the_contract_clock() -> None:
    tender = noticed()
    suspend(tender, "2021-02-01 10:00", "2021-02-03 10:00")  # three days not counted
    assert "late" not in sign(tender, "2021-02-24 17:00")


def challenged(filed: str = "2021-02-03 10:00") -> tuple[TenderState, str]:
    tender = noticed()
    tender.challenges["C1"] = Challenge("C1", "1", seed.RUNHUA, B(filed))
    return tender, "C1"


def test_a_challenge_answer_due_during_a_suspension_is_not_late_after_it() -> None:
    """Filed 02-03: due 02-18 without the suspension. Suspended 02-10 to 03-01, the answer had
    two working days left (02-08 and 02-09 were its 4th and 5th), so it is due 03-03."""
    tender, challenge_id = challenged()
    suspend(tender, "2021-02-10 10:00", "2021-03-01 10:00")
    command = AnswerChallenge(seed.CODE, challenge_id, "评分无误")
    on_time = decide(tender, command, seed.AGENCY, "agency", B("2021-03-03 17:00")).facts
    assert "late" not in on_time
    late = decide(tender, command, seed.AGENCY, "agency", B("2021-03-04 09:00")).facts
    assert "by 2021-03-03T23:59:59+08:00" in late["late"]["detail"]


def test_a_complaint_before_the_answer_is_due_is_refused_even_across_a_suspension() -> None:
    tender, challenge_id = challenged()
    suspend(tender, "2021-02-10 10:00", "2021-03-01 10:00")
    complaint = FileComplaint(seed.CODE, challenge_id, "未答复", "请求处理")
    with pytest.raises(RuleViolation, match=r"^refused by §36 .*due by 2021-03-03T23:59:59"):
        decide(tender, complaint, seed.RUNHUA, "bidder", B("2021-03-02 10:00"))
    record(tender, complaint, seed.RUNHUA, "bidder", B("2021-03-04 10:00"))
