"""Publishing, documents, questions, clarifications and amendments (§6, §7, §11.6, invitation)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from commands import seed
from commands.messages import (
    AmendTender,
    Answer,
    AskQuestion,
    CommitteeTerms,
    LotChange,
    LotTerms,
    ObtainDocuments,
    PublishClarification,
    SubmitBid,
)
from commands.world import World
from ledger.envelope import sign_command
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.state import tender_stream
from tests.conftest import tender_of
from tests.support.bids import sealed_bid

STREAM = tender_stream(seed.CODE)
QXD_NAME = "武汉亲兄弟酒店用品有限公司"


def _log_size(world: World) -> int:
    return sum(1 for _ in world.service.store.log())


def _publish(world: World) -> None:
    world.act(seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00"))


def test_publishing_a_ceiling_above_the_budget_is_refused(world: World) -> None:
    invitation = seed.invitation(world)
    lots = (
        LotTerms("1", "食堂设备", Decimal("555460.00"), Decimal("555460.01")),
        *invitation.lots[1:],
    )
    size = _log_size(world)
    with pytest.raises(RuleViolation) as caught:
        world.act(
            seed.AGENCY,
            "agency",
            dataclasses.replace(invitation, lots=lots),
            at=seed.beijing("2020-12-25 09:00"),
        )
    assert str(caught.value) == (
        "refused by §11.6 (each lot has a budget and a ceiling price not above it): "
        "lot 1: budget 555460.00, ceiling 555460.01"
    )
    assert not world.service.store.exists(STREAM)
    assert _log_size(world) == size + 1  # the refusal, kept in the attempts stream only
    assert world.service.store.exists(attempts_stream(STREAM))


def test_a_project_code_published_twice_is_refused(published: World) -> None:
    before, size = tender_of(published).version, _log_size(published)
    with pytest.raises(RuleViolation) as caught:
        published.act(seed.AGENCY, "agency", seed.invitation(published))
    assert str(caught.value) == (
        "refused by invitation (a project code is published once): "
        "a tender with this project code is already published"
    )
    assert (tender_of(published).version, _log_size(published)) == (before, size + 1)


@pytest.mark.parametrize("moment", ["2020-12-26 08:29", "2021-01-15 09:31"])
def test_documents_outside_the_download_window_are_refused(world: World, moment: str) -> None:
    _publish(world)
    before = tender_of(world).version
    with pytest.raises(RuleViolation) as caught:
        world.act(seed.QXD, "bidder", ObtainDocuments(seed.CODE), at=seed.beijing(moment))
    assert str(caught.value) == (
        "refused by invitation §3 (the documents are obtained within the download window): "
        "documents are available from 2020-12-26T08:30:00+08:00 to 2021-01-15T09:30:00+08:00, "
        f"not at {seed.beijing(moment).isoformat()}"
    )
    assert tender_of(world).version == before
    assert seed.QXD not in tender_of(world).documents_obtained


def test_documents_at_the_opening_of_the_window_are_obtained(world: World) -> None:
    _publish(world)
    world.act(seed.QXD, "bidder", ObtainDocuments(seed.CODE), at=seed.beijing("2020-12-26 08:30"))
    assert tender_of(world).documents_obtained == {seed.QXD: seed.beijing("2020-12-26 08:30")}


def test_a_bid_from_a_bidder_that_never_obtained_the_documents_is_refused(world: World) -> None:
    _publish(world)
    world.act(
        seed.RUNHUA, "bidder", ObtainDocuments(seed.CODE), at=seed.beijing("2020-12-28 09:00")
    )
    sealed = sealed_bid(tender_of(world), "1", seed.QXD, "334860.00")
    before = tender_of(world).version
    with pytest.raises(RuleViolation) as caught:
        world.act(
            seed.QXD,
            "bidder",
            SubmitBid(seed.CODE, "1", sealed),
            at=seed.beijing("2021-01-10 10:00"),
        )
    assert str(caught.value) == (
        "refused by invitation §3 (a bidder must have obtained the documents to bid): "
        f"{seed.QXD} never obtained the documents"
    )
    assert tender_of(world).version == before
    assert tender_of(world).lots["1"].bids == {}


def test_a_question_after_the_question_deadline_is_refused(published: World) -> None:
    published.act(
        seed.QXD,
        "bidder",
        AskQuestion(seed.CODE, "交货期可否延长?"),
        at=seed.beijing("2021-01-07 17:30"),
    )
    before = tender_of(published).version
    with pytest.raises(RuleViolation) as caught:
        published.act(
            seed.RUNHUA,
            "bidder",
            AskQuestion(seed.CODE, "样品何时提交?"),
            at=seed.beijing("2021-01-07 17:31"),
        )
    assert str(caught.value) == (
        "refused by §6.1 (questions are asked before the question deadline): "
        "questions closed at 2021-01-07T17:30:00+08:00"
    )
    assert tender_of(published).version == before
    assert [q["asker"] for q in tender_of(published).questions.values()] == [seed.QXD]


def _asked(world: World) -> str:
    world.act(
        seed.QXD,
        "bidder",
        AskQuestion(seed.CODE, "第2包预算是42.24万还是55.546万?"),
        at=seed.beijing("2021-01-04 10:00"),
    )
    (question_id,) = tender_of(world).questions
    return question_id


@pytest.mark.parametrize("tell", [QXD_NAME, seed.QXD])
def test_a_clarification_naming_the_asker_is_refused(published: World, tell: str) -> None:
    question_id = _asked(published)
    before = tender_of(published).version
    answer = Answer(question_id, f"{tell}所问: 以更正公告为准")
    with pytest.raises(RuleViolation) as caught:
        published.act(seed.AGENCY, "agency", PublishClarification(seed.CODE, (answer,), False))
    assert str(caught.value) == (
        "refused by §6.1 (an answer never names who asked): "
        f"answer to {question_id} names the party that asked"
    )
    assert tender_of(published).version == before
    assert tender_of(published).clarifications == []


def test_a_clarification_that_does_not_name_the_asker_is_published_without_it(
    published: World,
) -> None:
    question_id = _asked(published)
    text = "第2包预算以2020-12-29更正公告为准: 555460.00元"
    outcome = published.act(
        seed.AGENCY, "agency", PublishClarification(seed.CODE, (Answer(question_id, text),), False)
    )
    event = published.service.store.event_at(STREAM, outcome.version)
    assert event.actor == seed.AGENCY
    assert event.args == {
        "answers": [{"question_id": question_id, "answer": text}],
        "affects_preparation": False,
    }
    stored = json.dumps(event.args, ensure_ascii=False) + json.dumps(event.facts)
    assert seed.QXD not in stored
    assert QXD_NAME not in stored
    assert tender_of(published).questions[question_id]["answered"] is True


def test_a_clarification_with_an_asker_field_is_refused(published: World) -> None:
    question_id = _asked(published)
    answers = [{"question_id": question_id, "answer": "以更正公告为准", "asker": seed.QXD}]
    command = sign_command(
        published.parties[seed.AGENCY].signer,
        command="PublishClarification",
        stream=str(STREAM),
        actor=seed.AGENCY,
        role="agency",
        args={"answers": answers},
    )
    before = tender_of(published).version
    with pytest.raises(InvalidInput) as caught:
        published.service.execute(command)
    assert str(caught.value) == "PublishClarification.args.answers[0]: unknown field 'asker'"
    assert tender_of(published).version == before


def _amend(
    world: World,
    at: str,
    *,
    affects: bool = True,
    lots: tuple[LotChange, ...] = (),
    new_deadline: str | None = None,
) -> dict[str, object]:
    deadline = None if new_deadline is None else seed.beijing(new_deadline)
    outcome = world.act(
        seed.AGENCY,
        "agency",
        AmendTender(seed.CODE, "更正公告", affects, lots, deadline),
        at=seed.beijing(at),
    )
    facts: dict[str, object] = world.service.store.event_at(STREAM, outcome.version).facts
    return facts


def test_a_late_amendment_moves_the_deadline_to_the_one_the_agency_set(published: World) -> None:
    facts = _amend(published, "2021-01-05 09:30", new_deadline="2021-01-20 09:30")
    assert facts == {
        "deadline": "2021-01-20T09:30:00+08:00",
        "reason": {
            "rule": "AMENDMENT_POSTPONES",
            "detail": "amendment published 2021-01-05T09:30:00+08:00, less than 15 days "
            "before the deadline 2021-01-15T09:30:00+08:00; the agency set the new deadline",
        },
    }
    tender = tender_of(published)
    assert tender.deadline == seed.beijing("2021-01-20 09:30")
    assert tender.timetable is not None
    assert tender.timetable.documents_until == seed.beijing("2021-01-20 09:30")
    assert tender.deadline_history == [
        {
            "from": "2021-01-15T09:30:00+08:00",
            "to": "2021-01-20T09:30:00+08:00",
            "reason": "§7.1 (a clarification or amendment that may affect bid preparation, "
            "published less than 15 days before the deadline, postpones it to at least 15 days "
            "after the change): amendment published 2021-01-05T09:30:00+08:00, less than 15 "
            "days before the deadline 2021-01-15T09:30:00+08:00; the agency set the new deadline",
        }
    ]


def test_after_a_postponement_the_new_deadline_is_the_one_enforced(published: World) -> None:
    _amend(published, "2021-01-05 09:30", new_deadline="2021-01-20 09:30")
    tender = tender_of(published)
    between = sealed_bid(tender, "1", seed.QXD, "334860.00")
    published.act(
        seed.QXD, "bidder", SubmitBid(seed.CODE, "1", between), at=seed.beijing("2021-01-18 10:00")
    )
    assert tender_of(published).lots["1"].bids[seed.QXD].status == "sealed"
    late = sealed_bid(tender, "1", seed.RUNHUA, "400000.00")
    before = tender_of(published).version
    with pytest.raises(RuleViolation) as caught:
        published.act(
            seed.RUNHUA,
            "bidder",
            SubmitBid(seed.CODE, "1", late),
            at=seed.beijing("2021-01-20 09:30"),
        )
    assert str(caught.value) == (
        "refused by §21.1 (bids received after the submission deadline are rejected): "
        "the submission deadline 2021-01-20T09:30:00+08:00 has passed "
        "(now 2021-01-20T09:30:00+08:00)"
    )
    assert tender_of(published).version == before


def test_the_seeds_correction_notice_17_days_before_leaves_the_deadline(published: World) -> None:
    change = LotChange("2", Decimal("555460.00"), Decimal("555460.00"))
    facts = _amend(published, "2020-12-29 09:30", lots=(change,))
    assert facts == {}
    tender = tender_of(published)
    assert (tender.lots["2"].budget, tender.lots["2"].ceiling) == (
        Decimal("555460.00"),
        Decimal("555460.00"),
    )
    assert tender.lots["1"].budget == Decimal("555460.00")
    assert tender.lots["3"].budget == Decimal("342140.00")
    assert tender.deadline == seed.beijing("2021-01-15 09:30")
    assert tender.deadline_history == []
    assert [a["summary"] for a in tender.amendments] == ["更正公告"]


def test_an_amendment_exactly_15_days_before_leaves_the_deadline(published: World) -> None:
    assert _amend(published, "2020-12-31 09:30") == {}
    assert tender_of(published).deadline == seed.beijing("2021-01-15 09:30")


def test_a_late_amendment_that_does_not_affect_preparation_leaves_the_deadline(
    published: World,
) -> None:
    assert _amend(published, "2021-01-05 09:30", affects=False) == {}
    assert tender_of(published).deadline == seed.beijing("2021-01-15 09:30")


def test_an_amendment_raising_a_ceiling_above_its_budget_is_refused(published: World) -> None:
    before = tender_of(published).version
    with pytest.raises(
        RuleViolation,
        match=r"^refused by §11\.6 .*: lot 3: budget 342140\.00, "
        r"ceiling 342140\.01$",
    ):
        _amend(published, "2020-12-29 09:30", lots=(LotChange("3", ceiling=Decimal("342140.01")),))
    assert tender_of(published).version == before


def test_a_late_change_of_a_ceiling_needs_a_postponement_whatever_the_agency_flags(
    published: World,
) -> None:
    lots = (LotChange("1", ceiling=Decimal("400000.00")),)
    change = AmendTender(seed.CODE, "第1包最高限价调整", False, lots)
    with pytest.raises(RuleViolation, match=r"^refused by §7\.1 .*must set a new deadline"):
        published.act(seed.AGENCY, "agency", change, at=seed.beijing("2021-01-14 09:00"))
    postponed = dataclasses.replace(change, new_deadline=seed.beijing("2021-01-29 09:30"))
    published.act(seed.AGENCY, "agency", postponed)
    assert tender_of(published).deadline == seed.beijing("2021-01-29 09:30")


def test_a_committee_without_two_thirds_experts_is_refused_at_publication(world: World) -> None:
    notice = dataclasses.replace(seed.invitation(world), committee=CommitteeTerms(4, 1))
    with pytest.raises(RuleViolation, match=r"front table 13.*4 purchaser representative"):
        world.act(seed.AGENCY, "agency", notice, at=seed.beijing("2020-12-25 09:00"))
    assert not world.service.store.exists(tender_stream(seed.CODE))
