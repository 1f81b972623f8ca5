"""The published steps of a tender, each a release with its OCDS tag.

| event | tag |
|---|---|
| TenderPublished (招标公告) | tender |
| TenderAmended (更正公告) | tenderAmendment |
| ClarificationPublished (澄清) | tenderUpdate, or tenderAmendment when it moved the deadline |
| BidsRevealed (开标记录, 唱标) | tenderUpdate: the bids, after the opening |
| LotFailed (废标) | tenderCancellation of the lot |
| AwardNoticePublished (中标公告) | award |
| WinnerUnableRecorded; ComplaintDecided annulling or re-evaluating | awardCancellation |
| ChallengeAnswered, ComplaintDecided otherwise | awardUpdate (tenderUpdate before any award) |
| ContractSigned / ContractFiled | contract / contractUpdate |

What a release repeats of earlier steps (the amendment history, notices, awards, contracts)
is kept here in :class:`Published`, since the tender state keeps only the current award.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger.procedure.records import EventRecord
from ledger.procedure.state import TenderState
from ledger.rules.catalogue import WINNER_UNABLE, describe
from projections.tender_state import moment


@dataclass(frozen=True)
class Step:
    """One published step: its release id, tags and date."""

    release_id: str
    tags: tuple[str, ...]
    date: str


@dataclass
class Published:
    """What the releases so far published, repeated by every later release."""

    count: int = 0
    last_release_id: str | None = None
    documents: list[dict[str, Any]] = field(default_factory=list)
    amendments: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)

    def active_award(self, lot: str) -> dict[str, Any] | None:
        return next((a for a in self.awards if a["lot"] == lot and a["status"] == "active"), None)


Handler = Callable[[TenderState, EventRecord, Published, str], tuple[str, ...] | None]


def publish_step(
    tender: TenderState, event: EventRecord, published: Published, ocid: str
) -> Step | None:
    """The release step ``event`` makes (``tender`` already changed by it), or None."""
    handler = _HANDLERS.get(event.type)
    if handler is None:
        return None
    release_id = f"{ocid}-{published.count + 1:04d}"
    tags = handler(tender, event, published, release_id)
    if tags is None:
        return None
    published.count += 1
    published.last_release_id = release_id
    return Step(release_id, tags, _when(event))


def document(
    doc_id: str, kind: str, title: str, date: str, description: str | None = None
) -> dict[str, Any]:
    """An OCDS document (no URL: the ledger's event is the document of record)."""
    doc = {"id": doc_id, "documentType": kind, "title": title, "datePublished": date}
    if description:
        doc["description"] = description
    doc["language"] = "zh"
    return doc


def _when(event: EventRecord) -> str:
    return str(moment(event.time))


def _published(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    days = tender.terms.get("announcement_working_days", 5)
    published.documents.append(
        document("notice-1", "tenderNotice", "招标公告", _when(event), f"公告期限:{days}个工作日")
    )
    return ("tender",)


def _amended(tender: TenderState, event: EventRecord, published: Published, rid: str) -> Any:
    summary = str(event.args["summary"])
    _amendment(event, published, rid, summary)
    number = len(published.amendments)
    published.documents.append(
        document(f"amendment-{number}", "tenderNotice", "更正公告", _when(event), summary)
    )
    return ("tenderAmendment",)


def _clarified(tender: TenderState, event: EventRecord, published: Published, rid: str) -> Any:
    answers = "\n".join(str(answer["answer"]) for answer in event.args["answers"])
    number = sum(1 for d in published.documents if d["documentType"] == "clarifications") + 1
    published.documents.append(
        document(f"clarification-{number}", "clarifications", "澄清", _when(event), answers)
    )
    if event.facts.get("deadline"):
        _amendment(event, published, rid, f"澄清:{answers}")
        return ("tenderAmendment",)
    return ("tenderUpdate",)


def _amendment(event: EventRecord, published: Published, rid: str, rationale: str) -> None:
    entry: dict[str, Any] = {
        "id": f"amendment-{len(published.amendments) + 1}",
        "date": _when(event),
        "rationale": rationale,
        "releaseID": rid,
    }
    if published.last_release_id is not None:
        entry["amendsReleaseID"] = published.last_release_id
    deadline = event.facts.get("deadline")
    if deadline:
        reason = event.facts.get("reason")
        why = f"({describe(reason)})" if isinstance(reason, dict) else ""
        entry["description"] = f"投标截止时间延至 {deadline}{why}"
    published.amendments.append(entry)


def _revealed(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    published.documents.append(
        document("opening-record", "bidders", "开标记录", _when(event), "开标、解密及唱标结果")
    )
    return ("tenderUpdate",)


def _failed(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    lot = str(event.args["lot"])
    published.documents.append(
        document(
            f"cancellation-{lot}",
            "cancellationDetails",
            f"第{lot}包废标公告",
            _when(event),
            describe(event.facts["failure"]),
        )
    )
    return ("tenderCancellation",)


def _noticed(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    facts = event.facts
    lot = str(event.args["lot"])
    number = sum(1 for award in published.awards if award["lot"] == lot) + 1
    letter = facts.get("award_letter", {})
    decided = (tender.lots[lot].award or {}).get("at", facts["notice_at"])
    published.awards.append(
        {
            "id": f"{lot}-{number}",
            "lot": lot,
            "bidder": facts["supplier"],
            "amount": facts["amount"],
            "date": decided,  # the purchaser's decision (§29.2); published with the notice
            "status": "active",
            "description": (
                f"公告期限:自本公告发布之日起{facts['publicity_working_days']}个工作日"
                f"(至 {facts['publicity_ends']})"
            ),
            "documents": [
                document(
                    f"award-notice-{lot}-{number}",
                    "awardNotice",
                    "中标公告",
                    facts["notice_at"],
                    f"中标通知书已于 {letter.get('issued_at', facts['notice_at'])} 发出",
                )
            ],
        }
    )
    return ("award",)


def _unable(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    why = f"中标人不能履行合同({WINNER_UNABLE.clause}):{event.args['reason']}"
    return _cancel_award(published, str(event.args["lot"]), why)


def _cancel_award(published: Published, lot: str, why: str) -> tuple[str, ...] | None:
    award = published.active_award(lot)
    if award is None:
        return None  # nothing of it was published
    award["status"] = "cancelled"
    award["description"] = f"{award['description']};已撤销:{why}"
    return ("awardCancellation",)


def _answered(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    challenge = tender.challenges[str(event.args["challenge_id"])]
    return _review_document(published, challenge.lot, "质疑答复", str(event.args["answer"]), event)


def _decided(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    lot = str(event.facts.get("lot", ""))
    decision = str(event.args["decision"])
    text = f"{_DECISIONS.get(decision, decision)}:{event.args.get('reasoning', '')}"
    if decision in ("annul", "re_evaluate"):
        cancelled = _cancel_award(published, lot, f"投诉处理决定,{text}")
        if cancelled is not None:
            return cancelled
    return _review_document(published, lot, "投诉处理决定", text, event)


_DECISIONS = {"dismiss": "驳回", "suspend": "暂停采购活动", "re_evaluate": "重新评审"}
_DECISIONS["annul"] = "撤销中标结果"


def _review_document(
    published: Published, lot: str, title: str, text: str, event: EventRecord
) -> tuple[str, ...]:
    """A challenge answer or complaint decision: on the lot's award, else on the tender."""
    award = published.active_award(lot)
    target = award["documents"] if award is not None else published.documents
    number = sum(1 for d in target if d["documentType"] == "complaints") + 1
    prefix = f"review-{lot}-" if lot else "review-"
    target.append(document(f"{prefix}{number}", "complaints", title, _when(event), text))
    return ("awardUpdate",) if award is not None else ("tenderUpdate",)


def _signed(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    lot = str(event.args["lot"])
    award = published.active_award(lot)
    if award is None:
        return None
    late = event.facts.get("late")
    published.contracts.append(
        {
            "id": f"contract-{award['id']}",
            "awardID": award["id"],
            "lot": lot,
            "amount": event.args["amount"],
            "dateSigned": _when(event),
            "sha256": event.args["contract_sha256"],
            "late": describe(late) if isinstance(late, dict) else None,
            "filed": None,
        }
    )
    return ("contract",)


def _filed(tender: TenderState, event: EventRecord, published: Published, _: str) -> Any:
    lot = str(event.args["lot"])
    contract = next((c for c in reversed(published.contracts) if c["lot"] == lot), None)
    if contract is None:
        return None
    late = event.facts.get("late")
    contract["filed"] = {
        "date": _when(event),
        "late": describe(late) if isinstance(late, dict) else None,
    }
    return ("contractUpdate",)


_HANDLERS: dict[str, Handler] = {
    "TenderPublished": _published,
    "TenderAmended": _amended,
    "ClarificationPublished": _clarified,
    "BidsRevealed": _revealed,
    "LotFailed": _failed,
    "AwardNoticePublished": _noticed,
    "WinnerUnableRecorded": _unable,
    "ChallengeAnswered": _answered,
    "ComplaintDecided": _decided,
    "ContractSigned": _signed,
    "ContractFiled": _filed,
}
