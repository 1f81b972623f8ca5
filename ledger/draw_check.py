"""Recompute a tender's expert draws from the log alone and compare them with the record.

The log is read in order and every stream's state rebuilt by its events (nothing re-signed,
nothing trusted from the tender's facts). At each draw event the ledger's recorded facts are
set beside what the inputs give, computed afresh with ``ledger.draw``:

- the plan: the pool snapshot as the expert pools stream stood at that position, the rule's
  purchaser, bidders and day as the tender then stood, the exclusions, the eligible entries
  and their commitment;
- the draw: the beacon round (the plan's round of the agreement's chain, its randomness and
  BLS signature), the recorded commitments and reveals, the seed, and the draw;
- each replacement of a declining or absent member, and the committee formed: its experts
  must be exactly the drawn members.

Every difference is one line (``ledger.draw.verify.difference``); :func:`verify_tender_draw`
raises :class:`VerificationFailure` listing them, :func:`audit_draws` returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.clock import to_beijing
from ledger.draw.algorithm import DrawResult, draw, replace_member, screen
from ledger.draw.beacon import Beacon, ChainInfo, check_beacon, verify_beacon_signature
from ledger.draw.chains import KNOWN_CHAINS
from ledger.draw.pool import DrawRule, Expert, Quota
from ledger.draw.randomness import contributions, draw_seed
from ledger.draw.verify import difference
from ledger.errors import LedgerError, NotFound, VerificationFailure
from ledger.events import LedgerEvent
from ledger.procedure import dispatch
from ledger.procedure.pools import POOLS_STREAM, PoolsState
from ledger.procedure.records import EventRecord, StreamState
from ledger.procedure.state import TenderState, tender_stream
from ledger.procedure.tender.draw_plan import commitments, reveals, seed_plan
from ledger.store import LedgerStore


@dataclass
class DrawAudit:
    """One draw of a tender, as recomputed, and where the record differs."""

    draw_id: str
    chain_hash: str = ""
    public_beacon: bool = False
    beacon_round: int = 0
    beacon_time: str = ""
    contributions: list[dict[str, Any]] = field(default_factory=list)
    seed: str = ""
    result: dict[str, Any] | None = None  # the recomputed record, replacements included
    voided: str | None = None
    differences: list[str] = field(default_factory=list)


@dataclass
class TenderDraws:
    tender: str
    draws: list[DrawAudit] = field(default_factory=list)
    committee: dict[str, str] = field(default_factory=dict)  # party -> kind, as formed
    differences: list[str] = field(default_factory=list)  # about the committee formed

    def all_differences(self) -> list[str]:
        found = [f"{d.draw_id}: {line}" for d in self.draws for line in d.differences]
        return found + self.differences


def verify_tender_draw(store: LedgerStore, code: str) -> TenderDraws:
    """:func:`audit_draws`, raising :class:`VerificationFailure` on any difference."""
    audit = audit_draws(store, code)
    found = audit.all_differences()
    if found:
        raise VerificationFailure(
            f"the draws of tender {code}",
            f"{len(found)} difference(s) between the record and the recomputation: "
            + "; ".join(found),
        )
    return audit


def audit_draws(store: LedgerStore, code: str, *, beacon_signatures: bool = True) -> TenderDraws:
    """Every draw of tender ``code`` recomputed from the log, with the differences found."""
    stream = tender_stream(code)
    if not store.exists(stream):
        raise NotFound(f"no tender {code} in this database")
    walker = _Walker(str(stream), code, beacon_signatures)
    for notification in store.log():
        event = store.decode(notification)
        if isinstance(event, LedgerEvent):
            walker.step(event.record())
    if not walker.report.draws:
        raise NotFound(f"tender {code} has no expert draw")
    return walker.report


class _Walker:
    def __init__(self, stream: str, code: str, beacon_signatures: bool) -> None:
        self.stream = stream
        self.states: dict[str, StreamState] = {}
        self.report = TenderDraws(code)
        self.beacon_signatures = beacon_signatures
        self.results: dict[str, DrawResult] = {}  # draw id -> recomputed result
        self.pools: dict[str, list[Expert]] = {}  # draw id -> recomputed pool snapshot

    def step(self, event: EventRecord) -> None:
        if event.stream == self.stream:
            check = _CHECKS.get(event.type)
            if check is not None:
                check(self, event)
        self.states[event.stream] = dispatch.apply(self.states.get(event.stream), event)

    @property
    def tender(self) -> TenderState:
        state = self.states.get(self.stream)
        assert isinstance(state, TenderState)
        return state

    def current(self) -> DrawAudit:
        return self.report.draws[-1]

    def plan(self, event: EventRecord) -> None:
        facts = event.facts
        audit = DrawAudit(str(facts["draw_id"]), chain_hash=str(facts["chain_hash"]))
        audit.public_beacon = bytes.fromhex(audit.chain_hash) in KNOWN_CHAINS
        audit.beacon_round = int(event.args["beacon_round"])
        audit.beacon_time = str(facts["beacon_time"])
        self.report.draws.append(audit)
        rule = _expected_rule(self.tender, event)
        pools = self.states.get(str(POOLS_STREAM))
        pool = pools.region_pool(rule.regions) if isinstance(pools, PoolsState) else []
        self.pools[audit.draw_id] = pool
        recorded = {key: facts.get(key) for key in ("rule", "pool", "excluded", "eligible")}
        recorded["eligible_commitment"] = facts.get("eligible_commitment")
        audit.differences += difference(recorded, _screened(rule, pool), prefix="plan")

    def drawn(self, event: EventRecord) -> None:
        audit, planned = self.current(), self.tender.remote.current
        assert planned is not None
        try:
            seed, parts = self._seed(event, planned, audit)
            result = draw(DrawRule.from_record(planned["rule"]), self.pools[audit.draw_id], seed)
        except LedgerError as exc:
            audit.differences.append(f"the draw cannot be recomputed: {exc}")
            return
        audit.seed, audit.contributions = seed.hex(), parts
        self.results[audit.draw_id] = result
        audit.result = result.to_record()
        recorded = {key: event.facts.get(key) for key in ("seed", "contributions")}
        recomputed = {"seed": seed.hex(), "contributions": parts}
        audit.differences += difference(recorded, recomputed, prefix="randomness")
        audit.differences += difference(dict(event.facts.get("draw", {})), audit.result)

    def _seed(
        self, event: EventRecord, planned: dict[str, Any], audit: DrawAudit
    ) -> tuple[bytes, list[dict[str, Any]]]:
        plan = seed_plan(planned)
        beacon = Beacon.from_json(event.args["beacon"])
        assert self.tender.remote.chain is not None
        chain = ChainInfo.from_json(self.tender.remote.chain)
        check_beacon(
            chain,
            beacon,
            chain_hash=plan.chain_hash,
            round_number=plan.beacon_round,
            round_time=plan.beacon_time,
        )
        if self.beacon_signatures:
            verify_beacon_signature(chain, beacon)
        parts = contributions(plan, commitments(planned), reveals(planned))
        listed = [
            {"party": p.party, "revealed": p.secret is not None, "withheld": p.withheld}
            for p in parts
        ]
        return draw_seed(plan.draw_id, beacon.randomness, parts), listed

    def replaced(self, event: EventRecord) -> None:
        audit = self.current()
        result = self.results.get(audit.draw_id)
        if result is None:
            return
        try:
            after = replace_member(result, str(event.facts.get("declined")))
        except LedgerError as exc:
            audit.differences.append(f"the replacement cannot be recomputed: {exc}")
            return
        self.results[audit.draw_id] = after
        audit.result = after.to_record()
        recorded = {key: event.facts.get(key) for key in ("replacement", "members", "reserves")}
        recomputed = {
            "replacement": after.replacements[-1].replacement,
            "members": audit.result["members"],
            "reserves": audit.result["reserves"],
        }
        audit.differences += difference(recorded, recomputed, prefix="replacement")

    def voided(self, event: EventRecord) -> None:
        self.current().voided = str(event.args["reason"])

    def formed(self, event: EventRecord) -> None:
        members = {m["party"]: m["kind"] for m in event.args["members"]}
        self.report.committee = members
        audit = next((d for d in reversed(self.report.draws) if d.voided is None), None)
        if audit is None or audit.result is None:
            self.report.differences.append("committee: formed without a standing drawn result")
            return
        experts = sorted(p for p, kind in members.items() if kind == "expert")
        drawn = sorted(str(seat["id"]) for seat in audit.result["members"])
        if experts != drawn:
            self.report.differences.append(
                f"committee: formed with experts {experts}, the draw gives {drawn}"
            )


def _expected_rule(tender: TenderState, event: EventRecord) -> DrawRule:
    """The rule as the plan's arguments and the tender as it then stood give it."""
    args = event.args
    return DrawRule(
        draw_id=f"{tender.code}/draw-{len(tender.remote.draws) + 1}",
        purchaser=tender.purchaser,
        bidders=frozenset(bidder for lot in tender.lots.values() for bidder in lot.bids),
        specialties=frozenset(args["specialties"]),
        quotas=tuple(
            Quota(region=str(q["region"]), venue=q["venue"], members=int(q["members"]))
            for q in args["quotas"]
        ),
        reserves_per_region=int(args["reserves_per_region"]),
        recent_days=int(args["recent_days"]),
        draw_date=to_beijing(event.time).date(),
    )


def _screened(rule: DrawRule, pool: list[Expert]) -> dict[str, Any]:
    try:
        screened = screen(rule, pool)
    except LedgerError as exc:
        return {"rule": rule.to_record(), "refused": str(exc)}
    return {
        "rule": rule.to_record(),
        "pool": [expert.to_record() for expert in pool],
        "excluded": [{"id": e.expert_id, "reasons": list(e.reasons)} for e in screened.excluded],
        "eligible": [{"id": r.expert_id, "region": r.region} for r in screened.eligible],
        "eligible_commitment": screened.commitment.hex(),
    }


_CHECKS = {
    "DrawPlanned": _Walker.plan,
    "CommitteeDrawn": _Walker.drawn,
    "DrawnMemberReplaced": _Walker.replaced,
    "RedrawOrdered": _Walker.voided,
    "CommitteeFormed": _Walker.formed,
}

__all__ = ["DrawAudit", "TenderDraws", "audit_draws", "verify_tender_draw"]
