"""Experts, rules and the worked example of ``docs/draw.md`` for the draw's tests.

The worked example is an illustrative cross-region draw shaped like the seed tender's
committee (four experts drawn, the purchaser's representative appointed apart): two experts
from the Ji'an pool at the main venue, two from the Changle pool at the secondary venue, one
reserve per region. Its seed comes from published drand round 72785 of the League of
Entropy's default chain and three example secrets, so every number can be checked against
a real beacon; a real draw fixes a round after its commit deadline, as this one does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from commands import seed as tender
from ledger.draw.algorithm import DrawResult, draw, replace_member
from ledger.draw.beacon import Beacon
from ledger.draw.chains import LEAGUE_OF_ENTROPY_DEFAULT
from ledger.draw.pool import DrawRule, Expert, Quota, Sitting, Status
from ledger.draw.randomness import (
    PARTIES,
    Commitment,
    Reveal,
    SeedPlan,
    commitment_digest,
    derive_seed,
)

BEIJING = timezone(timedelta(hours=8))
VECTORS = Path(__file__).parents[1] / "vectors" / "drand" / "league_of_entropy.json"
BIDDERS = frozenset({tender.QXD, tender.RUNHUA})


def expert(
    expert_id: str,
    region: str,
    *,
    specialties: tuple[str, ...] = ("school-equipment",),
    employer: str = "",
    ties: tuple[str, ...] = (),
    sittings: tuple[tuple[str, str], ...] = (),
    status: Status = "active",
) -> Expert:
    """An expert; ``sittings`` are (purchaser, ISO date) pairs; the employer defaults to a unit."""
    return Expert(
        id=expert_id,
        region=region,
        specialties=frozenset(specialties),
        employer=employer or f"unit-of-{expert_id.lower()}",
        ties=frozenset(ties),
        sittings=tuple(Sitting(purchaser=p, on=date.fromisoformat(d)) for p, d in sittings),
        status=status,
    )


EXAMPLE_POOL: tuple[Expert, ...] = (
    expert("JA-01", "jian"),
    expert("JA-02", "jian", sittings=((tender.PURCHASER, "2019-12-01"),)),
    expert("JA-03", "jian", employer=tender.RUNHUA),
    expert("JA-04", "jian", specialties=("catering-equipment", "school-equipment")),
    expert("JA-05", "jian", sittings=((tender.PURCHASER, "2020-05-20"),)),
    expert("JA-06", "jian"),
    expert("JA-07", "jian", specialties=("catering-equipment",)),
    expert("CL-01", "changle"),
    expert("CL-02", "changle", ties=(tender.PURCHASER,)),
    expert("CL-03", "changle", sittings=(("fuzhou-hospital", "2020-08-01"),)),
    expert("CL-04", "changle"),
    expert("CL-05", "changle", status="suspended"),
    expert("CL-06", "changle", specialties=("road-engineering",)),
    expert("CL-07", "changle", ties=(tender.QXD,)),
    expert("CL-08", "changle"),
    expert("FZ-01", "fuzhou"),
)

EXAMPLE_RULE = DrawRule(
    draw_id="example/draw-1",
    purchaser=tender.PURCHASER,
    bidders=BIDDERS,
    specialties=frozenset({"school-equipment", "catering-equipment"}),
    quotas=(
        Quota(region="jian", venue="main", members=2),
        Quota(region="changle", venue="secondary", members=2),
    ),
    reserves_per_region=1,
    recent_days=180,
    draw_date=date(2020, 8, 17),
)

EXAMPLE_ROUND = 72785
EXAMPLE_PLAN = SeedPlan(
    draw_id=EXAMPLE_RULE.draw_id,
    chain_hash=LEAGUE_OF_ENTROPY_DEFAULT.hash,
    beacon_round=EXAMPLE_ROUND,
    beacon_time=LEAGUE_OF_ENTROPY_DEFAULT.round_time(EXAMPLE_ROUND),
    commit_deadline=datetime(2020, 8, 17, 5, 0, tzinfo=BEIJING),
)
EXAMPLE_SECRETS = {
    party: hashlib.sha256(f"example secret of the {party}".encode()).digest() for party in PARTIES
}


@dataclass(frozen=True)
class Example:
    seed: bytes
    result: DrawResult
    after_decline: DrawResult
    commitments: tuple[Commitment, ...]


def example_beacon() -> Beacon:
    rounds = json.loads(VECTORS.read_text())["rounds"]
    [data] = [r for r in rounds if r["chain"] == "default" and r["round"] == EXAMPLE_ROUND]
    return Beacon.from_json(data)


def worked_example() -> Example:
    """The worked example, computed: seed, draw, and the first jian member declining."""
    commitments = tuple(
        Commitment(
            party=party,
            digest=commitment_digest(EXAMPLE_PLAN.draw_id, party, EXAMPLE_SECRETS[party]),
            logged_at=datetime(2020, 8, 17, 4, 30 + index, tzinfo=BEIJING),
        )
        for index, party in enumerate(PARTIES)
    )
    reveals = tuple(
        Reveal(
            party=party,
            secret=EXAMPLE_SECRETS[party],
            logged_at=datetime(2020, 8, 17, 5, 10 + index, tzinfo=BEIJING),
        )
        for index, party in enumerate(PARTIES)
    )
    seed = derive_seed(
        EXAMPLE_PLAN, LEAGUE_OF_ENTROPY_DEFAULT, example_beacon(), commitments, reveals
    )
    result = draw(EXAMPLE_RULE, EXAMPLE_POOL, seed)
    after = replace_member(result, result.members_at("main")[0].expert_id)
    return Example(seed=seed, result=result, after_decline=after, commitments=commitments)


def render_worked_example() -> str:
    """The worked example's tables for ``docs/draw.md`` (checked by ``tests/docs``)."""
    example = worked_example()
    result = example.result
    beacon = example_beacon()
    lines = ["Pool (the ids of the seed tender's parties; experts and regions illustrative):", ""]
    lines += _table(
        ("id", "region", "specialties", "employer", "ties", "sittings", "status"),
        [
            (
                e.id,
                e.region,
                ", ".join(sorted(e.specialties)),
                e.employer,
                ", ".join(sorted(e.ties)),
                ", ".join(f"{s.purchaser} {s.on.isoformat()}" for s in e.sittings),
                e.status,
            )
            for e in EXAMPLE_POOL
        ],
    )
    lines += ["", "Rule record:", "", "```json", json.dumps(EXAMPLE_RULE.to_record(), indent=2)]
    lines += ["```", "", "Commitments, logged before the commit deadline:", ""]
    lines += _table(
        ("party", "secret (revealed later)", "commitment"),
        [(c.party, EXAMPLE_SECRETS[c.party].hex(), c.digest.hex()) for c in example.commitments],
    )
    lines += [
        "",
        f"Beacon: round {beacon.round} of chain `{LEAGUE_OF_ENTROPY_DEFAULT.hash.hex()}`, "
        f"published {EXAMPLE_PLAN.beacon_time.astimezone(BEIJING).isoformat()}, randomness "
        f"`{beacon.randomness.hex()}`.",
        "",
        f"Seed: `{example.seed.hex()}`.",
        "",
        "Excluded:",
        "",
    ]
    lines += _table(
        ("id", "reasons"), [(x.expert_id, "; ".join(x.reasons)) for x in result.excluded]
    )
    lines += ["", f"Eligible pool commitment: `{result.eligible_commitment.hex()}`.", ""]
    lines += ["Drawn order:", ""]
    lines += _table(
        ("#", "id", "region", "SHA-256(seed ‖ id)"),
        [(str(n), r.expert_id, r.region, r.key.hex()) for n, r in enumerate(result.order, 1)],
    )
    lines += ["", "Committee (and the purchaser's representative, appointed):", ""]
    lines += _committee(result)
    after = example.after_decline
    [change] = after.replacements
    lines += ["", f"After {change.declined} declines, {change.replacement} takes the seat:", ""]
    lines += _committee(after)
    return "\n".join(lines) + "\n"


def _committee(result: DrawResult) -> list[str]:
    rows = [(s.venue, s.region, s.expert_id, "member") for s in result.members]
    rows += [("", r.region, r.expert_id, "reserve") for r in result.reserves]
    return _table(("venue", "region", "id", "as"), rows)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


if __name__ == "__main__":
    print(render_worked_example(), end="")
