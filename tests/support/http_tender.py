"""The seed tender played over HTTP: every step signed on the client's side and submitted.

Bids are sealed on the client to the officials' keys the server publishes; the officials
rebuild the tender from its events and open their shares on their own side. Reads taken
along the way (live, not replayed) are kept in ``Played.reads`` for the tests to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from commands import seed
from commands.client import Actor
from commands.demo_script import (
    BIDS,
    CORRECTED_LOTS,
    CORRECTION,
    EVALUATOR_SPREAD,
    NOT_DECRYPTED,
    SCORES,
)
from commands.http import LedgerClient, open_shares, submit_bid
from commands.messages import (
    AmendTender,
    Answer,
    AnswerChallenge,
    AskQuestion,
    AuthoriseDecryption,
    AwardLot,
    CheckIn,
    CloseDecryption,
    Command,
    CommitteeMember,
    ConformityResult,
    DeclareLotFailed,
    FileChallenge,
    FinaliseEvaluation,
    FormCommittee,
    ObtainDocuments,
    PublishAwardNotice,
    PublishClarification,
    QualificationResult,
    RecordConformity,
    RecordQualification,
    RespondToCorrection,
    RevealBids,
    ScoreSheet,
    SignReport,
    StartOpening,
    SubmitKeyShares,
    SubmitScores,
    WithdrawBid,
)
from tests.support.bids import bid_document
from tests.support.http import Served, register_over_http

B = seed.beijing
BIDDERS = (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, seed.SUPPLIER_B, seed.SUPPLIER_C)


@dataclass
class Played:
    """The tender as played: each command's answer, and the reads taken on the way."""

    served: Served
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reads: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> LedgerClient:
        return self.served.client

    def actor(self, party: str, role: str) -> Actor:
        return self.served.world.parties[party].as_role(role)

    def act(self, party: str, role: str, command: Command, at: str) -> dict[str, Any]:
        self.served.clock.set(B(at))
        answer = self.client.act(self.actor(party, role), command)
        self.answers.setdefault(command.kind(), []).append(answer)
        return answer


def play_over_http(served: Served) -> Played:
    """Register, publish, bid, open, evaluate, award and challenge, all over HTTP."""
    register_over_http(served)
    played = Played(served)
    _publication(played)
    _submission(played)
    _opening(played)
    _evaluation(played)
    _award(played)
    return played


def _publication(run: Played) -> None:
    run.act(seed.AGENCY, "agency", seed.invitation(run.served.world), "2020-12-25 09:00")
    for minute, bidder in enumerate((*BIDDERS, seed.SUPPLIER_D)):
        run.act(bidder, "bidder", ObtainDocuments(seed.CODE), f"2020-12-26 09:{minute:02d}")
    asked = run.act(
        seed.SUPPLIER_A,
        "bidder",
        AskQuestion(seed.CODE, "第2包预算金额以何者为准?"),
        "2020-12-28 10:00",
    )
    run.act(
        seed.AGENCY,
        "agency",
        AmendTender(seed.CODE, CORRECTION, True, CORRECTED_LOTS),
        "2020-12-29 09:00",
    )
    answer = Answer(str(asked["facts"]["question_id"]), "以2020-12-29更正公告为准:55.546万元。")
    run.act(
        seed.AGENCY, "agency", PublishClarification(seed.CODE, (answer,), True), "2020-12-29 09:10"
    )
    run.served.clock.set(B("2021-01-12 12:00"))
    run.reads["public_before_bids"] = run.client.get(f"/tenders/{seed.CODE}")


def _submission(run: Played) -> None:
    first = ("1", seed.SUPPLIER_A)
    for hour, (lot, bidder) in enumerate(BIDS):
        run.served.clock.set(B(f"2021-01-13 {9 + hour:02d}:00"))
        total = "405000.00" if (lot, bidder) == first else BIDS[(lot, bidder)]["total"]
        document = bid_document(lot, bidder, total, **_extras(BIDS[(lot, bidder)]))
        answer = submit_bid(
            run.client, run.actor(bidder, "bidder"), document, tender=seed.CODE, lot=lot
        )
        run.answers.setdefault("SubmitBid", []).append(answer)
    run.act(seed.SUPPLIER_A, "bidder", WithdrawBid(seed.CODE, "1"), "2021-01-14 09:00")
    run.served.clock.set(B("2021-01-14 09:05"))
    spec = BIDS[first]
    document = bid_document("1", seed.SUPPLIER_A, spec["total"], **_extras(spec))
    resubmitted = submit_bid(
        run.client, run.actor(seed.SUPPLIER_A, "bidder"), document, tender=seed.CODE, lot="1"
    )
    run.answers["SubmitBid"].append(resubmitted)
    for minute, (lot, bidder) in enumerate(BIDS):
        run.act(bidder, "bidder", CheckIn(seed.CODE, lot), f"2021-01-15 09:{minute:02d}")
    run.served.clock.set(B("2021-01-15 09:20"))
    run.reads["public_all_bids_in"] = run.client.get(f"/tenders/{seed.CODE}")
    for party in (seed.SUPPLIER_A, seed.QXD):
        path = f"/tenders/{seed.CODE}/bidder"
        run.reads[f"bidder_{party}"] = run.client.signed_get(run.actor(party, "bidder"), path)
    regulator = run.actor(seed.REGULATOR, "regulator")
    run.reads["regulator_before_reveal"] = run.client.signed_get(
        regulator, f"/tenders/{seed.CODE}/regulator"
    )


def _extras(spec: dict[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {"brand": spec.get("brand")}
    if spec.get("small_or_micro"):
        extras["small_or_micro"] = True
    if spec.get("capital"):
        extras["capital"] = spec["capital"]
    return extras


def _opening(run: Played) -> None:
    run.act(seed.AGENCY, "agency", StartOpening(seed.CODE), "2021-01-15 09:30")
    for minute, (lot, bidder) in enumerate(BIDS):
        if (lot, bidder) not in NOT_DECRYPTED:
            at = f"2021-01-15 09:{35 + minute:02d}"
            run.act(bidder, "bidder", AuthoriseDecryption(seed.CODE, lot), at)
    run.act(seed.AGENCY, "agency", CloseDecryption(seed.CODE), "2021-01-15 10:01")
    for minute, official in enumerate((seed.AGENCY, seed.REGULATOR)):
        run.served.clock.set(B(f"2021-01-15 10:{3 + minute:02d}"))
        participant = run.served.world.parties[official]
        assert participant.box_key is not None
        actor = run.actor(official, "official")
        mine = open_shares(run.client, actor, participant.box_key, seed.CODE)
        run.act(
            official,
            "official",
            SubmitKeyShares(seed.CODE, mine.shares, mine.unopenable or None),
            f"2021-01-15 10:{3 + minute:02d}",
        )
    run.act(seed.AGENCY, "agency", RevealBids(seed.CODE), "2021-01-15 10:05")
    run.act(
        seed.SUPPLIER_A, "bidder", RespondToCorrection(seed.CODE, "2", True), "2021-01-15 10:15"
    )


def _evaluation(run: Played) -> None:
    valid = {
        lot: sorted(b for (at, b) in BIDS if at == lot and (at, b) not in NOT_DECRYPTED)
        for lot in "123"
    }
    for lot in "123":
        results = tuple(
            QualificationResult(bidder, True, "资格证明文件齐全") for bidder in valid[lot]
        )
        run.act(
            seed.PURCHASER,
            "purchaser",
            RecordQualification(seed.CODE, lot, results),
            "2021-01-15 10:30",
        )
    members = tuple(
        CommitteeMember(party, "purchaser_representative" if index == 0 else "expert")
        for index, party in enumerate(seed.COMMITTEE)
    )
    run.act(seed.AGENCY, "agency", FormCommittee(seed.CODE, members), "2021-01-15 10:40")
    for lot, signers in (("1", seed.COMMITTEE[:3]), ("2", seed.COMMITTEE[2:])):
        results = tuple(ConformityResult(bidder, True, "实质性响应") for bidder in valid[lot])
        for minute, member in enumerate(signers):
            at = f"2021-01-15 11:{10 * int(lot) + minute:02d}"
            run.act(member, "evaluator", RecordConformity(seed.CODE, lot, results), at)
    for lot in ("1", "2"):
        _score(run, lot)
    reason = "§24.1 合格投标人不足三家,本包废标"
    run.act(seed.AGENCY, "agency", DeclareLotFailed(seed.CODE, "3", reason), "2021-01-15 16:00")


def _score(run: Played, lot: str) -> None:
    for index, evaluator in enumerate(seed.COMMITTEE):
        spread = Decimal(EVALUATOR_SPREAD[index])
        sheets = tuple(
            ScoreSheet(bidder, Decimal(business) + spread, Decimal(technical) + spread)
            for bidder, (business, technical) in SCORES[lot].items()
        )
        at = f"2021-01-15 {13 + int(lot)}:{index * 5:02d}"
        run.act(evaluator, "evaluator", SubmitScores(seed.CODE, lot, sheets), at)
    final = run.act(
        seed.AGENCY, "agency", FinaliseEvaluation(seed.CODE, lot), f"2021-01-15 {13 + int(lot)}:30"
    )
    digest = str(final["facts"]["report_digest"])
    for index, evaluator in enumerate(seed.COMMITTEE):
        at = f"2021-01-15 {13 + int(lot)}:{35 + index:02d}"
        run.act(evaluator, "evaluator", SignReport(seed.CODE, lot, digest), at)


def _award(run: Played) -> None:
    for lot, winner in (("1", seed.QXD), ("2", seed.RUNHUA)):
        run.act(
            seed.PURCHASER, "purchaser", AwardLot(seed.CODE, lot, winner), f"2021-01-18 1{lot}:00"
        )
        run.act(seed.AGENCY, "agency", PublishAwardNotice(seed.CODE, lot), f"2021-01-18 1{lot}:30")
    challenge = FileChallenge(
        *(seed.CODE, "1", "演示供应商乙", "演示地址", "0718-0000000", "第1包中标结果"),
        *("中标人报价明显偏低", "请求复核第1包评审结果", "开标记录及报价对比", "2021-01-20"),
        "演示供应商乙法定代表人",
    )
    filed = run.act(seed.SUPPLIER_B, "bidder", challenge, "2021-01-20 10:00")
    answer = AnswerChallenge(
        seed.CODE, str(filed["facts"]["challenge_id"]), "经复核,维持原中标结果。"
    )
    run.act(seed.AGENCY, "agency", answer, "2021-01-22 10:00")
