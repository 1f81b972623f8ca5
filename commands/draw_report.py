"""The words ``bidledger draw`` and ``verify-draw`` print: a draw as a person checks it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.draw.chains import KNOWN_CHAINS
from ledger.draw_check import DrawAudit, TenderDraws
from ledger.envelope import SignedCommand
from ledger.procedure import dispatch
from ledger.procedure.pools import POOLS_STREAM, PoolsState
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState
from ledger.store import LedgerStore


def report_lines(audit: TenderDraws, registry: RegistryState) -> list[str]:
    """``verify-draw``'s report: each draw recomputed, the committee, and the verdict."""
    lines = [f"expert draws of tender {audit.tender}, recomputed from the log alone:"]
    for draw in audit.draws:
        lines += _draw_lines(draw, registry)
    if audit.committee:
        lines.append("  committee formed: " + _committee(audit.committee, registry))
    found = audit.all_differences()
    if found:
        lines.append(f"verify-draw: FAILED, {len(found)} difference(s) (recorded vs recomputed):")
        lines += [f"  {line}" for line in found]
    else:
        lines.append(
            "verify-draw: the recorded committee is exactly what the rule, the pool and the "
            "randomness give"
        )
    return lines


def report_json(audit: TenderDraws) -> dict[str, Any]:
    return {**asdict(audit), "verified": not audit.all_differences()}


def _draw_lines(draw: DrawAudit, registry: RegistryState) -> list[str]:
    chain = (
        "the League of Entropy's default chain"
        if bytes.fromhex(draw.chain_hash or "00") in KNOWN_CHAINS
        else "not a public beacon: a chain named by the cooperation agreement only"
    )
    lines = [
        f"  {draw.draw_id}" + (f" (voided by the regulator: {draw.voided})" * bool(draw.voided)),
        f"    beacon: chain {draw.chain_hash[:16]}… ({chain}), round {draw.beacon_round} "
        f"published {draw.beacon_time}; randomness and BLS signature checked",
    ]
    if draw.contributions:
        parts = ", ".join(_contribution(c) for c in draw.contributions)
        lines.append(f"    secrets: {parts}")
        lines.append(f"    seed: {draw.seed}")
    result = draw.result
    if result is None:
        lines.append("    not drawn")
        return lines
    lines.append(
        f"    pool: {len(result['eligible'])} eligible (commitment "
        f"{result['eligible_commitment'][:16]}…), {len(result['excluded'])} excluded"
    )
    for item in result["excluded"]:
        lines.append(f"      excluded {item['id']}: {'; '.join(item['reasons'])}")
    order = ", ".join(item["id"] for item in result["order"])
    lines.append(f"    drawn order: {order}")
    for seat in result["members"]:
        lines.append(
            f"    member at the {seat['venue']} venue ({seat['region']}): "
            f"{_name(registry, seat['id'])} ({seat['id']})"
        )
    for item in result["replacements"]:
        lines.append(f"    {item['declined']} did not sit: {item['replacement']} took the seat")
    reserves = ", ".join(item["id"] for item in result["reserves"]) or "none"
    lines.append(f"    reserves: {reserves}")
    return lines


def _contribution(part: dict[str, Any]) -> str:
    return f"{part['party']} " + (
        "revealed" if part["revealed"] else f"withheld ({part['withheld']})"
    )


def _committee(members: dict[str, str], registry: RegistryState) -> str:
    return "; ".join(
        f"{_name(registry, party)} ({party}, "
        f"{'purchaser representative, appointed' if kind != 'expert' else 'expert, drawn'})"
        for party, kind in members.items()
    )


def _name(registry: RegistryState, party: str) -> str:
    found = registry.parties.get(party)
    return found.name if found else party


def preview_lines(store: LedgerStore, signed: SignedCommand, at: datetime) -> list[str]:
    """Run the signed draw through the ledger's rules on the database as it stands."""
    registry = store.state(RegistryState, REGISTRY_STREAM)
    tender = store.state(TenderState, UUID(signed.stream))
    pools = store.state(PoolsState, POOLS_STREAM) if store.exists(POOLS_STREAM) else None
    decision = dispatch.decide(tender, signed, registry, at, pools=pools)
    record = decision.facts["draw"]
    lines = [f"the rules accept this draw at {at.isoformat()}: seed {decision.facts['seed']}"]
    for seat in record["members"]:
        who = f"{_name(registry, seat['id'])} ({seat['id']}, {seat['region']})"
        lines.append(f"  {seat['venue']} venue: {who}")
    lines.append("send the signed command to the platform, which records it")
    return lines
