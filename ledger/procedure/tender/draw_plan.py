"""The draw's plan, and the agency's, regulator's and platform's commitments and reveals.

Before any randomness exists the agency logs the plan (PlanDraw): the rule (specialties,
quotas per region and venue adding up to the notice's experts, reserves, the recent-sitting
window), the beacon round of the agreement's chain and the commit deadline before it. The
ledger derives the rest of the rule from the tender (its purchaser, every bidder with a bid,
the day) and screens the pools of the quota regions as they stand: the snapshot of the pool,
the exclusions with every reason, the eligible entries and their commitment are the plan's
facts. Then each of the three parties commits to a secret by the deadline and reveals it
before the round's time (``ledger.procedure.tender.draw_secrets``; D1-D4, D6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from ledger.clock import parse_time, to_beijing
from ledger.draw.algorithm import screen
from ledger.draw.beacon import ChainInfo
from ledger.draw.pool import DrawRule, Quota
from ledger.draw.randomness import (
    Commitment,
    Reveal,
    SeedPlan,
    check_logged_by_deadline,
)
from ledger.errors import RuleViolation
from ledger.procedure.base import AFTER_DEADLINE, Context, Guard, TenderCommand, applies, decides
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import TenderState
from ledger.rules import catalogue as rules


@dataclass(frozen=True)
class QuotaTerms:
    region: str = arg(max_length=64)
    venue: Literal["main", "secondary"] = arg()
    members: int = arg(minimum=1, maximum=40)


@dataclass(frozen=True)
class PlanDraw(TenderCommand):
    """The agency logs the draw's rule and fixes its beacon round, before any randomness."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)
    specialties: tuple[str, ...] = arg(max_items=50)
    quotas: tuple[QuotaTerms, ...] = arg(max_items=20)
    reserves_per_region: int = arg(minimum=0, maximum=40)
    recent_days: int = arg(minimum=0, maximum=3650)
    beacon_round: int = arg(minimum=1, maximum=2**40)
    commit_deadline: datetime = arg()


@decides(PlanDraw)
def plan_draw(tender: TenderState, command: PlanDraw, ctx: Context) -> Decision:
    remote = tender.remote
    if not remote.fixed or remote.chain is None:
        raise RuleViolation(rules.VENUES_BEFORE_DRAW, "the agency's FixVenues must come first")
    if remote.current is not None:
        raise RuleViolation(
            rules.REDRAW_ORDERED,
            f"{remote.current['draw_id']} stands; only the regulator's OrderRedraw voids it",
        )
    if tender.committee:
        raise RuleViolation(rules.PHASE_ORDER, "the evaluation committee is already formed")
    rule = _rule(tender, command, ctx)
    chain = ChainInfo.from_json(remote.chain)
    beacon_time = chain.round_time(command.beacon_round)
    plan = SeedPlan(
        draw_id=rule.draw_id,
        chain_hash=chain.hash,
        beacon_round=command.beacon_round,
        beacon_time=beacon_time,
        commit_deadline=command.commit_deadline,
    )
    check_logged_by_deadline(plan, "the draw rule and the expert pool", ctx.now)
    pool = [] if ctx.pools is None else ctx.pools.region_pool(rule.regions)
    screened = screen(rule, pool)
    return Decision(
        "DrawPlanned",
        {
            "draw_id": rule.draw_id,
            "rule": rule.to_record(),
            "chain_hash": chain.hash.hex(),
            "beacon_time": to_beijing(beacon_time).isoformat(),
            "pool": [expert.to_record() for expert in pool],
            "pool_head": _pool_head(ctx),
            "excluded": [
                {"id": e.expert_id, "reasons": list(e.reasons)} for e in screened.excluded
            ],
            "eligible": [{"id": r.expert_id, "region": r.region} for r in screened.eligible],
            "eligible_commitment": screened.commitment.hex(),
        },
    )


def _rule(tender: TenderState, command: PlanDraw, ctx: Context) -> DrawRule:
    quotas = tuple(Quota(region=q.region, venue=q.venue, members=q.members) for q in command.quotas)
    for quota in quotas:
        if quota.venue not in tender.remote.venues:
            raise RuleViolation(rules.VENUES_BEFORE_DRAW, f"no {quota.venue} venue is fixed")
    unseated = sorted(set(tender.remote.venues) - {quota.venue for quota in quotas})
    if unseated:
        raise RuleViolation(rules.DRAW_QUOTAS_MET, f"no quota seats anyone at {unseated}")
    experts = int(tender.terms["committee"]["experts"])
    if sum(quota.members for quota in quotas) != experts:
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"the quotas draw {sum(q.members for q in quotas)} experts; the notice fixes {experts}",
        )
    _check_regions(tender, quotas, ctx)
    bidders = frozenset(bidder for lot in tender.lots.values() for bidder in lot.bids)
    return DrawRule(
        draw_id=f"{tender.code}/draw-{len(tender.remote.draws) + 1}",
        purchaser=tender.purchaser,
        bidders=bidders,
        specialties=frozenset(command.specialties),
        quotas=quotas,
        reserves_per_region=command.reserves_per_region,
        recent_days=command.recent_days,
        draw_date=to_beijing(ctx.now).date(),
    )


def _check_regions(tender: TenderState, quotas: tuple[Quota, ...], ctx: Context) -> None:
    """Every quota's region is kept by a centre party to the venues' agreement (D8)."""
    agreement = (
        None if ctx.pools is None else ctx.pools.cooperations.get(str(tender.remote.cooperation))
    )
    parties = () if agreement is None else agreement.parties
    kept = {ctx.registry.party(party).attributes.get("region") for party in parties}
    for quota in quotas:
        if quota.region not in kept:
            raise RuleViolation(
                rules.COOPERATION_IN_FORCE,
                f"no centre party to {tender.remote.cooperation} keeps the pool of {quota.region}",
            )


def _pool_head(ctx: Context) -> dict[str, Any]:
    if ctx.pools is None:
        return {"version": 0, "event_hash": None}
    return {"version": ctx.pools.version, "event_hash": ctx.pools.head}


def seed_plan(draw: dict[str, Any]) -> SeedPlan:
    """The seed's plan of a planned draw, from the tender's state."""
    return SeedPlan(
        draw_id=draw["draw_id"],
        chain_hash=bytes.fromhex(draw["chain_hash"]),
        beacon_round=int(draw["beacon_round"]),
        beacon_time=parse_time(draw["beacon_time"]),
        commit_deadline=parse_time(draw["commit_deadline"]),
    )


def commitments(draw: dict[str, Any]) -> list[Commitment]:
    return [
        Commitment(
            party=c["party"], digest=bytes.fromhex(c["digest"]), logged_at=parse_time(c["at"])
        )
        for c in draw["commitments"]
    ]


def reveals(draw: dict[str, Any]) -> list[Reveal]:
    return [
        Reveal(party=r["party"], secret=bytes.fromhex(r["secret"]), logged_at=parse_time(r["at"]))
        for r in draw["reveals"]
    ]


def open_draw(tender: TenderState) -> dict[str, Any]:
    """The current draw, planned and not yet drawn."""
    draw = tender.remote.current
    if draw is None:
        raise RuleViolation(rules.PHASE_ORDER, "no draw is planned: the agency's PlanDraw first")
    if draw["result"] is not None:
        raise RuleViolation(rules.PHASE_ORDER, f"{draw['draw_id']} is already drawn")
    return draw


@applies("DrawPlanned")
def _planned(tender: TenderState, event: EventRecord) -> None:
    tender.remote.draws.append(
        {
            **{key: event.facts[key] for key in ("draw_id", "rule", "chain_hash", "beacon_time")},
            **{key: event.facts[key] for key in ("pool", "excluded", "eligible")},
            "eligible_commitment": event.facts["eligible_commitment"],
            "beacon_round": event.args["beacon_round"],
            "commit_deadline": event.args["commit_deadline"],
            "planned_at": to_beijing(event.time).isoformat(),
            "commitments": [],
            "reveals": [],
            "beacon": None,
            "contributions": None,
            "result": None,
            "voided": None,
        }
    )
