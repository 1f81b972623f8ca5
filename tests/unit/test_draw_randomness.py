"""Commit and reveal: the draw seed mixes a future beacon round with three parties' secrets."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.draw.beacon import Beacon
from ledger.draw.chains import LEAGUE_OF_ENTROPY_DEFAULT as CHAIN
from ledger.draw.randomness import (
    PARTIES,
    Commitment,
    Contribution,
    Reveal,
    SeedPlan,
    check_logged_by_deadline,
    commitment_digest,
    contributions,
    derive_seed,
    draw_seed,
)
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure

ROUND = 72785
BEACON = Beacon.from_json(
    next(
        r
        for r in json.loads(
            (Path(__file__).parents[1] / "vectors" / "drand" / "league_of_entropy.json").read_text()
        )["rounds"]
        if r["chain"] == "default" and r["round"] == ROUND
    )
)
ROUND_TIME = CHAIN.round_time(ROUND)
PLAN = SeedPlan(
    draw_id="XFZFCG-2020-33/draw-1",
    chain_hash=CHAIN.hash,
    beacon_round=ROUND,
    beacon_time=ROUND_TIME,
    commit_deadline=ROUND_TIME - timedelta(hours=2),
)
SECRETS = {party: hashlib.sha256(f"{party} secret".encode()).digest() for party in PARTIES}
COMMITTED_AT = PLAN.commit_deadline - timedelta(minutes=30)
REVEALED_AT = PLAN.commit_deadline + timedelta(minutes=30)


def _commitments(parties: tuple[str, ...] = PARTIES) -> list[Commitment]:
    return [
        Commitment(
            party=party,
            digest=commitment_digest(PLAN.draw_id, party, SECRETS[party]),
            logged_at=COMMITTED_AT,
        )
        for party in parties
    ]


def _reveals(parties: tuple[str, ...] = PARTIES) -> list[Reveal]:
    return [Reveal(party=p, secret=SECRETS[p], logged_at=REVEALED_AT) for p in parties]


def test_a_commitment_is_the_sha256_of_the_domain_draw_party_and_secret() -> None:
    secret = bytes(range(32))
    expected = hashlib.sha256(
        b"bidledger/draw/commit/v1\nXFZFCG-2020-33/draw-1\nregulator\n" + secret
    ).digest()
    assert commitment_digest(PLAN.draw_id, "regulator", secret) == expected
    assert commitment_digest(PLAN.draw_id, "agency", secret) != expected


def test_the_seed_hashes_the_beacon_randomness_and_every_reveal_in_party_order() -> None:
    parts = contributions(PLAN, _commitments(), _reveals())
    assert [part.party for part in parts] == ["agency", "regulator", "platform"]
    preimage = (
        b"bidledger/draw/seed/v1\nXFZFCG-2020-33/draw-1\n"
        + BEACON.randomness
        + b"".join(b"\x01" + SECRETS[p] for p in ("agency", "regulator", "platform"))
    )
    assert draw_seed(PLAN.draw_id, BEACON.randomness, parts) == hashlib.sha256(preimage).digest()
    assert derive_seed(PLAN, CHAIN, BEACON, _commitments(), _reveals()) == (
        hashlib.sha256(preimage).digest()
    )


def test_a_changed_reveal_is_refused_because_it_does_not_match_its_commitment() -> None:
    changed = [
        *_reveals(("agency", "regulator")),
        Reveal(party="platform", secret=bytes(32), logged_at=REVEALED_AT),
    ]
    with pytest.raises(RuleViolation, match=r"D3 .*the platform's reveal hashes to"):
        contributions(PLAN, _commitments(), changed)


def test_a_withheld_reveal_is_recorded_as_withheld_and_the_seed_still_follows() -> None:
    parts = contributions(PLAN, _commitments(), _reveals(("agency", "platform")))
    assert parts[1] == Contribution(party="regulator", secret=None, withheld="no reveal")
    preimage = (
        b"bidledger/draw/seed/v1\nXFZFCG-2020-33/draw-1\n"
        + BEACON.randomness
        + b"\x01"
        + SECRETS["agency"]
        + b"\x00"
        + bytes(32)
        + b"\x01"
        + SECRETS["platform"]
    )
    assert draw_seed(PLAN.draw_id, BEACON.randomness, parts) == hashlib.sha256(preimage).digest()


def test_a_party_that_never_committed_counts_as_withheld_and_cannot_reveal() -> None:
    parts = contributions(PLAN, _commitments(("agency", "regulator")), _reveals(PARTIES[:2]))
    assert parts[2].withheld == "no commitment"
    with pytest.raises(RuleViolation, match=r"D3 .*the platform logged no commitment"):
        contributions(PLAN, _commitments(("agency", "regulator")), _reveals())


def test_a_commitment_after_the_deadline_is_refused() -> None:
    late = Commitment(
        party="agency",
        digest=commitment_digest(PLAN.draw_id, "agency", SECRETS["agency"]),
        logged_at=PLAN.commit_deadline + timedelta(seconds=1),
    )
    with pytest.raises(RuleViolation, match=r"D1 .*after the commit deadline"):
        contributions(PLAN, [late], [])
    with pytest.raises(RuleViolation, match=r"D1 .*the expert pool logged at"):
        check_logged_by_deadline(PLAN, "the expert pool", late.logged_at)


@pytest.mark.parametrize(
    "logged_at",
    [PLAN.commit_deadline - timedelta(minutes=1), PLAN.commit_deadline, ROUND_TIME],
    ids=["before commitments close", "at the commit deadline", "at the beacon round"],
)
def test_a_reveal_outside_its_window_is_refused(logged_at: datetime) -> None:
    reveal = Reveal(party="agency", secret=SECRETS["agency"], logged_at=logged_at)
    with pytest.raises(RuleViolation, match=r"D2 .*the agency's reveal logged at"):
        contributions(PLAN, _commitments(), [reveal])


def test_each_party_commits_once_and_reveals_once() -> None:
    with pytest.raises(RuleViolation, match=r"D4 .*the regulator has already committed"):
        contributions(PLAN, [*_commitments(), *_commitments(("regulator",))], [])
    with pytest.raises(RuleViolation, match=r"D4 .*the agency has already revealed"):
        contributions(PLAN, _commitments(), [*_reveals(), *_reveals(("agency",))])


def test_a_plan_whose_commit_deadline_is_not_before_the_beacon_round_is_refused() -> None:
    with pytest.raises(RuleViolation, match="D6"):
        SeedPlan(
            draw_id="d",
            chain_hash=CHAIN.hash,
            beacon_round=ROUND,
            beacon_time=ROUND_TIME,
            commit_deadline=ROUND_TIME,
        )


def test_the_seed_is_derived_only_from_the_round_the_plan_fixes() -> None:
    other = SeedPlan(
        draw_id=PLAN.draw_id,
        chain_hash=CHAIN.hash,
        beacon_round=ROUND + 1,
        beacon_time=CHAIN.round_time(ROUND + 1),
        commit_deadline=PLAN.commit_deadline,
    )
    with pytest.raises(VerificationFailure, match="round number: expected 72786, found 72785"):
        derive_seed(other, CHAIN, BEACON, _commitments(), _reveals())


def test_unknown_parties_and_short_secrets_are_input_errors() -> None:
    with pytest.raises(InvalidInput, match="not one of"):
        commitment_digest(PLAN.draw_id, "bidder", SECRETS["agency"])
    with pytest.raises(InvalidInput, match="32 bytes"):
        commitment_digest(PLAN.draw_id, "agency", b"short")
    with pytest.raises(InvalidInput, match="order"):
        draw_seed(PLAN.draw_id, BEACON.randomness, list(reversed(contributions(PLAN, [], []))))


@given(
    beacon=st.binary(min_size=32, max_size=32),
    secrets=st.lists(st.binary(min_size=32, max_size=32), min_size=3, max_size=3),
    which=st.integers(min_value=0, max_value=3),
    flip=st.integers(min_value=0, max_value=255),
)
def test_changing_the_beacon_or_any_one_secret_changes_the_seed(
    beacon: bytes, secrets: list[bytes], which: int, flip: int
) -> None:
    parts = [Contribution(party=p, secret=s) for p, s in zip(PARTIES, secrets, strict=True)]
    seed = draw_seed("d", beacon, parts)
    if which == 3:
        changed_beacon = bytes([beacon[0] ^ (flip or 1)]) + beacon[1:]
        assert draw_seed("d", changed_beacon, parts) != seed
    else:
        secret = secrets[which]
        parts[which] = Contribution(
            party=PARTIES[which], secret=bytes([secret[0] ^ (flip or 1)]) + secret[1:]
        )
        assert draw_seed("d", beacon, parts) != seed
        parts[which] = Contribution(party=PARTIES[which], secret=None, withheld="no reveal")
        assert draw_seed("d", beacon, parts) != seed
