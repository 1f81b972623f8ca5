"""Verification of sealed bids across the log: swapped ciphertexts and revealed contents (C5).

Each ``BidSubmitted`` must carry a ciphertext whose SHA-256 is the digest the ledger recorded
(and the sealed bid the digest it recorded); a mismatch is named as a swapped or altered
ciphertext before the event's own hash is compared. Each ``BidsRevealed`` is opened again:
every revealed document must be exactly what that bid's ciphertext decrypts to with the key
shares the officials handed in (as logged), and every bid marked unreadable must not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.canonical import canonical_bytes
from ledger.crypto.sealing import KeyShare, SealedBid, reveal
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.events import LedgerEvent
from ledger.store import LedgerStore
from ledger.tender.aggregate import money
from ledger.tender.bid_document import parse_bid_document

BidKey = tuple[str, str]  # (lot, bidder)
_FAILURES = (VerificationFailure, RuleViolation, InvalidInput, ValueError, KeyError, TypeError)


@dataclass
class _Reveal:
    stream: UUID
    version: int
    where: str
    bids: dict[BidKey, int]  # the bid's stream version, as it stood at the reveal
    shares: dict[str, dict[BidKey, Any]]  # official -> its logged shares


@dataclass
class _TenderBids:
    bids: dict[BidKey, int] = field(default_factory=dict)
    shares: dict[str, dict[BidKey, Any]] = field(default_factory=dict)


class BidAudit:
    """Collects sealed bids, key shares and reveals while the log is walked; checks them."""

    def __init__(self) -> None:
        self._tenders: dict[UUID, _TenderBids] = {}
        self._reveals: list[_Reveal] = []

    def event(self, event: LedgerEvent, where: str) -> None:
        """Check a submitted bid's ciphertext now; note what the reveal check needs later."""
        kind = type(event).__name__
        if kind == "BidSubmitted":
            check_ciphertext(event, where)
            key = (str(event.args["lot"]), event.actor)
            self._tender(event).bids[key] = event.originator_version
        elif kind == "KeySharesSubmitted":
            self._tender(event).shares[event.actor] = {
                (str(item["lot"]), str(item["bidder"])): item["share"]
                for item in event.args["shares"]
            }
        elif kind == "BidsRevealed":
            tender = self._tender(event)
            self._reveals.append(
                _Reveal(
                    event.originator_id,
                    event.originator_version,
                    where,
                    dict(tender.bids),
                    dict(tender.shares),
                )
            )

    def finish(self, store: LedgerStore) -> None:
        """Open every revealed bid again from the log and compare (C5)."""
        for item in self._reveals:
            event = store.event_at(item.stream, item.version)
            for lot, bids in event.facts["bids"].items():
                for bidder, entry in bids.items():
                    _check_revealed(store, item, (lot, bidder), entry)
            for lot, bidders in event.facts["unreadable"].items():
                for bidder in bidders:
                    _check_unreadable(store, item, (lot, bidder))

    def _tender(self, event: LedgerEvent) -> _TenderBids:
        return self._tenders.setdefault(event.originator_id, _TenderBids())


def check_ciphertext(event: LedgerEvent, where: str) -> None:
    """The sealed bid's ciphertext and digest must be the ones the ledger recorded."""
    sealed = event.args["sealed"]
    label = f"bid of {event.actor} for lot {event.args['lot']}"
    actual = hashlib.sha256(base64.b64decode(sealed["ciphertext"], validate=True)).hexdigest()
    for what, value in (
        ("the ledger recorded", event.facts.get("ciphertext_sha256")),
        ("the sealed bid states", sealed.get("ciphertext_sha256")),
    ):
        if not hmac.compare_digest(actual, str(value)):
            raise VerificationFailure(
                where,
                f"bid ciphertext swapped or altered: the {label} holds a ciphertext "
                f"hashing to {actual}, {what} {value}",
            )
    digest = SealedBid.from_json(sealed).digest()
    recorded = str(event.facts.get("sealed_digest"))
    if not hmac.compare_digest(digest, recorded):
        raise VerificationFailure(
            where,
            f"sealed bid altered: the {label} has digest {digest}, the ledger recorded {recorded}",
        )


def _open(store: LedgerStore, item: _Reveal, key: BidKey) -> bytes:
    version = item.bids.get(key)
    if version is None:
        raise InvalidInput(f"no bid of {key[1]} for lot {key[0]} was submitted before the reveal")
    sealed = SealedBid.from_json(store.event_at(item.stream, version).args["sealed"])
    shares = [
        KeyShare.from_json(given[key]) for _, given in sorted(item.shares.items()) if key in given
    ]
    return reveal(sealed, shares)


def _check_revealed(store: LedgerStore, item: _Reveal, key: BidKey, entry: Any) -> None:
    label = f"revealed bid of {key[1]} for lot {key[0]}"
    try:
        document = parse_bid_document(_open(store, item, key))
    except _FAILURES as exc:
        raise VerificationFailure(
            item.where,
            f"{label} does not open from its logged ciphertext and key shares (C5): {exc}",
        ) from None
    if dict(document.raw) != entry.get("document"):
        raise VerificationFailure(
            item.where, f"{label} is not what its sealed ciphertext decrypts to (C5)"
        )
    if money(document.stated_price) != entry.get("price"):
        raise VerificationFailure(
            item.where,
            f"{label}: the ledger recorded price {entry.get('price')}, its sealed ciphertext "
            f"holds {money(document.stated_price)} (C5)",
        )


def _check_unreadable(store: LedgerStore, item: _Reveal, key: BidKey) -> None:
    try:
        canonical_bytes(dict(parse_bid_document(_open(store, item, key)).raw))
    except _FAILURES:
        return
    raise VerificationFailure(
        item.where, f"the bid of {key[1]} for lot {key[0]} is recorded unreadable, but it opens"
    )
