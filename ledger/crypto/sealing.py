"""Sealed bids: encrypted by the bidder, openable only by a threshold of officials (C1, C2, C5).

The bidder pads the bid document to a size class (V2, :mod:`ledger.crypto.padding`),
encrypts it with a fresh data key (XChaCha20-Poly1305, associated data = tender, lot and
bidder), splits the key ``threshold``-of-n among the opening officials and seals each share
to one official's X25519 key. A commitment to each share's plaintext lets anyone check, at
the opening, that a share handed in is the one the bidder sealed
(:mod:`ledger.crypto.key_shares`); a commitment to the data key itself makes the rebuilt
key, and so the revealed document, the same whichever officials hand in their shares
(XChaCha20-Poly1305 alone does not commit to its key). Shares that are not all on one
polynomial do not block the opening: the reveal looks, in a fixed order, for a set of
``threshold`` of them that rebuilds the committed key (C6). The wire format is in
``sealed_json.py`` and ``docs/sealed-bid-format.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import nacl.utils
from nacl.public import PublicKey, SealedBox

from ledger.canonical import canonical_bytes
from ledger.crypto import aead, padding, shamir
from ledger.crypto.key_shares import (
    check_handed_in,
    open_share,
    share_commitment,
    share_plaintext,
)
from ledger.crypto.sealed_json import KeyShare, SealedBid, WrappedShare
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.rules.catalogue import BID_BOUND

BID_AAD_VERSION = "bidledger/bid/v2"
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
    "rebuild_key",
    "reveal",
    "seal_bid",
    "share_commitment",
    "share_plaintext",
    "share_sets",
]


@dataclass(frozen=True)
class OpeningOfficial:
    """An opening official named in the notice, with its 32-byte X25519 public key."""

    party: str
    encryption_key: bytes


def bid_aad(*, tender: str, lot: str, bidder: str) -> bytes:
    """The associated data that binds a bid's ciphertext to its tender, lot and bidder."""
    return canonical_bytes({"v": BID_AAD_VERSION, "tender": tender, "lot": lot, "bidder": bidder})


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
    """Pad ``document`` to its size class, encrypt it, share its key ``threshold``-of-n.

    Preconditions: names are non-empty, officials distinct with 32-byte keys, and
    2 <= threshold <= len(officials), so that no single official can open the bid (C1);
    the document is shorter than the largest size class.
    """
    _check_sealing(tender=tender, lot=lot, bidder=bidder, officials=officials, threshold=threshold)
    data_key = nacl.utils.random(aead.KEY_SIZE)
    nonce = nacl.utils.random(aead.NONCE_SIZE)
    aad = bid_aad(tender=tender, lot=lot, bidder=bidder)
    ciphertext = aead.encrypt(data_key, nonce, padding.pad(document), aad)
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
        box = SealedBox(_public_key(official)).encrypt(plaintext)
        wrapped.append(WrappedShare(official.party, piece.index, box, share_commitment(plaintext)))
    commitment = data_key_commitment(data_key)
    return SealedBid(tender, lot, bidder, nonce, ciphertext, threshold, tuple(wrapped), commitment)


def _check_sealing(
    *, tender: str, lot: str, bidder: str, officials: Sequence[OpeningOfficial], threshold: int
) -> None:
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


def reveal(sealed: SealedBid, shares: Sequence[KeyShare]) -> bytes:
    """Check each share and the rebuilt key against the bidder's commitments, then decrypt.

    Raises :class:`RuleViolation` (C5) naming the official whose share does not match;
    :class:`InvalidInput` for a repeated official or fewer than ``threshold`` shares; and
    :class:`VerificationFailure` if no ``threshold`` of the shares rebuild the committed key
    (the bidder's fault: its shares match their commitments but not each other), the
    ciphertext does not decrypt under the bound context, or its padding is malformed.
    """
    seen: set[str] = set()
    for key_share in shares:
        if key_share.official in seen:
            raise InvalidInput(f"official {key_share.official!r} handed in more than one share")
        seen.add(key_share.official)
        check_handed_in(sealed, key_share)
    if len(shares) < sealed.threshold:
        raise InvalidInput(
            f"{len(shares)} shares given; {sealed.threshold} are needed to open the bid"
        )
    data_key = rebuild_key(sealed, shares)
    aad = bid_aad(tender=sealed.tender, lot=sealed.lot, bidder=sealed.bidder)
    where = f"sealed bid {sealed.tender}/{sealed.lot}/{sealed.bidder}"
    try:
        padded = aead.decrypt(data_key, sealed.nonce, sealed.ciphertext, aad)
    except VerificationFailure as exc:
        raise VerificationFailure(
            where,
            "the ciphertext does not open with the rebuilt key and this tender, lot and bidder",
        ) from exc
    try:
        return padding.unpad(padded)
    except VerificationFailure as exc:
        raise VerificationFailure(where, f"V2 the document's padding: {exc.detail}") from exc


def rebuild_key(sealed: SealedBid, shares: Sequence[KeyShare]) -> bytes:
    """The data key the bidder committed to, from the first set of shares that rebuilds it.

    The sets are tried in a fixed order (:func:`share_sets`), so a re-execution finds the
    same key; any set that matches the key commitment gives that one key. Raises
    :class:`VerificationFailure` (C5) naming the officials if no set does.
    """
    for subset in share_sets(shares, sealed.threshold):
        try:
            data_key = shamir.combine([k.share for k in subset])
        except VerificationFailure:  # these shares do not interpolate to a 32-byte key
            continue
        if hmac.compare_digest(data_key_commitment(data_key), sealed.key_commitment):
            return data_key
    officials = ", ".join(repr(k.official) for k in sorted(shares, key=lambda k: k.index))
    raise VerificationFailure(
        f"sealed bid {sealed.tender}/{sealed.lot}/{sealed.bidder}",
        f"C5 no {sealed.threshold} of the shares of {officials} rebuild a data key matching "
        f"the bidder's key_commitment {sealed.key_commitment}; the bidder sealed shares and "
        "a key commitment that do not agree",
    )


def share_sets(shares: Sequence[KeyShare], threshold: int) -> Iterator[tuple[KeyShare, ...]]:
    """All the shares, then every ``threshold`` of them, by share index in lexicographic order."""
    ordered = tuple(sorted(shares, key=lambda k: k.index))
    if len(ordered) > threshold:
        yield ordered
    yield from itertools.combinations(ordered, threshold)


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


def _public_key(official: OpeningOfficial) -> PublicKey:
    if len(official.encryption_key) != PublicKey.SIZE:
        raise InvalidInput(
            f"officials: {official.party!r} key must be {PublicKey.SIZE} bytes, "
            f"found {len(official.encryption_key)}"
        )
    return PublicKey(official.encryption_key)
