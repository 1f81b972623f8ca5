"""The seed tender XFZFCG-2020-33 acted out on the seed's own dates, by parties with real keys.

Every step is a signed command through the service. Attempts the rules refuse are kept
with their refusal (nothing of them is written to the log).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from commands import remote_seed, seed
from commands.bidder import seal_for_tender
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
    LotChange,
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
    SubmitBid,
    SubmitKeyShares,
    SubmitScores,
    WithdrawBid,
)
from commands.official import open_my_shares
from commands.service import Outcome
from commands.world import World
from ledger.errors import RuleViolation
from ledger.notes import NoteSigner
from ledger.numerals import format_capital_amount
from ledger.procedure.state import TenderState, tender_stream

B = seed.beijing
LOG_ORIGIN = "bidledger.example/enshi-platform"
WITNESS_NAME = f"{seed.REGULATOR}.example/witness"
BIDS: dict[tuple[str, str], dict[str, Any]] = {
    ("1", seed.QXD): {"total": "334860.00", "small_or_micro": True, "brand": "亲兄弟"},
    ("1", seed.SUPPLIER_A): {"total": "398000.00", "brand": "演示品牌A"},
    ("1", seed.SUPPLIER_B): {"total": "421500.00", "brand": "演示品牌B"},
    ("2", seed.RUNHUA): {"total": "465430.00", "brand": "润华"},
    ("2", seed.SUPPLIER_A): {
        "total": "498000.00",
        "capital": "肆拾捌万玖仟元整",
        "brand": "演示品牌A",
    },
    ("2", seed.SUPPLIER_B): {"total": "512000.00", "brand": "演示品牌B"},
    ("2", seed.SUPPLIER_C): {"total": "470000.00", "small_or_micro": True, "brand": "演示品牌C"},
    ("3", seed.SUPPLIER_D): {"total": "300000.00", "small_or_micro": True, "brand": "演示品牌D"},
    ("3", seed.SUPPLIER_A): {"total": "318000.00", "brand": "演示品牌A"},
}
NOT_DECRYPTED = {("2", seed.SUPPLIER_C)}
# The seed does not show its correction notice of 2020-12-29. Chapter 3 gives the dormitory
# lot a budget of 55.546 万元 where the invitation says 42.24 (and 55.546 for the canteen);
# swapping the two budgets fits every fact: the total stays 132 万元, chapter 3's dormitory
# items sum to 55.546, and both awards (33.486 and 46.543) fall under their lots' ceilings.
CORRECTION = (
    "更正公告(演示):第1包食堂设备预算金额及最高限价更正为42.24万元,第2包宿舍设备预算金额及"
    "最高限价更正为55.546万元,合计132万元不变"
)
CORRECTED_LOTS = (
    LotChange("1", Decimal("422400.00"), Decimal("422400.00")),
    LotChange("2", Decimal("555460.00"), Decimal("555460.00")),
)
ILLUSTRATIVE = (
    "Illustrative, not in the seed: the correction notice's content (the seed does not show "
    "it; the two budgets swapped, canteen 42.24 and dormitory 55.546 万元, total 132 万元), "
    "the question and answers, the suppliers marked 演示 and every bid but the two awards, "
    "the scores, the challenge, and the times within each day."
)
# (business, technical) by evaluator, per lot and bidder; price points are the ledger's.
SCORES: dict[str, dict[str, tuple[str, str]]] = {
    "1": {
        seed.QXD: ("26.00", "34.00"),
        seed.SUPPLIER_A: ("25.00", "33.50"),
        seed.SUPPLIER_B: ("23.00", "31.00"),
    },
    "2": {
        seed.RUNHUA: ("27.00", "35.00"),
        seed.SUPPLIER_A: ("25.50", "33.00"),
        seed.SUPPLIER_B: ("24.00", "32.50"),
    },
}
EVALUATOR_SPREAD = ("0.00", "-0.50", "0.50", "-1.00", "1.00")


@dataclass
class DemoRun:
    world: World
    witness: NoteSigner | None = None

    def act(self, party: str, role: str, command: Command, at: str) -> Outcome:
        return self.world.act(party, role, command, at=B(at))

    def attempt(self, party: str, role: str, command: Command, at: str, what: str) -> None:
        """Try a command the rules must refuse; the ledger keeps it in the attempts stream."""
        try:
            self.world.act(party, role, command, at=B(at))
        except RuleViolation:
            return
        raise AssertionError(f"the ledger accepted what it must refuse: {what}")

    def tender(self) -> TenderState:
        return self.world.service.tender(tender_stream(seed.CODE))

    def facts(self, outcome: Outcome) -> Mapping[str, Any]:
        event = self.world.service.store.event_at(outcome.stream, outcome.version)
        return dict(event.facts)


def play(
    world: World, *, log: NoteSigner | None = None, witness: NoteSigner | None = None
) -> DemoRun:
    """Run the whole procedure on ``world``.

    With ``log`` (the service's checkpoint key) that key is registered for the platform;
    with ``witness`` the regulator's witness key too (the service's witnesses then cosign
    the deadline, opening and award checkpoints, T4, T8).
    """
    run = DemoRun(world)
    world.clock.set(B("2020-12-20 09:00"))
    seed.register_seed_parties(world)
    remote_seed.register_remote_parties(world)
    if log is not None:
        world.register_note_key(seed.PLATFORM, log)
    if witness is not None:
        run.witness = witness
        world.register_note_key(seed.REGULATOR, witness, ("regulator",))
    world.clock.set(B("2020-12-21 09:00"))
    remote_seed.set_up_pools(world)  # the centres' agreement and their experts
    _publication(run)
    _submission(run)
    _opening(run)
    remote_seed.run_draw(world)  # 10:16-10:21: plan, commitments, reveals, draw, a decline
    _evaluation(run)
    _award(run)
    return run


def _publication(run: DemoRun) -> None:
    run.act(seed.AGENCY, "agency", seed.invitation(run.world), "2020-12-25 09:00")
    remote_seed.fix_venues(run.world, B("2020-12-25 09:05"))  # main and secondary venue
    for half_hours, bidder in enumerate(
        (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, seed.SUPPLIER_B, seed.SUPPLIER_C, seed.SUPPLIER_D)
    ):  # within the download hours, 08:30-12:00 (invitation 三)
        run.act(
            bidder,
            "bidder",
            ObtainDocuments(seed.CODE),
            f"2020-12-26 {9 + half_hours // 2:02d}:{30 * (half_hours % 2):02d}",
        )
    asked = run.act(
        seed.SUPPLIER_A,
        "bidder",
        AskQuestion(seed.CODE, "第2包预算金额:第一章为42.24万元,第三章为55.546万元,以何者为准?"),
        "2020-12-28 10:00",
    )
    run.act(
        seed.AGENCY,
        "agency",
        AmendTender(seed.CODE, CORRECTION, True, CORRECTED_LOTS),
        "2020-12-29 09:00",
    )
    run.act(
        seed.AGENCY,
        "agency",
        PublishClarification(
            seed.CODE,
            (
                Answer(
                    str(run.facts(asked)["question_id"]),
                    "第2包预算金额及最高限价以2020-12-29更正公告为准:55.546万元。",
                ),
            ),
            True,
        ),
        "2020-12-29 09:10",
    )


def _submission(run: DemoRun) -> None:
    tender = run.tender()
    officials = [(o["party"], o["encryption_key"]) for o in tender.officials]
    sealed = {key: _seal(key, spec, officials, tender.threshold) for key, spec in BIDS.items()}
    modified = ("1", seed.SUPPLIER_A)
    first = _seal(modified, {"total": "405000.00"}, officials, tender.threshold)
    for hour, (key, bid) in enumerate(sealed.items()):
        submitted = first if key == modified else bid
        run.act(
            key[1],
            "bidder",
            SubmitBid(seed.CODE, key[0], submitted),
            f"2021-01-13 {9 + hour:02d}:00",
        )
    run.act(seed.SUPPLIER_A, "bidder", WithdrawBid(seed.CODE, "1"), "2021-01-14 09:00")
    run.act(
        seed.SUPPLIER_A, "bidder", SubmitBid(seed.CODE, "1", sealed[modified]), "2021-01-14 09:05"
    )
    for minute, (lot, bidder) in enumerate(BIDS):
        run.act(bidder, "bidder", CheckIn(seed.CODE, lot), f"2021-01-15 09:{minute:02d}")


def _opening(run: DemoRun) -> None:
    run.act(seed.AGENCY, "agency", StartOpening(seed.CODE), "2021-01-15 09:30")
    tender = run.tender()
    officials = [(o["party"], o["encryption_key"]) for o in tender.officials]
    late = _seal(("1", seed.SUPPLIER_C), {"total": "389000.00"}, officials, tender.threshold)
    run.attempt(
        seed.SUPPLIER_C,
        "bidder",
        SubmitBid(seed.CODE, "1", late),
        "2021-01-15 09:31",
        "submit a bid for lot 1 one minute after the deadline",
    )
    for minute, key in enumerate(BIDS):
        if key not in NOT_DECRYPTED:
            run.act(
                key[1],
                "bidder",
                AuthoriseDecryption(seed.CODE, key[0]),
                f"2021-01-15 09:{35 + minute:02d}",
            )
    run.attempt(
        seed.SUPPLIER_C,
        "bidder",
        AuthoriseDecryption(seed.CODE, "2"),
        "2021-01-15 10:01",
        "decrypt its lot-2 bid after the 30-minute decryption time",
    )
    run.act(seed.AGENCY, "agency", CloseDecryption(seed.CODE), "2021-01-15 10:01")
    for minute, official in enumerate((seed.AGENCY, seed.REGULATOR)):
        participant = run.world.parties[official]
        assert participant.box_key is not None
        mine = open_my_shares(run.tender(), official=official, private_key=participant.box_key)
        run.act(
            official,
            "official",
            SubmitKeyShares(seed.CODE, mine.shares, mine.unopenable or None),
            f"2021-01-15 10:{3 + minute:02d}",
        )
    run.act(seed.AGENCY, "agency", RevealBids(seed.CODE), "2021-01-15 10:05")
    # read out at its capital amount (§26.4): the bidder confirms the correction of its figures
    run.act(
        seed.SUPPLIER_A, "bidder", RespondToCorrection(seed.CODE, "2", True), "2021-01-15 10:15"
    )


def _evaluation(run: DemoRun) -> None:
    for lot in ("1", "2", "3"):
        bidders = sorted(run.tender().lots[lot].valid_bids(), key=lambda bid: bid.bidder)
        run.act(
            seed.PURCHASER,
            "purchaser",
            RecordQualification(
                seed.CODE,
                lot,
                tuple(QualificationResult(bid.bidder, True, "资格证明文件齐全") for bid in bidders),
            ),
            "2021-01-15 10:30",
        )
    members = tuple(
        CommitteeMember(party, "purchaser_representative" if index == 0 else "expert")
        for index, party in enumerate(seed.COMMITTEE)
    )
    run.act(seed.AGENCY, "agency", FormCommittee(seed.CODE, members), "2021-01-15 10:40")
    run.attempt(
        seed.COMMITTEE[1],
        "evaluator",
        RecordConformity(seed.CODE, "1", ()),
        "2021-01-15 10:40",
        "take part in the evaluation before checking in at a venue",
    )
    remote_seed.check_in(run.world)  # each member at its venue, identity confirmed there
    remote_seed.open_session(run.world)  # both venues together
    for lot, signers in (("1", seed.COMMITTEE[:3]), ("2", seed.COMMITTEE[2:])):
        names = sorted(bid.bidder for bid in run.tender().lots[lot].valid_bids())
        conformity = RecordConformity(
            seed.CODE, lot, tuple(ConformityResult(bidder, True, "实质性响应") for bidder in names)
        )
        for minute, member in enumerate(signers):  # a majority of the committee signs it
            run.act(member, "evaluator", conformity, f"2021-01-15 11:{10 * int(lot) + minute:02d}")
    for lot in ("1", "2"):
        _score_lot(run, lot)
    remote_seed.close_session(run.world, B("2021-01-15 15:45"))
    run.act(
        seed.AGENCY,
        "agency",
        DeclareLotFailed(
            seed.CODE, "3", "合格投标人不足三家,不得评标;未经批准转为竞争性谈判,本包废标"
        ),
        "2021-01-15 16:00",
    )


def _score_lot(run: DemoRun, lot: str) -> None:
    for index, evaluator in enumerate(seed.COMMITTEE):
        spread = Decimal(EVALUATOR_SPREAD[index])
        sheets = tuple(
            ScoreSheet(bidder, Decimal(business) + spread, Decimal(technical) + spread)
            for bidder, (business, technical) in SCORES[lot].items()
        )
        run.act(
            evaluator,
            "evaluator",
            SubmitScores(seed.CODE, lot, sheets),
            f"2021-01-15 {13 + int(lot)}:{index * 5:02d}",
        )
    if lot == "1":  # the secondary venue loses its link: a suspension (§23.3)
        remote_seed.venue_outage(run.world, B("2021-01-15 14:22"), B("2021-01-15 14:28"))
    final = run.act(
        seed.AGENCY, "agency", FinaliseEvaluation(seed.CODE, lot), f"2021-01-15 {13 + int(lot)}:30"
    )
    digest = str(run.facts(final)["report_digest"])
    for index, evaluator in enumerate(seed.COMMITTEE):
        run.act(
            evaluator,
            "evaluator",
            SignReport(seed.CODE, lot, digest),
            f"2021-01-15 {13 + int(lot)}:{35 + index:02d}",
        )


def _award(run: DemoRun) -> None:
    run.attempt(
        seed.PURCHASER,
        "purchaser",
        AwardLot(seed.CODE, "1", seed.SUPPLIER_A),
        "2021-01-18 09:30",
        "award lot 1 to the second-ranked candidate",
    )
    for lot, winner in (("1", seed.QXD), ("2", seed.RUNHUA)):
        run.act(
            seed.PURCHASER, "purchaser", AwardLot(seed.CODE, lot, winner), f"2021-01-18 1{lot}:00"
        )
        run.act(seed.AGENCY, "agency", PublishAwardNotice(seed.CODE, lot), f"2021-01-18 1{lot}:30")
    challenge = run.act(
        seed.SUPPLIER_B,
        "bidder",
        FileChallenge(
            seed.CODE,
            "1",
            "演示供应商乙",
            "演示地址",
            "0718-0000000",
            "第1包中标结果",
            "中标人报价明显偏低,可能影响履约",
            "请求复核第1包评审结果",
            "开标记录及报价对比",
            "2021-01-20",
            "演示供应商乙法定代表人",
        ),
        "2021-01-20 10:00",
    )
    run.act(
        seed.AGENCY,
        "agency",
        AnswerChallenge(
            seed.CODE,
            str(run.facts(challenge)["challenge_id"]),
            "经复核,中标人报价经评标委员会审查未低于成本,评审程序合法,维持原中标结果。",
        ),
        "2021-01-22 10:00",
    )


def _seal(
    key: tuple[str, str], spec: Mapping[str, Any], officials: list[tuple[str, str]], threshold: int
) -> dict[str, Any]:
    lot, bidder = key
    total = str(spec["total"])
    document: dict[str, Any] = {
        "v": "bidledger/bid-document/v1",
        "lot": lot,
        "bidder": bidder,
        "total_figures": total,
        "total_capital": spec.get("capital") or format_capital_amount(Decimal(total)),
        "lines": [],
        "brand": spec.get("brand"),
        "small_or_micro": bool(spec.get("small_or_micro", False)),
        "consortium_sme_share": None,
        "business": "交货期30日,质保一年,免费上门服务",
        "technical": "满足全部★核心参数",
    }
    return seal_for_tender(
        document,
        tender_code=seed.CODE,
        lot=lot,
        bidder=bidder,
        officials=officials,
        threshold=threshold,
    )
