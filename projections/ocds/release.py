"""One OCDS 1.1 release: the tender as its published step leaves it, in full.

Each release repeats everything public at its step (a snapshot), so any one of them can be
read alone; merging them (:mod:`projections.ocds.package`) gives the record. Parties are
the registry's: the purchaser is the ``buyer``, the agency the ``procuringEntity``, the
regulator the ``reviewBody``; bidders (``tenderer``), askers (``enquirer``) and the bids
appear only once the bids are revealed at the opening (V1). Lots follow the OCDS lots
extension (``tender.lots``, ``relatedLots``). Money is CNY, yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.procedure.registry_state import RegistryState
from ledger.procedure.state import TenderState
from projections.ocds.awards import awards_and_contracts, bids_section, shown_bids
from projections.ocds.money import value
from projections.ocds.parties import Roles, parties
from projections.ocds.provenance import (
    OPENING,
    TENDER,
    EventRef,
    Provenance,
    asker_subject,
    bid_subject,
    lot_subject,
    party_subject,
)
from projections.ocds.steps import Published, Step
from projections.tender_state import moment

_LOT_STATUS = {"awarded": "complete", "failed": "cancelled"}
_METHOD = {"open": "公开招标"}


@dataclass(frozen=True)
class ReleaseInput:
    """What one release is made from: the step and the state it left."""

    ocid: str
    step: Step
    tender: TenderState
    registry: RegistryState
    published: Published
    provenance: Provenance
    trigger: EventRef


def build_release(source: ReleaseInput) -> dict[str, Any]:
    """The release of ``source.step``."""
    tender = source.tender
    opened = tender.revealed_at is not None
    roles = Roles()
    roles.add(tender.purchaser, "buyer")
    roles.add(tender.agency, "procuringEntity")
    roles.add(tender.regulator, "reviewBody")
    if opened:
        for asker in sorted({str(q["asker"]) for q in tender.questions.values()}):
            roles.add(asker, "enquirer")
    release: dict[str, Any] = {
        "ocid": source.ocid,
        "id": source.step.release_id,
        "date": source.step.date,
        "tag": list(source.step.tags),
        "initiationType": "tender",
        "language": "zh",
        "buyer": roles.reference(source.registry, tender.purchaser),
        "tender": _tender(source, roles),
    }
    if opened:
        release["bids"] = bids_section(tender, roles, source.registry)
    awards, contracts = awards_and_contracts(source.published, tender, roles, source.registry)
    if awards:
        release["awards"] = awards
    if contracts:
        release["contracts"] = contracts
    release["parties"] = parties(roles, source.registry)
    release["ledgerEvents"] = _ledger_events(source, roles, opened)
    return release


def _tender(source: ReleaseInput, roles: Roles) -> dict[str, Any]:
    tender, published = source.tender, source.published
    section: dict[str, Any] = {
        "id": tender.code,
        "title": tender.name,
        "description": f"采购计划备案号:{tender.plan}",
        "status": _tender_status(tender),
        "procuringEntity": roles.reference(source.registry, tender.agency),
        "value": value(sum((lot.budget for lot in tender.lots.values()), Decimal(0))),
        **_procedure(tender),
        "lots": [_lot(tender, lot_id) for lot_id in sorted(tender.lots)],
        "documents": [dict(doc) for doc in published.documents],
    }
    if published.amendments:
        section["amendments"] = [dict(amendment) for amendment in published.amendments]
    if tender.revealed_at is not None:
        bidders = sorted({bid.bidder for bid in shown_bids(tender)})
        section["numberOfTenderers"] = len(bidders)
        section["tenderers"] = [roles.reference(source.registry, b) for b in bidders]
    return section


def _procedure(tender: TenderState) -> dict[str, Any]:
    """How the tender is run: method, criteria, submission, its periods."""
    times = tender.timetable
    assert times is not None
    assert tender.published_at is not None
    return {
        "procurementMethod": "open",
        "procurementMethodDetails": _METHOD.get(str(tender.terms.get("method")), "公开招标"),
        "mainProcurementCategory": "goods",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": _criteria(tender.terms),
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": (
            f"电子投标,加密后上传;不见面开标,解密时间{times.decryption_minutes}分钟"
        ),
        "tenderPeriod": {
            "startDate": moment(times.documents_from),
            "endDate": moment(times.deadline),
        },
        "enquiryPeriod": {
            "startDate": moment(tender.published_at),
            "endDate": moment(times.questions_until),
        },
        "hasEnquiries": bool(tender.clarifications),
        "eligibilityCriteria": _eligibility(tender.terms),
    }


def _lot(tender: TenderState, lot_id: str) -> dict[str, Any]:
    lot = tender.lots[lot_id]
    description = f"预算金额 {lot.budget:f} 元,最高限价 {lot.ceiling:f} 元"
    if lot.failure:
        description += f";废标:{lot.failure}"
    return {
        "id": lot.lot,
        "title": lot.name,
        "description": description,
        "status": _LOT_STATUS.get(lot.status, "active"),
        "value": value(lot.budget),
    }


def _tender_status(tender: TenderState) -> str:
    statuses = {lot.status for lot in tender.lots.values()}
    if not statuses <= {"awarded", "failed"}:
        return "active"
    return "complete" if "awarded" in statuses else "cancelled"


def _criteria(terms: dict[str, Any]) -> str:
    evaluation = terms.get("evaluation", {})
    sme = terms.get("sme", {})
    deduction = Decimal(str(sme.get("deduction", "0.10"))) * 100
    return (
        f"综合评分法:商务{evaluation.get('business_points')}分,技术"
        f"{evaluation.get('technical_points')}分,价格{evaluation.get('price_points')}分;"
        f"小型和微型企业价格扣除{deduction.normalize():f}%"
    )


def _eligibility(terms: dict[str, Any]) -> str:
    def accepted(key: str) -> str:
        return "接受" if terms.get(key) else "不接受"

    return (
        f"《中华人民共和国政府采购法》第二十二条;{accepted('consortia')}联合体投标;"
        f"{accepted('imports')}进口产品;{accepted('alternatives')}备选方案;"
        f"投标有效期{terms.get('bid_validity_days', 90)}日"
    )


def _ledger_events(source: ReleaseInput, roles: Roles, opened: bool) -> list[dict[str, Any]]:
    """The events behind this release; before the opening by hash alone (V1, V2)."""
    subjects = [TENDER, *(lot_subject(lot) for lot in source.tender.lots)]
    subjects += [party_subject(party) for party in roles.parties()]
    if opened:
        subjects.append(OPENING)
        subjects += [bid_subject(bid.lot, bid.bidder) for bid in shown_bids(source.tender)]
        subjects += [asker_subject(party) for party in roles.with_role("enquirer")]
    refs = source.provenance.refs(subjects)
    if source.trigger not in refs:
        refs.append(source.trigger)
    started = source.tender.opening_started_at is not None
    return [ref.to_json() if started else ref.by_hash() for ref in refs]
