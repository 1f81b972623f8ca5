"""Offline verification of a drand randomness round against its chain's public information.

A drand chain is fixed by its public information (:class:`ChainInfo`: public key, period,
genesis time, group hash, scheme, beacon id), and identified by its chain hash::

    chain hash = SHA-256( period as 4-byte big-endian seconds ‖ genesis time as 8-byte
                          big-endian ‖ public key ‖ group hash ‖ beacon id, omitted when
                          it is "default" )

so a draw rule pins one 32-byte value and any copy of the information can be checked
against it. Each round r is published at ``genesis + (r - 1) × period`` and carries a
threshold BLS signature by the League of Entropy over (scheme by scheme, :data:`SCHEMES`):

- chained (``pedersen-bls-chained``): SHA-256(previous signature ‖ r as 8-byte big-endian);
- unchained (every other scheme): SHA-256(r as 8-byte big-endian);

and its randomness is SHA-256(signature). :func:`check_beacon` checks, in this order, the
chain information against the pinned hash, the round number, the round's time and the
randomness: hashing only, the standard library does it. :func:`verify_beacon_signature`
checks the BLS signature (:mod:`ledger.draw.bls`, imported only then, so that a verifier
without a pairing library can run everything else); :func:`verify_beacon` does both. Each
raises :class:`~ledger.errors.VerificationFailure` naming the round and what failed.

Supported schemes are those whose signatures lie on G2 (:data:`SCHEMES`); chains signing on
G1 (quicknet) are refused as input, since no maintained library here verifies them through
a ready-made call.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ledger.errors import InvalidInput, VerificationFailure

DEFAULT_BEACON_ID = "default"
DST_G2 = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
G1_SIZE = 48
UNSUPPORTED_SCHEMES = ("bls-unchained-g1-rfc9380", "bls-unchained-on-g1")


@dataclass(frozen=True)
class Scheme:
    """A drand signature scheme: what is signed, on which group, under which hash-to-curve tag."""

    id: str
    chained: bool
    signature_group: Literal["G2"]
    dst: bytes
    public_key_size: int = G1_SIZE


SCHEMES: Mapping[str, Scheme] = {
    scheme.id: scheme
    for scheme in (
        Scheme("pedersen-bls-chained", chained=True, signature_group="G2", dst=DST_G2),
        Scheme("pedersen-bls-unchained", chained=False, signature_group="G2", dst=DST_G2),
    )
}


@dataclass(frozen=True, kw_only=True)
class ChainInfo:
    """A drand chain's public information, as its ``/info`` endpoint publishes it."""

    public_key: bytes
    period: int
    genesis_time: int
    hash: bytes
    group_hash: bytes
    scheme_id: str
    beacon_id: str = DEFAULT_BEACON_ID

    def __post_init__(self) -> None:
        if self.scheme_id in UNSUPPORTED_SCHEMES:
            raise InvalidInput(
                f"drand scheme {self.scheme_id!r} signs on G1, which this ledger does not "
                f"verify (no ready-made call for it in a maintained library); supported: "
                f"{sorted(SCHEMES)}"
            )
        if self.scheme_id not in SCHEMES:
            raise InvalidInput(f"unknown drand scheme {self.scheme_id!r}; known: {sorted(SCHEMES)}")
        if self.period <= 0:
            raise InvalidInput(f"drand period must be positive, got {self.period}")
        size = self.scheme.public_key_size
        if len(self.public_key) != size:
            raise InvalidInput(
                f"a {self.scheme_id} public key has {size} bytes, got {len(self.public_key)}"
            )

    @property
    def scheme(self) -> Scheme:
        return SCHEMES[self.scheme_id]

    @classmethod
    def from_json(cls, info: Mapping[str, Any]) -> ChainInfo:
        """Read the JSON object a drand relay serves at ``/{chain hash}/info``."""
        try:
            metadata = info.get("metadata") or {}
            return cls(
                public_key=bytes.fromhex(info["public_key"]),
                period=int(info["period"]),
                genesis_time=int(info["genesis_time"]),
                hash=bytes.fromhex(info["hash"]),
                group_hash=bytes.fromhex(info["groupHash"]),
                scheme_id=str(info["schemeID"]),
                beacon_id=str(metadata.get("beaconID", DEFAULT_BEACON_ID)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"drand chain info is malformed: {exc!r}") from exc

    def computed_hash(self) -> bytes:
        """The chain hash these fields give (drand's ``Info.Hash``)."""
        digest = hashlib.sha256()
        digest.update(self.period.to_bytes(4, "big"))
        digest.update(self.genesis_time.to_bytes(8, "big", signed=True))
        digest.update(self.public_key)
        digest.update(self.group_hash)
        if self.beacon_id not in ("", DEFAULT_BEACON_ID):
            digest.update(self.beacon_id.encode("utf-8"))
        return digest.digest()

    def round_time(self, round_number: int) -> datetime:
        """When round ``round_number`` is published: genesis + (round - 1) × period, in UTC."""
        if round_number < 1:
            raise InvalidInput(f"drand rounds start at 1, got {round_number}")
        seconds = self.genesis_time + (round_number - 1) * self.period
        return datetime.fromtimestamp(seconds, UTC)

    def first_round_at_or_after(self, moment: datetime) -> int:
        """The first round published at or after ``moment`` (an aware datetime)."""
        if moment.tzinfo is None:
            raise InvalidInput("a moment must carry its time zone")
        elapsed = (moment - datetime.fromtimestamp(self.genesis_time, UTC)) // timedelta(
            microseconds=1
        )
        period = self.period * 1_000_000
        return max(1, -(-elapsed // period) + 1)


@dataclass(frozen=True, kw_only=True)
class Beacon:
    """One published round: its number, signature, randomness and (chained) previous signature."""

    round: int
    signature: bytes
    randomness: bytes
    previous_signature: bytes | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Beacon:
        """Read the JSON object a drand relay serves at ``/{chain hash}/public/{round}``."""
        try:
            previous = data.get("previous_signature")
            return cls(
                round=int(data["round"]),
                signature=bytes.fromhex(data["signature"]),
                randomness=bytes.fromhex(data["randomness"]),
                previous_signature=None if previous is None else bytes.fromhex(previous),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"drand beacon is malformed: {exc!r}") from exc


def beacon_message(scheme: Scheme, round_number: int, previous_signature: bytes | None) -> bytes:
    """The 32 bytes the chain signs for a round: SHA-256([previous signature ‖] round, 8 bytes)."""
    prefix = (previous_signature or b"") if scheme.chained else b""
    return hashlib.sha256(prefix + round_number.to_bytes(8, "big")).digest()


def verify_beacon(
    chain: ChainInfo,
    beacon: Beacon,
    *,
    chain_hash: bytes,
    round_number: int,
    round_time: datetime,
) -> None:
    """:func:`check_beacon`, then :func:`verify_beacon_signature`."""
    check_beacon(
        chain, beacon, chain_hash=chain_hash, round_number=round_number, round_time=round_time
    )
    verify_beacon_signature(chain, beacon)


def check_beacon(
    chain: ChainInfo,
    beacon: Beacon,
    *,
    chain_hash: bytes,
    round_number: int,
    round_time: datetime,
) -> None:
    """Check ``beacon`` is round ``round_number`` of the chain pinned by ``chain_hash``, all
    but its BLS signature.

    ``round_time`` is the time the caller (the draw rule) expects that round at; the chain
    must publish it exactly then. Raises :class:`VerificationFailure` on the first mismatch.
    """
    if round_time.tzinfo is None:
        raise InvalidInput("the expected round time must carry its time zone")
    where = _where(chain_hash, beacon)
    _verify_chain(where, chain, chain_hash)
    if beacon.round != round_number:
        raise VerificationFailure(
            where, f"round number: expected {round_number}, found {beacon.round}"
        )
    published = chain.round_time(round_number)
    if published != round_time.astimezone(UTC):
        raise VerificationFailure(
            where,
            f"round time: the chain publishes round {round_number} at {published.isoformat()} "
            f"(genesis {chain.genesis_time} + ({round_number} - 1) × {chain.period} s), "
            f"expected {round_time.isoformat()}",
        )
    expected = hashlib.sha256(beacon.signature).digest()
    if not hmac.compare_digest(expected, beacon.randomness):
        raise VerificationFailure(
            where,
            f"randomness: expected SHA-256(signature) = {expected.hex()}, "
            f"found {beacon.randomness.hex()}",
        )
    _check_previous(where, chain.scheme, beacon)


def _where(chain_hash: bytes, beacon: Beacon) -> str:
    return f"drand chain {chain_hash.hex()[:16]}… round {beacon.round}"


def _verify_chain(where: str, chain: ChainInfo, chain_hash: bytes) -> None:
    computed = chain.computed_hash()
    if not hmac.compare_digest(computed, chain_hash) or chain.hash != chain_hash:
        raise VerificationFailure(
            where,
            f"chain info: its public key, period, genesis time, group hash and beacon id hash "
            f"to {computed.hex()} (stated {chain.hash.hex()}), expected the pinned chain hash "
            f"{chain_hash.hex()}",
        )


def _check_previous(where: str, scheme: Scheme, beacon: Beacon) -> None:
    if scheme.chained and not beacon.previous_signature:
        raise VerificationFailure(
            where, f"previous signature: {scheme.id} signs it, and the beacon has none"
        )
    if not scheme.chained and beacon.previous_signature:
        raise VerificationFailure(
            where, f"previous signature: {scheme.id} is unchained, yet the beacon carries one"
        )


def verify_beacon_signature(chain: ChainInfo, beacon: Beacon) -> None:
    """Check the round's BLS signature under the chain's public key (needs ``py_ecc``)."""
    from ledger.draw.bls import verify_signature_on_g2  # the one import of a pairing library

    scheme = chain.scheme
    where = _where(chain.hash, beacon)
    _check_previous(where, scheme, beacon)
    message = beacon_message(scheme, beacon.round, beacon.previous_signature)
    signed = "SHA-256(previous signature ‖ round)" if scheme.chained else "SHA-256(round)"
    suspects = "the previous signature, " if scheme.chained else ""
    try:
        verify_signature_on_g2(where, chain.public_key, message, beacon.signature)
    except VerificationFailure as exc:
        raise VerificationFailure(
            where,
            f"signature: {exc.detail}; the chain signs {signed} for round {beacon.round}, so "
            f"the signature, {suspects}the round number or the public key is not the chain's",
        ) from exc
