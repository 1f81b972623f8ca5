"""drand rounds published by the League of Entropy verify offline; every altered field fails.

The rounds and chain information are in ``tests/vectors/drand`` (sources in its README). Only
the schemes signing on G2 are verified (``py_ecc``'s ``G2Basic``); quicknet's rounds, signed on
G1, serve to show that such a chain is refused as input.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.draw.beacon import Beacon, ChainInfo, check_beacon, verify_beacon
from ledger.draw.chains import KNOWN_CHAINS, LEAGUE_OF_ENTROPY_DEFAULT
from ledger.errors import InvalidInput, VerificationFailure

ROOT = Path(__file__).parents[2]
VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "drand" / "league_of_entropy.json").read_text()
)
CHAINS = {"default": ChainInfo.from_json(VECTORS["chains"]["default"])}
ROUNDS = [r for r in VECTORS["rounds"] if r["chain"] == "default"]
DEFAULT = CHAINS["default"]
# A pedersen-bls-chained public key of another drand network (drand's own scheme tests).
OTHER_G1_KEY = bytes.fromhex(
    "922a2e93828ff83345bae533f5172669a26c02dc76d6bf59c80892e12ab1455c229211886f35bb56af6d5bea981024df"
)


def _round_json(chain: str, number: int) -> dict[str, Any]:
    [data] = [r for r in VECTORS["rounds"] if r["chain"] == chain and r["round"] == number]
    return dict(data)


def _round(chain: str, number: int) -> Beacon:
    return Beacon.from_json(_round_json(chain, number))


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


@pytest.mark.parametrize(("chain", "number"), [("default", 72785), ("default", 1)])
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
    beacon = _round("default", 1337)
    changed = dataclasses.replace(beacon, randomness=_flip_bit(beacon.randomness, 255))
    message = _failure(DEFAULT, changed)
    assert "randomness: expected SHA-256(signature) = 2660664f" in message


def test_checking_a_beacon_without_its_signature_imports_no_pairing_library() -> None:
    code = (
        "import sys, json; from ledger.draw.beacon import Beacon, ChainInfo, check_beacon; "
        "from ledger.draw.chains import LEAGUE_OF_ENTROPY_DEFAULT as c; "
        f"b = Beacon.from_json({_round_json('default', 72785)!r}); "
        "check_beacon(c, b, chain_hash=c.hash, round_number=72785, "
        "round_time=c.round_time(72785)); "
        "assert not [m for m in sys.modules if m.startswith('py_ecc')]"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()


def test_a_forged_signature_passes_the_hash_checks_but_not_the_signature_check() -> None:
    beacon = _round("default", 72785)
    forged = bytes(96)
    changed = dataclasses.replace(
        beacon, signature=forged, randomness=hashlib.sha256(forged).digest()
    )
    check_beacon(
        DEFAULT,
        changed,
        chain_hash=DEFAULT.hash,
        round_number=72785,
        round_time=DEFAULT.round_time(72785),
    )
    assert "signature: " in _failure(DEFAULT, changed)


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


SUPPORTED_OTHER = [r for r in OTHERS["rounds"] if r["chain"] == "testnet-unchained-3s"]


@pytest.mark.parametrize("data", SUPPORTED_OTHER, ids=[r["chain"] for r in SUPPORTED_OTHER])
def test_a_round_of_the_unchained_g2_scheme_verifies(data: dict[str, Any]) -> None:
    chain, beacon = _signature_only(data)
    assert chain.computed_hash() == chain.hash
    _verify(chain, beacon)


@pytest.mark.parametrize(
    "info",
    [VECTORS["chains"]["quicknet"], OTHERS["chains"]["fastnet"]],
    ids=["quicknet", "fastnet"],
)
def test_a_chain_signing_on_g1_is_refused_as_input(info: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="signs on G1, which this ledger does not verify"):
        ChainInfo.from_json(info)
