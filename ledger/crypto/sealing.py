"""Sealed bids: encrypted by the bidder, openable only by a threshold of officials (C1, C2, C5).

The bidder encrypts the bid document with a fresh data key (XChaCha20-Poly1305, associated
data = tender, lot and bidder), splits the key ``threshold``-of-n among the opening
officials and seals each share to one official's X25519 key. A commitment to each share's
plaintext lets anyone check, at the opening, that a share handed in is the one the bidder
sealed. The format is described in ``docs/sealed-bid-format.md``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import nacl.utils
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from ledger.canonical import canonical_bytes
from ledger.crypto import aead, shamir
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.rules.catalogue import BID_BOUND, SHARE_MATCHES_COMMITMENT

BID_AAD_VERSION = "bidledger/bid/v1"
SHARE_VERSION = "bidledger/share/v1"
SEALED_BID_VERSION = "bidledger/sealed-bid/v1"
KEY_SHARE_VERSION = "bidledger/key-share/v1"
COMMITMENT_DOMAIN = b"bidledger/share-commitment/v1\n"
SEALED_BOX_OVERHEAD = 48  # ephemeral X25519 public key (32) + Poly1305 tag (16)

__all__ = [
    "KeyShare",
    "OpeningOfficial",
    "SealedBid",
    "WrappedShare",
    "bid_aad",
    "check_binding",
    "open_share",
    "reveal",
    "seal_bid",
    "share_commitment",
    "share_plaintext",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTEXT = ("tender", "lot", "bidder", "official", "index")
_SEALED_KEYS = frozenset({"v", "tender", "lot", "bidder", "nonce", "ciphertext", "threshold"})
_SEALED_KEYS |= {"ciphertext_sha256", "shares"}
_WRAPPED_KEYS = frozenset({"official", "index", "wrapped", "commitment"})
_KEY_SHARE_KEYS = frozenset({"v", "official", "index", "share"})


@dataclass(frozen=True)
class OpeningOfficial:
    """An opening official named in the notice, with its 32-byte X25519 public key."""

    party: str
    encryption_key: bytes


@dataclass(frozen=True)
class WrappedShare:
    """One official's key share, sealed to its key, and the commitment to its plaintext."""

    official: str
    index: int
    wrapped: bytes
    commitment: str


@dataclass(frozen=True)
class SealedBid:
    """A bid document encrypted under a data key that only ``threshold`` officials can rebuild."""

    tender: str
    lot: str
    bidder: str
    nonce: bytes
    ciphertext: bytes
    threshold: int
    shares: tuple[WrappedShare, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form: base64 for binary fields, lower-case hex for digests."""
        return {
            "v": SEALED_BID_VERSION,
            "tender": self.tender,
            "lot": self.lot,
            "bidder": self.bidder,
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
            "ciphertext_sha256": hashlib.sha256(self.ciphertext).hexdigest(),
            "threshold": self.threshold,
            "shares": [
                {
                    "official": s.official,
                    "index": s.index,
                    "wrapped": _b64(s.wrapped),
                    "commitment": s.commitment,
                }
                for s in self.shares
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SealedBid:
        """Parse :meth:`to_json` output, checking every field; errors name the field."""
        _exact_keys(data, "sealed bid", _SEALED_KEYS)
        _expect(data, "v", SEALED_BID_VERSION)
        ciphertext = _b64_field(data, "ciphertext")
        if len(ciphertext) < aead.TAG_SIZE:
            raise InvalidInput(f"ciphertext: {len(ciphertext)} bytes, shorter than the tag")
        found = _str_field(data, "ciphertext_sha256", hex64=True)
        if found != hashlib.sha256(ciphertext).hexdigest():
            raise InvalidInput(f"ciphertext_sha256: {found} is not the digest of ciphertext")
        shares = data["shares"]
        if not isinstance(shares, list) or len(shares) < 2:
            raise InvalidInput("shares: must be a list of at least 2 wrapped shares")
        threshold = _int_field(data, "threshold", 2, len(shares))
        sealed = cls(
            tender=_str_field(data, "tender"),
            lot=_str_field(data, "lot"),
            bidder=_str_field(data, "bidder"),
            nonce=_b64_field(data, "nonce", aead.NONCE_SIZE),
            ciphertext=ciphertext,
            threshold=threshold,
            shares=tuple(_wrapped_from_json(item, n) for n, item in enumerate(shares, 1)),
        )
        officials = [s.official for s in sealed.shares]
        if len(set(officials)) != len(officials):
            raise InvalidInput("shares: an official is named more than once")
        return sealed

    def digest(self) -> str:
        """Hex SHA-256 of the canonical bytes of :meth:`to_json`: what the bidder signs."""
        return hashlib.sha256(canonical_bytes(self.to_json())).hexdigest()


@dataclass(frozen=True)
class KeyShare:
    """A share unwrapped by its official, to be handed in after the decryption time."""

    official: str
    index: int
    share: shamir.Share

    def to_json(self) -> dict[str, Any]:
        return {
            "v": KEY_SHARE_VERSION,
            "official": self.official,
            "index": self.index,
            "share": self.share.to_hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyShare:
        """Parse :meth:`to_json` output; errors name the field."""
        _exact_keys(data, "key share", _KEY_SHARE_KEYS)
        _expect(data, "v", KEY_SHARE_VERSION)
        index = _int_field(data, "index", 1, shamir.MAX_SHARES)
        try:
            share = shamir.Share.from_hex(data["share"])
        except InvalidInput as exc:
            raise InvalidInput(f"share: {exc}") from exc
        if share.index != index:
            raise InvalidInput(f"share: encodes index {share.index}, expected {index}")
        return cls(official=_str_field(data, "official"), index=index, share=share)


def bid_aad(*, tender: str, lot: str, bidder: str) -> bytes:
    """The associated data that binds a bid's ciphertext to its tender, lot and bidder."""
    return canonical_bytes({"v": BID_AAD_VERSION, "tender": tender, "lot": lot, "bidder": bidder})


def share_plaintext(
    *, tender: str, lot: str, bidder: str, official: str, index: int, share_hex: str
) -> bytes:
    """The canonical bytes sealed to one official: its share and the context it belongs to."""
    return canonical_bytes(
        {
            "v": SHARE_VERSION,
            "tender": tender,
            "lot": lot,
            "bidder": bidder,
            "official": official,
            "index": index,
            "share": share_hex,
        }
    )


def share_commitment(plaintext: bytes) -> str:
    """Hex SHA-256 of the commitment domain followed by a share's canonical plaintext."""
    return hashlib.sha256(COMMITMENT_DOMAIN + plaintext).hexdigest()


def seal_bid(
    document: bytes,
    *,
    tender: str,
    lot: str,
    bidder: str,
    officials: Sequence[OpeningOfficial],
    threshold: int,
) -> SealedBid:
    """Encrypt ``document`` and share its key ``threshold``-of-``len(officials)``.

    Preconditions: names are non-empty, officials distinct with 32-byte keys, and
    2 <= threshold <= len(officials), so that no single official can open the bid (C1).
    """
    for name, value in (("tender", tender), ("lot", lot), ("bidder", bidder)):
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"{name}: must be a non-empty string")
    parties = [o.party for o in officials]
    if len(set(parties)) != len(parties) or not all(parties):
        raise InvalidInput("officials: parties must be distinct, non-empty names")
    if not 2 <= threshold <= len(officials):
        raise InvalidInput(
            f"threshold: need 2 <= threshold <= {len(officials)} officials, found {threshold}"
        )
    data_key = nacl.utils.random(aead.KEY_SIZE)
    nonce = nacl.utils.random(aead.NONCE_SIZE)
    ciphertext = aead.encrypt(
        data_key, nonce, document, bid_aad(tender=tender, lot=lot, bidder=bidder)
    )
    pieces = shamir.split(data_key, threshold=threshold, count=len(officials))
    wrapped = []
    for official, piece in zip(officials, pieces, strict=True):
        plaintext = share_plaintext(
            tender=tender,
            lot=lot,
            bidder=bidder,
            official=official.party,
            index=piece.index,
            share_hex=piece.to_hex(),
        )
        box = SealedBox(_public_key(official))
        wrapped.append(
            WrappedShare(
                official.party, piece.index, box.encrypt(plaintext), share_commitment(plaintext)
            )
        )
    return SealedBid(tender, lot, bidder, nonce, ciphertext, threshold, tuple(wrapped))


def open_share(sealed: SealedBid, *, official: str, private_key: PrivateKey) -> KeyShare:
    """Unwrap ``official``'s share with its private key and check it belongs to this bid (C2).

    Raises :class:`VerificationFailure` if the key cannot unwrap the share or the share
    names another tender, lot, bidder, official or index than ``sealed``.
    """
    entry = _entry_for(sealed, official)
    position = f"sealed bid {sealed.tender}/{sealed.lot}/{sealed.bidder}, share of {official}"
    try:
        plaintext = SealedBox(private_key).decrypt(entry.wrapped)
    except CryptoError as exc:
        raise VerificationFailure(position, "this private key does not unwrap the share") from exc
    content = _parse_share_plaintext(plaintext, position)
    _check_context(content, position, sealed, entry)
    if not hmac.compare_digest(share_commitment(plaintext), entry.commitment):
        raise RuleViolation(
            SHARE_MATCHES_COMMITMENT,
            f"the share {sealed.bidder!r} sealed to {official!r} does not match its own commitment",
        )
    share = shamir.Share.from_hex(content["share"])  # checked by _parse_share_plaintext
    return KeyShare(official=official, index=entry.index, share=share)


def reveal(sealed: SealedBid, shares: Sequence[KeyShare]) -> bytes:
    """Check each share against the bidder's commitment, rebuild the key and decrypt.

    Raises :class:`RuleViolation` (C5) naming the official whose share does not match,
    :class:`InvalidInput` for a repeated official or fewer than ``threshold`` shares, and
    :class:`VerificationFailure` if the ciphertext does not decrypt under the bound context.
    """
    seen: set[str] = set()
    for key_share in shares:
        if key_share.official in seen:
            raise InvalidInput(f"official {key_share.official!r} handed in more than one share")
        seen.add(key_share.official)
        _check_commitment(sealed, key_share)
    if len(shares) < sealed.threshold:
        raise InvalidInput(
            f"{len(shares)} shares given; {sealed.threshold} are needed to open the bid"
        )
    data_key = shamir.combine([k.share for k in shares])
    aad = bid_aad(tender=sealed.tender, lot=sealed.lot, bidder=sealed.bidder)
    try:
        return aead.decrypt(data_key, sealed.nonce, sealed.ciphertext, aad)
    except VerificationFailure as exc:
        raise VerificationFailure(
            f"sealed bid {sealed.tender}/{sealed.lot}/{sealed.bidder}",
            "the ciphertext does not open with the rebuilt key and this tender, lot and bidder",
        ) from exc


def check_binding(sealed: SealedBid, *, tender: str, lot: str, bidder: str) -> None:
    """Raise :class:`RuleViolation` (C2) unless ``sealed`` names this tender, lot and bidder."""
    for name, expected, found in (
        ("tender", tender, sealed.tender),
        ("lot", lot, sealed.lot),
        ("bidder", bidder, sealed.bidder),
    ):
        if found != expected:
            raise RuleViolation(
                BID_BOUND, f"the sealed bid names {name} {found!r}, expected {expected!r}"
            )


def _check_commitment(sealed: SealedBid, key_share: KeyShare) -> None:
    entry = next((s for s in sealed.shares if s.official == key_share.official), None)
    if entry is None:
        raise RuleViolation(
            SHARE_MATCHES_COMMITMENT, f"{key_share.official!r} holds no share of this bid"
        )
    plaintext = share_plaintext(
        tender=sealed.tender,
        lot=sealed.lot,
        bidder=sealed.bidder,
        official=entry.official,
        index=key_share.index,
        share_hex=key_share.share.to_hex(),
    )
    found = share_commitment(plaintext)
    if not hmac.compare_digest(found, entry.commitment):
        raise RuleViolation(
            SHARE_MATCHES_COMMITMENT,
            f"the share from {key_share.official!r} does not match the bidder's commitment: "
            f"expected {entry.commitment}, found {found}",
        )


def _entry_for(sealed: SealedBid, official: str) -> WrappedShare:
    for entry in sealed.shares:
        if entry.official == official:
            return entry
    raise InvalidInput(f"official {official!r} holds no share of this sealed bid")


def _public_key(official: OpeningOfficial) -> PublicKey:
    if len(official.encryption_key) != PublicKey.SIZE:
        raise InvalidInput(
            f"officials: {official.party!r} key must be {PublicKey.SIZE} bytes, "
            f"found {len(official.encryption_key)}"
        )
    return PublicKey(official.encryption_key)


def _parse_share_plaintext(plaintext: bytes, position: str) -> dict[str, Any]:
    try:
        content = json.loads(plaintext)
        shamir.Share.from_hex(content["share"])
        canonical = canonical_bytes(content) == plaintext
    except (ValueError, TypeError, KeyError, InvalidInput) as exc:
        raise VerificationFailure(position, f"the unwrapped share is malformed: {exc}") from exc
    if (
        not canonical
        or not isinstance(content, dict)
        or set(content) != {"v", "share", *_CONTEXT}
        or content["v"] != SHARE_VERSION
    ):
        raise VerificationFailure(
            position, f"the unwrapped share is not a canonical {SHARE_VERSION}"
        )
    return content


def _check_context(
    content: dict[str, Any], position: str, sealed: SealedBid, entry: WrappedShare
) -> None:
    expected = {
        "tender": sealed.tender,
        "lot": sealed.lot,
        "bidder": sealed.bidder,
        "official": entry.official,
        "index": entry.index,
    }
    for name in _CONTEXT:
        found = content[name]
        if found != expected[name] or type(found) is not type(expected[name]):
            raise VerificationFailure(
                position, f"share {name}: expected {expected[name]!r}, found {found!r}"
            )
    encoded = int(content["share"][:4], 16)
    if encoded != entry.index:
        raise VerificationFailure(position, f"share encodes index {encoded}, not {entry.index}")


def _wrapped_from_json(item: Any, number: int) -> WrappedShare:
    where = f"shares[{number - 1}]"
    _exact_keys(item, where, _WRAPPED_KEYS)
    index = _int_field(item, "index", number, number, where)
    wrapped = _b64_field(item, "wrapped", where=where)
    if len(wrapped) <= SEALED_BOX_OVERHEAD:
        raise InvalidInput(f"{where}.wrapped: {len(wrapped)} bytes is too short for a sealed box")
    return WrappedShare(
        official=_str_field(item, "official", where=where),
        index=index,
        wrapped=wrapped,
        commitment=_str_field(item, "commitment", hex64=True, where=where),
    )


def _exact_keys(data: Any, where: str, keys: frozenset[str]) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    if missing := sorted(keys - set(data)):
        raise InvalidInput(f"{where}: missing field {missing[0]}")
    if extra := sorted(set(data) - keys, key=str):
        raise InvalidInput(f"{where}: unknown field {extra[0]}")


def _expect(data: Mapping[str, Any], name: str, value: str) -> None:
    if data[name] != value:
        raise InvalidInput(f"{name}: expected {value!r}, found {data[name]!r}")


def _str_field(data: Mapping[str, Any], name: str, hex64: bool = False, where: str = "") -> str:
    value, label = data[name], f"{where}.{name}" if where else name
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{label}: must be a non-empty string")
    if hex64 and not _HEX64.fullmatch(value):
        raise InvalidInput(f"{label}: must be 64 lower-case hex characters, found {value!r}")
    return value


def _int_field(data: Mapping[str, Any], name: str, low: int, high: int, where: str = "") -> int:
    value, label = data[name], f"{where}.{name}" if where else name
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        allowed = str(low) if low == high else f"an integer in {low}..{high}"
        raise InvalidInput(f"{label}: must be {allowed}, found {value!r}")
    return value


def _b64_field(data: Mapping[str, Any], name: str, size: int = 0, where: str = "") -> bytes:
    value, label = data[name], f"{where}.{name}" if where else name
    try:
        raw = base64.b64decode(value, validate=True) if isinstance(value, str) else None
    except binascii.Error:
        raw = None
    if raw is None or _b64(raw) != value:
        raise InvalidInput(f"{label}: must be standard padded base64")
    if size and len(raw) != size:
        raise InvalidInput(f"{label}: must decode to {size} bytes, found {len(raw)}")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
