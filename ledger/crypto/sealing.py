"""Sealed bids: encrypted by the bidder, openable only by a threshold of officials (C1, C2, C5).

The bidder encrypts the bid document with a fresh data key (XChaCha20-Poly1305, associated
data = tender, lot and bidder), splits the key ``threshold``-of-n among the opening
officials and seals each share to one official's X25519 key. A commitment to each share's
plaintext lets anyone check, at the opening, that a share handed in is the one the bidder
sealed; a commitment to the data key itself makes the rebuilt key, and so the revealed
document, the same whichever officials hand in their shares (XChaCha20-Poly1305 alone does
not commit to its key). The wire format is in ``sealed_json.py`` and
``docs/sealed-bid-format.md``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nacl.utils
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from ledger.canonical import canonical_bytes, loads_strict
from ledger.crypto import aead, shamir
from ledger.crypto.sealed_json import KeyShare, SealedBid, WrappedShare
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.rules.catalogue import BID_BOUND, SHARE_MATCHES_COMMITMENT

BID_AAD_VERSION = "bidledger/bid/v1"
SHARE_VERSION = "bidledger/share/v1"
COMMITMENT_DOMAIN = b"bidledger/share-commitment/v1\n"
KEY_COMMITMENT_DOMAIN = b"bidledger/data-key-commitment/v1\n"

__all__ = [
    "KeyShare",
    "OpeningOfficial",
    "SealedBid",
    "WrappedShare",
    "bid_aad",
    "check_binding",
    "data_key_commitment",
    "open_share",
    "reveal",
    "seal_bid",
    "share_commitment",
    "share_plaintext",
]

_CONTEXT = ("tender", "lot", "bidder", "official", "index")


@dataclass(frozen=True)
class OpeningOfficial:
    """An opening official named in the notice, with its 32-byte X25519 public key."""

    party: str
    encryption_key: bytes


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


def data_key_commitment(data_key: bytes) -> str:
    """Hex SHA-256 of the key-commitment domain followed by the 32-byte data key.

    The data key is 32 fresh random bytes, so publishing this digest reveals nothing usable.
    """
    if len(data_key) != aead.KEY_SIZE:
        raise InvalidInput(f"data key: must be {aead.KEY_SIZE} bytes, found {len(data_key)}")
    return hashlib.sha256(KEY_COMMITMENT_DOMAIN + data_key).hexdigest()


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
    commitment = data_key_commitment(data_key)
    return SealedBid(tender, lot, bidder, nonce, ciphertext, threshold, tuple(wrapped), commitment)


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
    """Check each share and the rebuilt key against the bidder's commitments, then decrypt.

    Raises :class:`RuleViolation` (C5) naming the official whose share does not match;
    :class:`InvalidInput` for a repeated official or fewer than ``threshold`` shares; and
    :class:`VerificationFailure` if the shares rebuild a key other than the committed one
    (the bidder's fault: its shares are consistent with their commitments but not with each
    other) or the ciphertext does not decrypt under the bound context.
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
    data_key = _rebuild_key(sealed, shares)
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


def _rebuild_key(sealed: SealedBid, shares: Sequence[KeyShare]) -> bytes:
    """Interpolate the data key and check it against the bidder's key commitment (C5)."""
    try:
        data_key = shamir.combine([k.share for k in shares])
        found = data_key_commitment(data_key)
    except VerificationFailure:  # the shares do not even interpolate to a 32-byte key
        data_key, found = b"", "no 32-byte key"
    if not hmac.compare_digest(found, sealed.key_commitment):
        officials = ", ".join(repr(k.official) for k in shares)
        raise VerificationFailure(
            f"sealed bid {sealed.tender}/{sealed.lot}/{sealed.bidder}",
            f"C5 the data key rebuilt from the shares of {officials} does not match the "
            f"bidder's key_commitment: expected {sealed.key_commitment}, found {found}; "
            "the bidder sealed shares and a key commitment that do not agree",
        )
    return data_key


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
        content = loads_strict(plaintext, "the unwrapped share")
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
