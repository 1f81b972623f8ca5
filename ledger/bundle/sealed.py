"""Sealed bids in a bundle: each bid's ciphertext and digest, and every revealed bid re-derived.

A standalone twin of ``ledger.crypto.sealed_json`` and ``ledger.crypto.sealing``
(docs/sealed-bid-format.md) for what a verifier needs: the ciphertext and digest a
BidSubmitted event recorded must be those of the sealed bid it carries, and each document
BidsRevealed lists must be what the sealed bid decrypts to with the key shares the officials
handed in (C5). Shamir interpolation and XChaCha20-Poly1305 come from ``ledger.crypto``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.bundle.format import (
    BundleFormatError,
    canonical_json,
    decode_b64,
    exact_fields,
    field,
    loads_strict,
)
from ledger.crypto import aead, shamir
from ledger.errors import LedgerError, VerificationFailure

SEALED_BID_VERSION = "bidledger/sealed-bid/v1"
BID_AAD_VERSION = "bidledger/bid/v1"
SHARE_VERSION = "bidledger/share/v1"
KEY_SHARE_VERSION = "bidledger/key-share/v1"
SHARE_COMMITMENT_DOMAIN = b"bidledger/share-commitment/v1\n"
KEY_COMMITMENT_DOMAIN = b"bidledger/data-key-commitment/v1\n"
_SEALED = frozenset(
    {"v", "tender", "lot", "bidder", "nonce", "ciphertext", "ciphertext_sha256"}
    | {"key_commitment", "threshold", "shares"}
)
_WRAPPED = frozenset({"official", "index", "wrapped", "commitment"})


@dataclass(frozen=True)
class SealedBid:
    """The parts of a sealed bid the verifier uses, and the event that carried it."""

    lot: str
    bidder: str
    nonce: bytes
    ciphertext: bytes
    key_commitment: str
    commitments: Mapping[str, tuple[int, str]]  # official -> (index, commitment)
    digest: str
    where: str


def check_submission(
    args: Mapping[str, Any], facts: Mapping[str, Any], actor: str, tender: str, where: str
) -> SealedBid:
    """A BidSubmitted's sealed bid: bound to tender, lot and bidder, its digests as recorded."""
    lot = field(args, "lot", str, "args")
    data = exact_fields(args.get("sealed"), _SEALED, "args.sealed")
    bound = {"v": SEALED_BID_VERSION, "tender": tender, "lot": lot, "bidder": actor}
    for name, expected in bound.items():
        if data[name] != expected:
            raise VerificationFailure(
                where, f"sealed bid names {name} {data[name]!r}, expected {expected!r} (C2)"
            )
    ciphertext = decode_b64(data["ciphertext"], "args.sealed.ciphertext")
    found = hashlib.sha256(ciphertext).hexdigest()
    for what, claimed in (
        ("the sealed bid's ciphertext_sha256", data["ciphertext_sha256"]),
        ("the ciphertext_sha256 the ledger recorded at submission", facts.get("ciphertext_sha256")),
    ):
        if claimed != found:
            raise VerificationFailure(
                where,
                f"swapped or altered bid ciphertext: lot {lot} bidder {actor}: the ciphertext "
                f"hashes to {found}, {what} is {claimed}",
            )
    digest = hashlib.sha256(canonical_json(data)).hexdigest()
    if facts.get("sealed_digest") != digest:
        raise VerificationFailure(
            where,
            f"sealed digest mismatch: lot {lot} bidder {actor}: the sealed bid hashes to "
            f"{digest}, the ledger recorded {facts.get('sealed_digest')}",
        )
    return SealedBid(
        lot=lot,
        bidder=actor,
        nonce=decode_b64(data["nonce"], "args.sealed.nonce"),
        ciphertext=ciphertext,
        key_commitment=field(data, "key_commitment", str, "args.sealed"),
        commitments=_commitments(data["shares"]),
        digest=digest,
        where=where,
    )


def bid_aad(tender: str, lot: str, bidder: str) -> bytes:
    """The associated data binding a bid's ciphertext to its tender, lot and bidder."""
    return canonical_json({"v": BID_AAD_VERSION, "tender": tender, "lot": lot, "bidder": bidder})


def share_commitment(tender: str, bid: SealedBid, official: str, index: int, share: str) -> str:
    """Hex SHA-256 of the share-commitment domain and the share's canonical plaintext."""
    plaintext = canonical_json(
        {
            "v": SHARE_VERSION,
            "tender": tender,
            "lot": bid.lot,
            "bidder": bid.bidder,
            "official": official,
            "index": index,
            "share": share,
        }
    )
    return hashlib.sha256(SHARE_COMMITMENT_DOMAIN + plaintext).hexdigest()


def open_bid(
    tender: str, bid: SealedBid, shares: Mapping[str, Mapping[str, Any]], where: str
) -> bytes:
    """C5: check each official's share against the bid's commitments, rebuild, decrypt."""
    label = f"lot {bid.lot} bidder {bid.bidder}"
    points = []
    for official, key_share in sorted(shares.items()):
        index = field(key_share, "index", int, "share")
        text = field(key_share, "share", str, "share")
        if key_share.get("v") != KEY_SHARE_VERSION or key_share.get("official") != official:
            raise VerificationFailure(where, f"{label}: the share of {official} is malformed")
        index_and_commitment = bid.commitments.get(official)
        found = share_commitment(tender, bid, official, index, text)
        if index_and_commitment is None or index_and_commitment != (index, found):
            raise VerificationFailure(
                where,
                f"C5 {label}: the key share {official} handed in is not the one the bidder "
                f"sealed (commitment {found})",
            )
        points.append(shamir.Share.from_hex(text))
    key = shamir.combine(points)
    committed = hashlib.sha256(KEY_COMMITMENT_DOMAIN + key).hexdigest()
    if not hmac.compare_digest(committed, bid.key_commitment):
        raise VerificationFailure(
            where, f"C5 {label}: the rebuilt data key does not match the bidder's key_commitment"
        )
    return aead.decrypt(key, bid.nonce, bid.ciphertext, bid_aad(tender, bid.lot, bid.bidder))


def check_revealed(
    tender: str,
    bid: SealedBid,
    shares: Mapping[str, Mapping[str, Any]],
    entry: Mapping[str, Any],
    where: str,
) -> None:
    """The revealed document and price must be what the sealed bid decrypts to (C5)."""
    label = f"lot {bid.lot} bidder {bid.bidder}"
    try:
        plaintext = open_bid(tender, bid, shares, where)
        document = loads_strict(plaintext, "document")
    except (BundleFormatError, LedgerError, ValueError) as exc:
        raise VerificationFailure(
            where, f"C5 {label}: the sealed bid does not open to the revealed document ({exc})"
        ) from None
    if document != entry.get("document"):
        raise VerificationFailure(
            where,
            f"C5 {label}: the revealed document is not what the sealed bid (submitted at "
            f"{bid.where}) decrypts to",
        )
    try:
        price = f"{Decimal(str(document['total_figures'])).quantize(Decimal('0.01'))}"
    except (KeyError, InvalidOperation, TypeError):
        price = None
    if price != entry.get("price"):
        raise VerificationFailure(
            where, f"C5 {label}: revealed price {entry.get('price')} is not the bid's {price}"
        )


def _commitments(shares: Any) -> dict[str, tuple[int, str]]:
    if not isinstance(shares, list):
        raise BundleFormatError("args.sealed.shares", "must be an array")
    result: dict[str, tuple[int, str]] = {}
    for number, item in enumerate(shares):
        where = f"args.sealed.shares[{number}]"
        exact_fields(item, _WRAPPED, where)
        official = field(item, "official", str, where)
        result[official] = (field(item, "index", int, where), field(item, "commitment", str, where))
    return result
