"""The draw: a deterministic function of (rule, pool, seed) that anyone can redo by hand.

1. **Eligibility.** Each expert of the pool is checked against the rule
   (:class:`~ledger.draw.pool.DrawRule`); an expert with any reason against it is excluded,
   with every reason listed. The eligible pool is committed to as SHA-256 over the
   canonical JSON (RFC 8785) of its entries ``{"id", "region"}`` sorted by id.
2. **Order.** Every eligible expert gets the key SHA-256(seed ‖ expert id in UTF-8); the
   drawn order is by key, lowest first (as bytes, i.e. as lowercase hex strings).
3. **Members.** Walking the drawn order, each expert takes a seat in the first quota of
   its region, in the rule's order, that still has one. Members are listed quota by quota,
   each quota in drawn order.
4. **Reserves.** For each region with a quota, the next ``reserves_per_region`` experts of
   that region in drawn order who hold no seat.
5. **Refusal.** If a quota cannot be filled, or a region lacks its reserves, the draw is
   refused, naming each quota or region and how many eligible experts it had.
6. **Replacement.** A member who declines gives the seat (same region, same venue) to the
   first expert of the region in drawn order who neither holds a seat nor has declined:
   the first reserve while reserves last. Reserves are then listed afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ledger.canonical import canonical_bytes
from ledger.draw.pool import DrawRule, Expert, Quota, Venue
from ledger.errors import InvalidInput, RuleViolation
from ledger.rules import catalogue as rules

RECORD_VERSION = 1


@dataclass(frozen=True)
class Exclusion:
    expert_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ranked:
    """An eligible expert's place in the drawn order: its key is SHA-256(seed ‖ id)."""

    expert_id: str
    region: str
    key: bytes


@dataclass(frozen=True)
class Seat:
    expert_id: str
    region: str
    venue: Venue


@dataclass(frozen=True)
class Reserve:
    expert_id: str
    region: str


@dataclass(frozen=True)
class Replacement:
    declined: str
    replacement: str
    region: str
    venue: Venue


@dataclass(frozen=True, kw_only=True)
class DrawResult:
    """Everything a draw decided, in the order a person would check it."""

    rule: DrawRule
    seed: bytes
    eligible_commitment: bytes
    excluded: tuple[Exclusion, ...]
    order: tuple[Ranked, ...]
    members: tuple[Seat, ...]
    reserves: tuple[Reserve, ...]
    declined: tuple[str, ...] = ()
    replacements: tuple[Replacement, ...] = ()

    def members_at(self, venue: Venue) -> tuple[Seat, ...]:
        return tuple(seat for seat in self.members if seat.venue == venue)

    def to_record(self) -> dict[str, Any]:
        """The JSON-safe record a ledger event carries and ``verify-draw`` compares."""
        return {
            "version": RECORD_VERSION,
            "rule": self.rule.to_record(),
            "seed": self.seed.hex(),
            "eligible": eligible_entries(self.order),
            "eligible_commitment": self.eligible_commitment.hex(),
            "excluded": [{"id": e.expert_id, "reasons": list(e.reasons)} for e in self.excluded],
            "order": [
                {"id": r.expert_id, "region": r.region, "key": r.key.hex()} for r in self.order
            ],
            "members": [_seat_record(seat) for seat in self.members],
            "reserves": [{"id": s.expert_id, "region": s.region} for s in self.reserves],
            "declined": list(self.declined),
            "replacements": [
                {
                    "declined": r.declined,
                    "replacement": r.replacement,
                    "region": r.region,
                    "venue": r.venue,
                }
                for r in self.replacements
            ],
        }


def exclusion_reasons(rule: DrawRule, expert: Expert) -> tuple[str, ...]:
    """Every reason ``expert`` may not sit for this rule's tender (empty: eligible)."""
    reasons = [] if expert.status == "active" else [f"status {expert.status}"]
    if expert.region not in rule.regions:
        reasons.append(f"region {expert.region} has no seat in this draw")
    if not expert.specialties & rule.specialties:
        reasons.append(f"none of the required specialties ({', '.join(sorted(rule.specialties))})")
    if expert.employer in rule.bidders:
        reasons.append(f"employed by bidder {expert.employer}")
    if expert.employer == rule.purchaser:
        reasons.append(f"employed by the purchaser {expert.employer}")
    reasons += [f"tied to bidder {tie}" for tie in sorted(expert.ties & rule.bidders)]
    if rule.purchaser in expert.ties:
        reasons.append(f"tied to the purchaser {rule.purchaser}")
    since = rule.draw_date.toordinal() - rule.recent_days
    reasons += [
        f"sat for the purchaser {sitting.purchaser} on {sitting.on.isoformat()}, within "
        f"{rule.recent_days} days of the draw"
        for sitting in sorted(expert.sittings, key=lambda s: s.on)
        if sitting.purchaser == rule.purchaser and sitting.on.toordinal() >= since
    ]
    return tuple(reasons)


def order_key(seed: bytes, expert_id: str) -> bytes:
    """SHA-256(seed ‖ expert id in UTF-8): the expert's place in the drawn order."""
    return hashlib.sha256(seed + expert_id.encode("utf-8")).digest()


def eligible_entries(order: Iterable[Ranked]) -> list[dict[str, str]]:
    """The eligible pool's entries ``{"id", "region"}``, sorted by id."""
    return [
        {"id": r.expert_id, "region": r.region} for r in sorted(order, key=lambda r: r.expert_id)
    ]


def eligible_commitment(order: Iterable[Ranked]) -> bytes:
    """SHA-256 over the canonical JSON of the sorted eligible entries."""
    return hashlib.sha256(canonical_bytes(eligible_entries(order))).digest()


@dataclass(frozen=True)
class Screening:
    """Who may be drawn before any seed exists: exclusions, the eligible and the commitment."""

    excluded: tuple[Exclusion, ...]
    eligible: tuple[Ranked, ...]  # by id, without keys
    commitment: bytes


def screen(rule: DrawRule, pool: Sequence[Expert]) -> Screening:
    """Steps 1, 2 and 5: eligibility, the eligible pool's commitment, and whether the quotas
    and reserves can be met at all (they can for every seed, or for none)."""
    ids = [expert.id for expert in pool]
    if len(set(ids)) != len(ids):
        raise InvalidInput(
            f"expert ids repeat in the pool: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    excluded, eligible = [], []
    for expert in sorted(pool, key=lambda e: e.id):
        reasons = exclusion_reasons(rule, expert)
        if reasons:
            excluded.append(Exclusion(expert.id, reasons))
        else:
            eligible.append(Ranked(expert.id, expert.region, b""))
    members = _seat(rule, eligible)
    reserves = _reserves(rule, eligible, unavailable={seat.expert_id for seat in members})
    _refuse_shortfalls(rule, eligible, members, reserves)
    return Screening(tuple(excluded), tuple(eligible), eligible_commitment(eligible))


def draw(rule: DrawRule, pool: Sequence[Expert], seed: bytes) -> DrawResult:
    """Draw the committee ``rule`` asks for from ``pool`` with ``seed`` (module docstring)."""
    if len(seed) != 32:
        raise InvalidInput(f"a draw seed is 32 bytes, got {len(seed)}")
    screened = screen(rule, pool)
    keyed = (Ranked(r.expert_id, r.region, order_key(seed, r.expert_id)) for r in screened.eligible)
    order = tuple(sorted(keyed, key=lambda r: (r.key, r.expert_id)))
    members = _seat(rule, order)
    reserves = _reserves(rule, order, unavailable={seat.expert_id for seat in members})
    return DrawResult(
        rule=rule,
        seed=seed,
        eligible_commitment=screened.commitment,
        excluded=screened.excluded,
        order=order,
        members=members,
        reserves=reserves,
    )


def replace_member(result: DrawResult, declined: str) -> DrawResult:
    """Give a declining member's seat to the next expert of its region in drawn order."""
    seats = [seat for seat in result.members if seat.expert_id == declined]
    if not seats:
        raise InvalidInput(f"expert {declined} holds no seat in draw {result.rule.draw_id}")
    seat = seats[0]
    unavailable = {s.expert_id for s in result.members} | set(result.declined)
    successor = next(
        (r for r in result.order if r.region == seat.region and r.expert_id not in unavailable),
        None,
    )
    if successor is None:
        raise RuleViolation(
            rules.DRAW_REPLACEMENT_IN_ORDER,
            f"no eligible expert of region {seat.region} is left in drawn order to replace "
            f"{declined} at the {seat.venue} venue",
        )
    members = tuple(
        Seat(successor.expert_id, s.region, s.venue) if s == seat else s for s in result.members
    )
    taken = {s.expert_id for s in members} | set(result.declined) | {declined}
    return replace(
        result,
        members=members,
        reserves=_reserves(result.rule, result.order, unavailable=taken),
        declined=(*result.declined, declined),
        replacements=(
            *result.replacements,
            Replacement(declined, successor.expert_id, seat.region, seat.venue),
        ),
    )


def recompute(
    rule: DrawRule, pool: Sequence[Expert], seed: bytes, declined: Sequence[str] = ()
) -> DrawResult:
    """The draw, then each recorded refusal to sit, in the order they were logged."""
    result = draw(rule, pool, seed)
    for expert_id in declined:
        result = replace_member(result, expert_id)
    return result


def _seat(rule: DrawRule, order: Sequence[Ranked]) -> tuple[Seat, ...]:
    open_seats = {quota: quota.members for quota in rule.quotas}
    taken: dict[Quota, list[Seat]] = {quota: [] for quota in rule.quotas}
    for ranked in order:
        quota = next(
            (q for q in rule.quotas if q.region == ranked.region and open_seats[q] > 0), None
        )
        if quota is not None:
            open_seats[quota] -= 1
            taken[quota].append(Seat(ranked.expert_id, quota.region, quota.venue))
    return tuple(seat for quota in rule.quotas for seat in taken[quota])


def _reserves(
    rule: DrawRule, order: Sequence[Ranked], unavailable: set[str]
) -> tuple[Reserve, ...]:
    reserves: list[Reserve] = []
    for region in rule.regions:
        free = [r for r in order if r.region == region and r.expert_id not in unavailable]
        reserves += [Reserve(r.expert_id, region) for r in free[: rule.reserves_per_region]]
    return tuple(reserves)


def _refuse_shortfalls(
    rule: DrawRule, order: Sequence[Ranked], members: Sequence[Seat], reserves: Sequence[Reserve]
) -> None:
    shortfalls = []
    for quota in rule.quotas:
        seated = sum(1 for s in members if (s.region, s.venue) == (quota.region, quota.venue))
        if seated < quota.members:
            eligible = sum(1 for r in order if r.region == quota.region)
            shortfalls.append(
                f"quota {quota.region}/{quota.venue} needs {quota.members} members and gets "
                f"{seated} ({eligible} eligible experts in region {quota.region})"
            )
    for region in rule.regions:
        listed = sum(1 for s in reserves if s.region == region)
        if listed < rule.reserves_per_region:
            shortfalls.append(
                f"region {region} needs {rule.reserves_per_region} reserves and has {listed} "
                f"eligible experts left after its members"
            )
    if shortfalls:
        raise RuleViolation(rules.DRAW_QUOTAS_MET, "; ".join(shortfalls))


def _seat_record(seat: Seat) -> dict[str, str]:
    return {"id": seat.expert_id, "region": seat.region, "venue": seat.venue}
