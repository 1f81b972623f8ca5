"""The tender's sealed bids followed through the bundle, up to every revealed bid (C2, C5).

BidSubmitted: the sealed bid must be bound to its tender, lot and bidder and carry the
ciphertext and digest the ledger recorded. DecryptionAuthorised must name the bidder's
current bid. KeySharesSubmitted: the shares each official handed in. BidsRevealed: every
revealed document must be what its sealed bid decrypts to with those shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.bundle.format import BundleFormatError, loads_strict
from ledger.bundle.format import field as get
from ledger.bundle.records import Record
from ledger.bundle.sealed import SealedBid, check_revealed, check_submission, open_bid
from ledger.errors import LedgerError, VerificationFailure

BidKey = tuple[str, str]  # (lot, bidder)


@dataclass
class Opening:
    """Sealed bids, the officials' key shares and the revealed bids of one tender."""

    tender: str
    bids: dict[BidKey, SealedBid] = field(default_factory=dict)
    shares: dict[str, dict[BidKey, Mapping[str, Any]]] = field(default_factory=dict)
    sealed_bids: int = 0
    revealed: int = 0
    unreadable: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def content(self, record: Record, where: str) -> SealedBid | None:
        """Check what a tender event carries on its own (before its hash and signature)."""
        if record.type != "BidSubmitted":
            return None
        try:
            return check_submission(record.args, record.facts, record.actor, self.tender, where)
        except BundleFormatError as exc:
            raise VerificationFailure(where, f"sealed bid is malformed: {exc}") from None

    def apply(self, record: Record, sealed: SealedBid | None, where: str) -> None:
        """Follow one authenticated tender event."""
        if sealed is not None:
            self.bids[(sealed.lot, sealed.bidder)] = sealed
            self.sealed_bids += 1
        elif record.type == "DecryptionAuthorised":
            self._authorised(record, where)
        elif record.type == "KeySharesSubmitted":
            self._shares(record, where)
        elif record.type == "BidsRevealed":
            self._revealed(record, where)

    def _authorised(self, record: Record, where: str) -> None:
        key = (str(record.args.get("lot")), record.actor)
        bid = self.bids.get(key)
        if bid is None or record.facts.get("sealed_digest") != bid.digest:
            raise VerificationFailure(
                where,
                f"decryption authorised for lot {key[0]} bidder {key[1]} names sealed digest "
                f"{record.facts.get('sealed_digest')}, not the bid submitted "
                f"({bid.digest if bid else 'none'})",
            )

    def _shares(self, record: Record, where: str) -> None:
        items = record.args.get("shares")
        if not isinstance(items, list) or record.actor in self.shares:
            raise VerificationFailure(
                where, f"key shares of {record.actor} are malformed or repeated"
            )
        given: dict[BidKey, Mapping[str, Any]] = {}
        for item in items:
            try:
                key = (get(item, "lot", str, "share"), get(item, "bidder", str, "share"))
                given[key] = get(item, "share", dict, "share")
            except BundleFormatError as exc:
                raise VerificationFailure(where, f"key share is malformed: {exc}") from None
        self.shares[record.actor] = given

    def _revealed(self, record: Record, where: str) -> None:
        officials = record.facts.get("officials")
        if officials != sorted(self.shares):
            raise VerificationFailure(
                where,
                f"C5 the reveal names officials {officials}, but the officials who handed in "
                f"shares are {sorted(self.shares)}",
            )
        bids = record.facts.get("bids")
        if not isinstance(bids, dict):
            raise VerificationFailure(where, "facts.bids must be an object")
        for lot, by_bidder in sorted(bids.items()):
            for bidder, entry in sorted(dict(by_bidder).items()):
                bid = self._bid(lot, bidder, where)
                check_revealed(self.tender, bid, self._shares_of(bid, where), entry, where)
                self.revealed += 1
        for lot, bidders in sorted(dict(record.facts.get("unreadable") or {}).items()):
            for bidder in bidders:
                self._unreadable(self._bid(lot, str(bidder), where), where)

    def _unreadable(self, bid: SealedBid, where: str) -> None:
        label = f"lot {bid.lot} bidder {bid.bidder}"
        self.unreadable.append(label)
        try:
            plaintext = open_bid(self.tender, bid, self._shares_of(bid, where), where)
            loads_strict(plaintext, "document")
        except (VerificationFailure, BundleFormatError, LedgerError, ValueError):
            return
        self.warnings.append(
            f"{label} was declared unreadable at {where}, but it decrypts to a JSON document: "
            "the ledger refused it on its bid-document rules, which this verifier does not re-run"
        )

    def _bid(self, lot: str, bidder: str, where: str) -> SealedBid:
        bid = self.bids.get((lot, bidder))
        if bid is None:
            raise VerificationFailure(
                where, f"C5 lot {lot} bidder {bidder} is revealed but never submitted a bid"
            )
        return bid

    def _shares_of(self, bid: SealedBid, where: str) -> dict[str, Mapping[str, Any]]:
        result = {}
        for official, given in self.shares.items():
            share = given.get((bid.lot, bid.bidder))
            if share is None:
                raise VerificationFailure(
                    where, f"C5 {official} handed in no share of lot {bid.lot} bidder {bid.bidder}"
                )
            result[official] = share
        return result
