"""drand rounds published by the League of Entropy verify offline; every altered field fails.

The rounds and chain information are in ``tests/vectors/drand`` (sources in its README).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.draw.beacon import Beacon, ChainInfo, verify_beacon
from ledger.draw.chains import KNOWN_CHAINS, LEAGUE_OF_ENTROPY_DEFAULT
from ledger.errors import InvalidInput, VerificationFailure

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "drand" / "league_of_entropy.json").read_text()
)
CHAINS = {name: ChainInfo.from_json(info) for name, info in VECTORS["chains"].items()}
ROUNDS = VECTORS["rounds"]
DEFAULT = CHAINS["default"]
QUICKNET = CHAINS["quicknet"]
# A pedersen-bls-chained public key of another drand network (drand's own scheme tests).
OTHER_G1_KEY = bytes.fromhex(
    "922a2e93828ff83345bae533f5172669a26c02dc76d6bf59c80892e12ab1455c229211886f35bb56af6d5bea981024df"
)


def _round(chain: str, number: int) -> Beacon:
    [data] = [r for r in ROUNDS if r["chain"] == chain and r["round"] == number]
    return Beacon.from_json(data)


def _verify(chain: ChainInfo, beacon: Beacon, *, expect: int | None = None) -> None:
    number = beacon.round if expect is None else expect
    verify_beacon(
        chain,
        beacon,
        chain_hash=chain.hash,
        round_number=number,
        round_time=chain.round_time(number),
    )


def _flip_bit(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def _failure(chain: ChainInfo, beacon: Beacon, *, expect: int | None = None) -> str:
    with pytest.raises(VerificationFailure) as caught:
        _verify(chain, beacon, expect=expect)
    return str(caught.value)


@pytest.mark.parametrize("data", ROUNDS, ids=[f"{r['chain']}-{r['round']}" for r in ROUNDS])
def test_each_published_round_verifies_against_its_chain(data: dict[str, Any]) -> None:
    _verify(CHAINS[data["chain"]], Beacon.from_json(data))


def test_the_published_chain_information_hashes_to_its_chain_hash() -> None:
    for chain in CHAINS.values():
        assert chain.computed_hash() == chain.hash
        assert KNOWN_CHAINS[chain.hash] == chain


def test_a_round_is_published_at_genesis_plus_round_minus_one_periods() -> None:
    assert DEFAULT.round_time(1) == datetime(2020, 7, 22, 15, 17, 30, tzinfo=UTC)
    assert DEFAULT.round_time(72785) == DEFAULT.round_time(1) + timedelta(seconds=72784 * 30)
    assert QUICKNET.round_time(2) - QUICKNET.round_time(1) == timedelta(seconds=3)


def test_the_first_round_at_or_after_a_moment_is_the_next_one_published() -> None:
    at = DEFAULT.round_time(72785)
    assert DEFAULT.first_round_at_or_after(at) == 72785
    assert DEFAULT.first_round_at_or_after(at + timedelta(microseconds=1)) == 72786
    assert DEFAULT.first_round_at_or_after(at - timedelta(seconds=29)) == 72785
    assert DEFAULT.first_round_at_or_after(at - timedelta(days=9999)) == 1


def test_a_flipped_bit_in_the_signature_no_longer_gives_the_randomness() -> None:
    beacon = _round("default", 72785)
    changed = dataclasses.replace(beacon, signature=_flip_bit(beacon.signature, 700))
    message = _failure(DEFAULT, changed)
    assert "round 72785" in message
    assert "randomness: expected SHA-256(signature)" in message


@pytest.mark.parametrize(("chain", "number"), [("default", 72785), ("quicknet", 2)])
def test_a_flipped_bit_in_the_signature_fails_the_signature_check(chain: str, number: int) -> None:
    beacon = _round(chain, number)
    for bit in (3, 8 * len(beacon.signature) - 9):
        signature = _flip_bit(beacon.signature, bit)
        changed = dataclasses.replace(
            beacon, signature=signature, randomness=hashlib.sha256(signature).digest()
        )
        message = _failure(CHAINS[chain], changed)
        assert f"round {number}" in message
        assert "signature: " in message


def test_a_beacon_for_another_round_than_the_rule_expects_is_refused() -> None:
    message = _failure(DEFAULT, _round("default", 72785), expect=72786)
    assert "round number: expected 72786, found 72785" in message


def test_a_signature_presented_under_the_wrong_round_number_fails() -> None:
    beacon = dataclasses.replace(_round("default", 72785), round=72786)
    message = _failure(DEFAULT, beacon)
    assert "round 72786" in message
    assert "the round number" in message
    unchained = dataclasses.replace(_round("quicknet", 2), round=3)
    assert "the round number" in _failure(QUICKNET, unchained)


def test_a_wrong_previous_signature_fails() -> None:
    beacon = _round("default", 72785)
    assert beacon.previous_signature is not None
    changed = dataclasses.replace(
        beacon, previous_signature=_flip_bit(beacon.previous_signature, 0)
    )
    message = _failure(DEFAULT, changed)
    assert "SHA-256(previous signature ‖ round)" in message
    assert "the previous signature" in message


def test_a_chained_round_without_its_previous_signature_fails() -> None:
    beacon = dataclasses.replace(_round("default", 1337), previous_signature=None)
    assert "previous signature: pedersen-bls-chained signs it" in _failure(DEFAULT, beacon)


def test_a_chain_info_with_another_public_key_does_not_hash_to_the_pinned_chain() -> None:
    swapped = dataclasses.replace(DEFAULT, public_key=OTHER_G1_KEY)
    message = _failure(swapped, _round("default", 72785))
    assert "chain info: its public key" in message
    assert "expected the pinned chain hash 8990e7a9" in message


def test_a_round_checked_under_another_public_key_fails_the_signature_check() -> None:
    other = dataclasses.replace(DEFAULT, public_key=OTHER_G1_KEY)
    other = dataclasses.replace(other, hash=other.computed_hash())
    message = _failure(other, _round("default", 72785))
    assert "signature: " in message
    assert "the public key is not the chain's" in message


def test_a_wrong_randomness_fails() -> None:
    beacon = _round("quicknet", 1)
    changed = dataclasses.replace(beacon, randomness=_flip_bit(beacon.randomness, 255))
    message = _failure(QUICKNET, changed)
    assert "randomness: expected SHA-256(signature) = 1466a6cd" in message


def test_a_round_time_other_than_the_chain_publishes_fails() -> None:
    beacon = _round("default", 72785)
    with pytest.raises(VerificationFailure, match="round time: the chain publishes round 72785"):
        verify_beacon(
            DEFAULT,
            beacon,
            chain_hash=DEFAULT.hash,
            round_number=72785,
            round_time=DEFAULT.round_time(72785) + timedelta(seconds=30),
        )


def test_malformed_chain_information_and_beacons_are_input_errors() -> None:
    info = dict(VECTORS["chains"]["default"])
    with pytest.raises(InvalidInput, match="unknown drand scheme"):
        ChainInfo.from_json({**info, "schemeID": "bls-unknown"})
    with pytest.raises(InvalidInput, match="public key has 48 bytes"):
        ChainInfo.from_json({**info, "public_key": "00" * 47})
    with pytest.raises(InvalidInput, match="malformed"):
        Beacon.from_json({"round": 1, "signature": "zz", "randomness": "00"})
    with pytest.raises(InvalidInput, match="time zone"):
        verify_beacon(
            DEFAULT,
            _round("default", 1),
            chain_hash=DEFAULT.hash,
            round_number=1,
            round_time=DEFAULT.round_time(1).replace(tzinfo=None),
        )
    assert LEAGUE_OF_ENTROPY_DEFAULT == DEFAULT


OTHERS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "drand" / "other_schemes.json").read_text()
)


def _signature_only(data: dict[str, Any]) -> tuple[ChainInfo, Beacon]:
    signature = bytes.fromhex(data["signature"])
    beacon = Beacon(
        round=data["round"], signature=signature, randomness=hashlib.sha256(signature).digest()
    )
    return ChainInfo.from_json(OTHERS["chains"][data["chain"]]), beacon


@pytest.mark.parametrize("data", OTHERS["rounds"], ids=[r["chain"] for r in OTHERS["rounds"]])
def test_rounds_of_the_other_two_schemes_verify(data: dict[str, Any]) -> None:
    chain, beacon = _signature_only(data)
    assert chain.computed_hash() == chain.hash
    _verify(chain, beacon)


def test_a_fastnet_round_checked_under_the_rfc9380_tag_fails() -> None:
    [data] = [r for r in OTHERS["rounds"] if r["chain"] == "fastnet"]
    chain, beacon = _signature_only(data)
    relabelled = dataclasses.replace(chain, scheme_id="bls-unchained-g1-rfc9380")
    assert "signature: the BLS signature does not verify" in _failure(relabelled, beacon)
