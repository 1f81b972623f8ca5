"""One official's share of a sealed bid: its plaintext, its commitment, opening it (C2, C5, C6).

An official unwraps its share with its X25519 private key and checks it against the context
and the commitment the bidder signed. A share it cannot open is not handed in but declared
(C6): either the sealed box does not open under the official's key (``does-not-unwrap``), or
it opens to something that is not this bid's share (``not-this-bids-share``). Only the
second can be shown to others: the official discloses what the box held, and if that
matches the bidder's own commitment while not being a share of this bid, the bidder's fault
is proven (:func:`disclosure_evidence`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

from ledger.canonical import canonical_bytes, loads_canonical
from ledger.crypto import shamir
from ledger.crypto.sealed_json import KeyShare, SealedBid, WrappedShare
from ledger.errors import InvalidInput, LedgerError, RuleViolation, VerificationFailure
from ledger.rules.catalogue import SHARE_MATCHES_COMMITMENT, UNOPENABLE_SHARE

SHARE_VERSION = "bidledger/share/v1"
COMMITMENT_DOMAIN = b"bidledger/share-commitment/v1\n"
Failure = Literal["does-not-unwrap", "not-this-bids-share"]
DOES_NOT_UNWRAP: Failure = "does-not-unwrap"
NOT_THIS_BIDS_SHARE: Failure = "not-this-bids-share"
Evidence = Literal["proven", "declared"]

__all__ = [
    "DOES_NOT_UNWRAP",
    "NOT_THIS_BIDS_SHARE",
    "Evidence",
    "Failure",
    "Unopenable",
    "check_handed_in",
    "disclosure_evidence",
    "entry_for",
    "open_or_declare",
    "open_share",
    "share_commitment",
    "share_plaintext",
    "wrapped_digest",
]

_CONTEXT = ("tender", "lot", "bidder", "official", "index")


@dataclass(frozen=True)
class Unopenable:
    """What an official declares instead of a share it cannot open."""

    failure: Failure
    wrapped_sha256: str  # the sealed box it tried, so the declaration names exactly that one
    disclosed: bytes | None  # what the box held, when it opened
    reason: str  # what went wrong, for the official's own record


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


def wrapped_digest(entry: WrappedShare) -> str:
    """Hex SHA-256 of one wrapped share (the sealed box as sealed): what a declaration names."""
    return hashlib.sha256(entry.wrapped).hexdigest()


def entry_for(sealed: SealedBid, official: str) -> WrappedShare:
    """``official``'s wrapped share of ``sealed``; :class:`InvalidInput` if it holds none."""
    for entry in sealed.shares:
        if entry.official == official:
            return entry
    raise InvalidInput(f"official {official!r} holds no share of this sealed bid")


def open_share(sealed: SealedBid, *, official: str, private_key: PrivateKey) -> KeyShare:
    """Unwrap ``official``'s share with its private key and check it belongs to this bid (C2).

    Raises :class:`VerificationFailure` if the key cannot unwrap the share or the share
    names another tender, lot, bidder, official or index than ``sealed``, and
    :class:`RuleViolation` (C5) if it does not match the bidder's commitment.
    """
    entry = entry_for(sealed, official)
    try:
        plaintext = SealedBox(private_key).decrypt(entry.wrapped)
    except CryptoError as exc:
        raise VerificationFailure(
            _position(sealed, official), "this private key does not unwrap the share"
        ) from exc
    return _share_from_plaintext(sealed, entry, plaintext)


def open_or_declare(
    sealed: SealedBid, *, official: str, private_key: PrivateKey
) -> KeyShare | Unopenable:
    """The official's share of ``sealed`` or, if it cannot be opened, what to declare (C6)."""
    entry = entry_for(sealed, official)
    try:
        plaintext = SealedBox(private_key).decrypt(entry.wrapped)
    except CryptoError:
        reason = "the sealed box does not open under this official's key"
        return Unopenable(DOES_NOT_UNWRAP, wrapped_digest(entry), None, reason)
    try:
        return _share_from_plaintext(sealed, entry, plaintext)
    except (VerificationFailure, RuleViolation) as exc:
        return Unopenable(NOT_THIS_BIDS_SHARE, wrapped_digest(entry), plaintext, str(exc))


def disclosure_evidence(sealed: SealedBid, official: str, disclosed: bytes | None) -> Evidence:
    """How far anyone can check a declaration that ``official``'s box held ``disclosed``.

    ``proven``: the disclosed bytes are what the bidder committed to, and they are not a
    share of this bid for this official. ``declared``: nothing was disclosed, or the bytes
    match no commitment, so the declaration rests on the official's signature. Raises
    :class:`RuleViolation` if the disclosed bytes are this bid's share exactly as committed:
    such a share opens, and must be handed in.
    """
    entry = entry_for(sealed, official)
    if disclosed is None:
        return "declared"
    if not hmac.compare_digest(share_commitment(disclosed), entry.commitment):
        return "declared"
    try:
        _share_from_plaintext(sealed, entry, disclosed)
    except (VerificationFailure, RuleViolation):
        return "proven"
    raise RuleViolation(
        UNOPENABLE_SHARE,
        f"{official} discloses its share of {sealed.lot}/{sealed.bidder} as committed: "
        "it opens, so it is handed in, not declared",
    )


def check_handed_in(sealed: SealedBid, key_share: KeyShare) -> None:
    """C5: a share handed in must be the one the bidder committed to for that official."""
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
    if key_share.index != entry.index or not hmac.compare_digest(found, entry.commitment):
        raise RuleViolation(
            SHARE_MATCHES_COMMITMENT,
            f"the share from {key_share.official!r} does not match the bidder's commitment: "
            f"expected {entry.commitment}, found {found}",
        )


def _share_from_plaintext(sealed: SealedBid, entry: WrappedShare, plaintext: bytes) -> KeyShare:
    position = _position(sealed, entry.official)
    content = _parse_share_plaintext(plaintext, position)
    _check_context(content, position, sealed, entry)
    if not hmac.compare_digest(share_commitment(plaintext), entry.commitment):
        raise RuleViolation(
            SHARE_MATCHES_COMMITMENT,
            f"the share {sealed.bidder!r} sealed to {entry.official!r} does not match its own "
            "commitment",
        )
    share = shamir.Share.from_hex(content["share"])  # checked by _parse_share_plaintext
    return KeyShare(official=entry.official, index=entry.index, share=share)


def _position(sealed: SealedBid, official: str) -> str:
    return f"sealed bid {sealed.tender}/{sealed.lot}/{sealed.bidder}, share of {official}"


def _parse_share_plaintext(plaintext: bytes, position: str) -> dict[str, Any]:
    try:
        content, encoded = loads_canonical(plaintext, "the unwrapped share")
        shamir.Share.from_hex(content["share"])
        canonical = encoded == plaintext
    except (ValueError, TypeError, KeyError, RecursionError, LedgerError) as exc:
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
