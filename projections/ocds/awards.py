"""Bids (the OCDS bids extension), awards and contracts of a release.

Bids are shown only once revealed at the opening (V1): each with its tenderer, the time it
was sealed and submitted, its status (``pending`` until the purchaser's qualification,
``valid`` once qualified, ``disqualified`` when invalid, not qualified, not conforming or
not decrypted in time, ``withdrawn`` when a failure not of the bidder's making withdrew it)
and its price as read out (the capital amount, §26.4) or as corrected. Bids withdrawn
before the deadline are not shown, as the opening record does not show them.
"""

from __future__ import annotations

from typing import Any

from ledger.procedure.registry_state import RegistryState
from ledger.procedure.state import Bid, Lot, TenderState
from projections.ocds.money import CURRENCY, value
from projections.ocds.parties import Roles
from projections.ocds.steps import Published, document
from projections.tender_state import moment


def shown_bids(tender: TenderState) -> list[Bid]:
    """The bids a release shows after the opening, by lot and bidder."""
    return [
        lot.bids[bidder]
        for lot_id in sorted(tender.lots)
        for lot in (tender.lots[lot_id],)
        for bidder in sorted(lot.bids)
        if lot.bids[bidder].status != "withdrawn"
    ]


def bid_id(lot: str, bidder: str) -> str:
    return f"{lot}-{bidder}"


def bids_section(tender: TenderState, roles: Roles, registry: RegistryState) -> dict[str, Any]:
    """``bids.details`` and per-lot ``bids.statistics``; names each bidder ``tenderer``."""
    details = []
    for bid in shown_bids(tender):
        roles.add(bid.bidder, "tenderer")
        detail: dict[str, Any] = {
            "id": bid_id(bid.lot, bid.bidder),
            "date": moment(bid.submitted_at),
            "status": bid_status(bid),
            "tenderers": [roles.reference(registry, bid.bidder)],
            "relatedLots": [bid.lot],
        }
        if bid.price is not None:
            detail["value"] = value(bid.price)
        details.append(detail)
    statistics = [
        stat for lot_id in sorted(tender.lots) for stat in _statistics(tender, tender.lots[lot_id])
    ]
    return {"statistics": statistics, "details": details}


def bid_status(bid: Bid) -> str:
    """The bid's OCDS status (bidStatus codelist)."""
    if bid.status == "returned":
        return "withdrawn" if "撤回" in (bid.returned_cause or "") else "disqualified"
    if bid.status != "revealed":
        return "pending"
    if bid.invalid or bid.qualified is False or bid.conforming is False:
        return "disqualified"
    return "valid" if bid.qualified else "pending"


def _statistics(tender: TenderState, lot: Lot) -> list[dict[str, Any]]:
    shown = [bid for bid in lot.bids.values() if bid.status != "withdrawn"]
    valid = [bid for bid in shown if bid_status(bid) in ("valid", "pending")]
    measures: list[tuple[str, Any]] = [("bids", len(shown)), ("validBids", len(valid))]
    prices = sorted(bid.price for bid in valid if bid.price is not None)
    if prices:
        measures += [("lowestValidBidValue", prices[0]), ("highestValidBidValue", prices[-1])]
    if any(bid.qualified is not None for bid in shown):
        measures.append(("qualifiedBidders", sum(1 for bid in shown if bid.qualified)))
    date = moment(tender.revealed_at)
    result = []
    for measure, figure in measures:
        stat: dict[str, Any] = {"id": f"{lot.lot}-{measure}", "measure": measure}
        if measure.endswith("Value"):
            stat |= {"value": float(figure), "currency": CURRENCY}
        else:
            stat["value"] = figure
        result.append(stat | {"date": date, "relatedLot": lot.lot})
    return result


def awards_and_contracts(
    published: Published, tender: TenderState, roles: Roles, registry: RegistryState
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every award published (cancelled ones too) and every contract signed."""
    awards = []
    for award in published.awards:
        roles.add(award["bidder"], "supplier")
        lot = tender.lots[award["lot"]]
        awards.append(
            {
                "id": award["id"],
                "title": f"第{lot.lot}包 {lot.name}",
                "description": award["description"],
                "status": award["status"],
                "date": award["date"],
                "value": value(award["amount"]),
                "suppliers": [roles.reference(registry, award["bidder"])],
                "relatedLots": [lot.lot],
                "relatedBid": bid_id(lot.lot, award["bidder"]),
                "documents": [dict(doc) for doc in award["documents"]],
            }
        )
    return awards, [_contract(c, tender) for c in published.contracts]


def _contract(contract: dict[str, Any], tender: TenderState) -> dict[str, Any]:
    lot = tender.lots[contract["lot"]]
    notes = [f"合同 SHA-256:{contract['sha256']}"]
    if contract["late"]:
        notes.append(f"逾期签订:{contract['late']}")
    filed = contract["filed"]
    if filed is not None:
        notes.append(f"已于 {filed['date']} 报同级财政部门及采购代理机构备案")
        if filed["late"]:
            notes.append(f"逾期备案:{filed['late']}")
    return {
        "id": contract["id"],
        "awardID": contract["awardID"],
        "title": f"第{lot.lot}包 {lot.name} 政府采购合同",
        "description": ";".join(notes),
        "status": "active",
        "value": value(contract["amount"]),
        "dateSigned": contract["dateSigned"],
        "documents": [
            document(
                f"contract-{contract['awardID']}",
                "contractSigned",
                "政府采购合同",
                contract["dateSigned"],
                notes[0],
            )
        ],
    }
