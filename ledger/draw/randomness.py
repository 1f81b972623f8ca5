"""The draw seed: a public beacon round mixed with committed reveals of three parties.

No single party chooses the seed. Before the commit deadline the agency, the regulator and
the platform each log a commitment, SHA-256 over a domain-separated 32-byte secret (see
:func:`commitment_digest`), together with the draw rule and the expert pool. After the
deadline and before the beacon round's time, each reveals its secret. The beacon round is
fixed in the plan and lies in the future when the commitments close. Then::

    seed = SHA-256( "bidledger/draw/seed/v1\\n" ‖ draw id ‖ "\\n" ‖ beacon randomness (32)
                    ‖ for agency, regulator, platform in that order:
                      0x01 ‖ secret (32)    if revealed
                      0x00 ‖ 32 zero bytes  if withheld )

Why a party that changes or withholds its reveal cannot choose the committee:

- **Changed**: a reveal that does not hash to its party's commitment is refused (D3); the
  commitment was logged before any reveal could be seen, so it fixed the value in advance.
- **Withheld**: the beacon round is published after reveals close (D2), so when a party
  decides whether to reveal, the randomness that decides the order is still unknown to it;
  withholding only swaps its secret for zeros, which is recorded, and steers nothing.
- **The beacon alone** (threshold BLS of the League of Entropy, verified offline) is
  unpredictable and unbiasable; the reveals are a second line in case it is not: as long
  as one party's secret was random and stayed secret until the commitments closed, nobody
  could predict the seed when the pool and the rule were fixed. (A party that could both
  predict the beacon and see the others' reveals would keep one choice, reveal or withhold:
  two possible seeds, the choice on the record.)
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ledger.draw.beacon import Beacon, ChainInfo, verify_beacon
from ledger.errors import InvalidInput, RuleViolation
from ledger.rules import catalogue as rules

PARTIES: tuple[str, ...] = ("agency", "regulator", "platform")
SECRET_SIZE = 32
COMMIT_DOMAIN = b"bidledger/draw/commit/v1\n"
SEED_DOMAIN = b"bidledger/draw/seed/v1\n"


def _check_label(what: str, value: str) -> None:
    if not value or "\n" in value:
        raise InvalidInput(f"{what} must be a non-empty single line, got {value!r}")


def _check_aware(what: str, moment: datetime) -> None:
    if moment.tzinfo is None:
        raise InvalidInput(f"{what} must carry its time zone")


@dataclass(frozen=True, kw_only=True)
class SeedPlan:
    """What the draw rule fixes about the seed: the beacon round and the commit deadline."""

    draw_id: str
    chain_hash: bytes
    beacon_round: int
    beacon_time: datetime
    commit_deadline: datetime

    def __post_init__(self) -> None:
        _check_label("draw id", self.draw_id)
        _check_aware("beacon time", self.beacon_time)
        _check_aware("commit deadline", self.commit_deadline)
        if self.commit_deadline >= self.beacon_time:
            raise RuleViolation(
                rules.DRAW_PLAN_ORDER,
                f"commit deadline {self.commit_deadline.isoformat()} is not before round "
                f"{self.beacon_round}'s time {self.beacon_time.isoformat()}",
            )


@dataclass(frozen=True, kw_only=True)
class Commitment:
    party: str
    digest: bytes
    logged_at: datetime


@dataclass(frozen=True, kw_only=True)
class Reveal:
    party: str
    secret: bytes
    logged_at: datetime


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """A party's part of the seed: its secret, or ``None`` with why it was withheld."""

    party: str
    secret: bytes | None
    withheld: str | None = None


def commitment_digest(draw_id: str, party: str, secret: bytes) -> bytes:
    """SHA-256("bidledger/draw/commit/v1\\n" ‖ draw id ‖ "\\n" ‖ party ‖ "\\n" ‖ secret)."""
    _check_label("draw id", draw_id)
    _check_party(party)
    if len(secret) != SECRET_SIZE:
        raise InvalidInput(f"a reveal is {SECRET_SIZE} bytes, got {len(secret)}")
    preimage = COMMIT_DOMAIN + f"{draw_id}\n{party}\n".encode() + secret
    return hashlib.sha256(preimage).digest()


def check_logged_by_deadline(plan: SeedPlan, what: str, logged_at: datetime) -> None:
    """Refuse ``what`` (the rule, the pool, a commitment) logged after the commit deadline."""
    if logged_at > plan.commit_deadline:
        raise RuleViolation(
            rules.DRAW_FIXED_BEFORE_COMMITMENTS,
            f"{what} logged at {logged_at.isoformat()}, after the commit deadline "
            f"{plan.commit_deadline.isoformat()}",
        )


def check_commitment(plan: SeedPlan, earlier: Sequence[Commitment], new: Commitment) -> None:
    """Refuse a commitment that is late, from an unknown party, malformed or a second one."""
    _check_party(new.party)
    if len(new.digest) != hashlib.sha256().digest_size:
        raise InvalidInput(f"a commitment is 32 bytes, got {len(new.digest)}")
    check_logged_by_deadline(plan, f"the {new.party}'s commitment", new.logged_at)
    if any(item.party == new.party for item in earlier):
        raise RuleViolation(rules.DRAW_ONCE_PER_PARTY, f"the {new.party} has already committed")


def check_reveal(
    plan: SeedPlan,
    commitments: Sequence[Commitment],
    earlier: Sequence[Reveal],
    new: Reveal,
) -> None:
    """Refuse a reveal outside the window, without or not matching a commitment, or repeated."""
    _check_party(new.party)
    if not plan.commit_deadline < new.logged_at < plan.beacon_time:
        raise RuleViolation(
            rules.DRAW_REVEAL_WINDOW,
            f"the {new.party}'s reveal logged at {new.logged_at.isoformat()}, outside "
            f"({plan.commit_deadline.isoformat()}, {plan.beacon_time.isoformat()})",
        )
    if any(item.party == new.party for item in earlier):
        raise RuleViolation(rules.DRAW_ONCE_PER_PARTY, f"the {new.party} has already revealed")
    committed = [item for item in commitments if item.party == new.party]
    if not committed:
        raise RuleViolation(
            rules.DRAW_REVEAL_MATCHES_COMMITMENT, f"the {new.party} logged no commitment"
        )
    digest = commitment_digest(plan.draw_id, new.party, new.secret)
    if not hmac.compare_digest(digest, committed[0].digest):
        raise RuleViolation(
            rules.DRAW_REVEAL_MATCHES_COMMITMENT,
            f"the {new.party}'s reveal hashes to {digest.hex()}, its commitment is "
            f"{committed[0].digest.hex()}",
        )


def contributions(
    plan: SeedPlan, commitments: Sequence[Commitment], reveals: Sequence[Reveal]
) -> tuple[Contribution, ...]:
    """Re-check every commitment and reveal in log order; return each party's contribution."""
    for index, commitment in enumerate(commitments):
        check_commitment(plan, commitments[:index], commitment)
    for index, reveal in enumerate(reveals):
        check_reveal(plan, commitments, reveals[:index], reveal)
    committed = {item.party for item in commitments}
    revealed = {item.party: item.secret for item in reveals}
    return tuple(
        Contribution(party=party, secret=revealed[party])
        if party in revealed
        else Contribution(
            party=party,
            secret=None,
            withheld="no reveal" if party in committed else "no commitment",
        )
        for party in PARTIES
    )


def seed_preimage(draw_id: str, beacon_randomness: bytes, parts: Sequence[Contribution]) -> bytes:
    """The bytes the seed hashes (module docstring), for the record and for the docs."""
    _check_label("draw id", draw_id)
    if len(beacon_randomness) != 32:
        raise InvalidInput(f"beacon randomness is 32 bytes, got {len(beacon_randomness)}")
    if tuple(part.party for part in parts) != PARTIES:
        raise InvalidInput(f"contributions must come in the order {PARTIES}")
    blocks = [
        b"\x00" + bytes(SECRET_SIZE) if part.secret is None else b"\x01" + part.secret
        for part in parts
    ]
    return SEED_DOMAIN + f"{draw_id}\n".encode() + beacon_randomness + b"".join(blocks)


def draw_seed(draw_id: str, beacon_randomness: bytes, parts: Sequence[Contribution]) -> bytes:
    """SHA-256 of :func:`seed_preimage`: the 32-byte seed that orders the eligible experts."""
    return hashlib.sha256(seed_preimage(draw_id, beacon_randomness, parts)).digest()


def derive_seed(
    plan: SeedPlan,
    chain: ChainInfo,
    beacon: Beacon,
    commitments: Sequence[Commitment],
    reveals: Sequence[Reveal],
) -> bytes:
    """Verify the beacon round the plan fixes and every commitment and reveal; return the seed."""
    verify_beacon(
        chain,
        beacon,
        chain_hash=plan.chain_hash,
        round_number=plan.beacon_round,
        round_time=plan.beacon_time,
    )
    parts = contributions(plan, commitments, reveals)
    return draw_seed(plan.draw_id, beacon.randomness, parts)


def _check_party(party: str) -> None:
    if party not in PARTIES:
        raise InvalidInput(f"party {party!r} is not one of {PARTIES}")
