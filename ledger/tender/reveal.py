"""Hand in key shares, reveal every authorised bid at once, sign the opening record.

No share is accepted before decryption closes, and each official hands in the shares of
every authorised bid in one command, each checked against the commitment the bidder signed
in its sealed bid (C4, C5). Once a threshold of officials has done so, the ledger rebuilds
each data key, decrypts, and records all revealed bids in one event (C1, C4); a price above
the lot's ceiling is recorded as invalid (§11.6). Replay reads only that event's facts.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger import args as read
from ledger.canonical import canonical_bytes
from ledger.clock import format_time
from ledger.crypto.sealing import KeyShare, SealedBid, reveal, share_commitment, share_plaintext
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.events import LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender, money
from ledger.tender.bid_document import parse_bid_document
from ledger.tender.state import Bid

BidKey = tuple[str, str]  # (lot, bidder)


class KeySharesSubmitted(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        shares: dict[str, Any] = {}
        for item in self.args["shares"]:
            shares.setdefault(item["lot"], {})[item["bidder"]] = dict(item["share"])
        aggregate.key_shares[self.actor] = shares


class BidsRevealed(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.revealed_at = self.timestamp
        for lot_id, bids in self.facts["bids"].items():
            for bidder, entry in bids.items():
                bid = aggregate.lots[lot_id].bids[bidder]
                bid.status, bid.document = "revealed", dict(entry["document"])
                bid.price = Decimal(entry["price"])
        for lot_id, bidders in self.facts["unreadable"].items():
            for bidder in bidders:
                aggregate.lots[lot_id].bids[bidder].status = "revealed"
        for lot_id, reasons_by_bidder in self.facts["invalid"].items():
            for bidder, reasons in reasons_by_bidder.items():
                aggregate.lots[lot_id].bids[bidder].invalid.extend(reasons)
        for lot in aggregate.lots.values():
            if lot.status == "open":
                lot.status = "opened"
            lot.opening_record = self.event_hash


class OpeningRecordSigned(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.lots[self.args["lot"]].opening_signers.add(self.actor)


def submit_key_shares(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """An official hands in its shares of every authorised bid, all at once (C4, C5)."""
    registry.authenticate(command, now, "official")
    tender.check_not_suspended(command.command)
    if tender.decryption_closed_at is None:
        raise RuleViolation(
            rules.REVEAL_ALL_AT_ONCE,
            "no key share is accepted before the decryption time closes (CloseDecryption "
            "must come first)",
        )
    _not_revealed(tender)
    official = command.actor
    if official not in {o["party"] for o in tender.officials}:
        raise RuleViolation(
            rules.ROLE_NOT_HELD, f"{official} is not an opening official of tender {tender.code}"
        )
    if official in tender.key_shares:
        raise RuleViolation(rules.PHASE_ORDER, f"{official} has already handed in its shares")
    given = _read_shares(command.args, official)
    expected = {(bid.lot, bid.bidder): bid for bid in authorised_bids(tender)}
    missing, extra = sorted(set(expected) - set(given)), sorted(set(given) - set(expected))
    if missing or extra:
        raise RuleViolation(
            rules.REVEAL_ALL_AT_ONCE,
            f"{official} must hand in one share for every authorised bid at once: "
            f"missing {_names(missing)}, not authorised {_names(extra)}",
        )
    for key, key_share in sorted(given.items()):
        _check_share(expected[key], key_share, official)
    tender.record(KeySharesSubmitted, command, now, {"shares": len(given)})


def reveal_bids(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """The ledger opens every authorised bid at once, from a threshold of officials (C1, C4)."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    check_own_agency(tender, command)
    if tender.decryption_closed_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER, "CloseDecryption and the officials' key shares must come first"
        )
    _not_revealed(tender)
    if len(tender.key_shares) < tender.threshold:
        raise RuleViolation(
            rules.THRESHOLD_TO_OPEN,
            f"{len(tender.key_shares)} official(s) handed in shares "
            f"({', '.join(sorted(tender.key_shares)) or 'none'}); {tender.threshold} are needed",
        )
    facts: dict[str, Any] = {
        "officials": sorted(tender.key_shares),
        "bids": {},
        "unreadable": {},
        "invalid": {},
        "over_ceiling": {},
    }
    for bid in authorised_bids(tender):
        _reveal_one(tender, bid, facts)
    tender.record(BidsRevealed, command, now, facts)


def sign_opening_record(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """A bidder with a revealed bid signs the lot's opening record (§23.2(7)), once."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    if tender.revealed_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER, "RevealBids must come first: there is no opening record yet"
        )
    lot = tender.lot(read.text(command.args, "lot"))
    bid = lot.bids.get(command.actor)
    if bid is None or bid.status != "revealed":
        raise RuleViolation(
            rules.OPENING_RECORD_SIGNED, f"{command.actor} has no revealed bid in lot {lot.lot}"
        )
    if command.actor in lot.opening_signers:
        raise RuleViolation(
            rules.OPENING_RECORD_SIGNED,
            f"{command.actor} has already signed the opening record of lot {lot.lot}",
        )
    tender.record(OpeningRecordSigned, command, now, {"opening_record": lot.opening_record})


def authorised_bids(tender: Tender) -> list[Bid]:
    """The bids authorised for opening, by lot then bidder."""
    return [
        bid
        for lot in tender.lots.values()
        for bid in sorted(lot.bids.values(), key=lambda b: b.bidder)
        if bid.status == "authorised"
    ]


def check_own_agency(tender: Tender, command: SignedCommand) -> None:
    """Only the agency that published the tender hosts its opening."""
    if command.actor != tender.agency:
        raise RuleViolation(
            rules.ROLE_NOT_HELD, f"{command.actor} is not the agency of tender {tender.code}"
        )


def _not_revealed(tender: Tender) -> None:
    if tender.revealed_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"the bids were already revealed at {format_time(tender.revealed_at)}",
        )


def _read_shares(args: Any, official: str) -> dict[BidKey, KeyShare]:
    items = args.get("shares")
    if not isinstance(items, list):
        raise InvalidInput("field 'shares' must be a list of {lot, bidder, share}")
    given: dict[BidKey, KeyShare] = {}
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) != {"lot", "bidder", "share"}:
            raise InvalidInput(f"shares[{number - 1}] must be exactly {{lot, bidder, share}}")
        key = (read.text(item, "lot"), read.text(item, "bidder"))
        if key in given:
            raise InvalidInput(f"shares: lot {key[0]} bidder {key[1]} appears twice")
        key_share = KeyShare.from_json(read.mapping(item, "share"))
        if key_share.official != official:
            raise InvalidInput(
                f"shares[{number - 1}] names official {key_share.official!r}, not {official!r}"
            )
        given[key] = key_share
    return given


def _check_share(bid: Bid, key_share: KeyShare, official: str) -> None:
    """C5: the share must be the one the bidder committed to in its signed, sealed bid."""
    sealed = SealedBid.from_json(bid.sealed)
    entry = next((s for s in sealed.shares if s.official == official), None)
    where = f"official {official}, lot {bid.lot}, bidder {bid.bidder}"
    if entry is None:
        raise RuleViolation(rules.SHARE_MATCHES_COMMITMENT, f"{where}: the bid holds no share")
    plaintext = share_plaintext(
        tender=sealed.tender,
        lot=sealed.lot,
        bidder=sealed.bidder,
        official=official,
        index=key_share.index,
        share_hex=key_share.share.to_hex(),
    )
    found = share_commitment(plaintext)
    if key_share.index != entry.index or not hmac.compare_digest(found, entry.commitment):
        raise RuleViolation(
            rules.SHARE_MATCHES_COMMITMENT,
            f"{where}: the share does not match the bidder's commitment "
            f"(expected {entry.commitment}, found {found})",
        )


def _reveal_one(tender: Tender, bid: Bid, facts: dict[str, Any]) -> None:
    """Decrypt and parse one bid into ``facts``; an unreadable bid is marked invalid."""
    shares = [
        KeyShare.from_json(tender.key_shares[official][bid.lot][bid.bidder])
        for official in sorted(tender.key_shares)
    ]
    try:
        document = parse_bid_document(reveal(SealedBid.from_json(bid.sealed), shares))
        canonical_bytes(dict(document.raw))  # facts must stay JSON-safe: no floats
    except (VerificationFailure, InvalidInput) as exc:
        facts["unreadable"].setdefault(bid.lot, []).append(bid.bidder)
        _invalid(facts, bid, f"§19.1 the sealed bid does not open into a bid document: {exc}")
        return
    price = document.stated_price
    facts["bids"].setdefault(bid.lot, {})[bid.bidder] = {
        "document": dict(document.raw),
        "price": money(price),
    }
    if (document.lot, document.bidder) != (bid.lot, bid.bidder):
        _invalid(
            facts,
            bid,
            f"C2 the document names lot {document.lot} bidder {document.bidder}, "
            f"not lot {bid.lot} bidder {bid.bidder}",
        )
    ceiling = tender.lots[bid.lot].ceiling
    if price > ceiling:
        facts["over_ceiling"].setdefault(bid.lot, []).append(bid.bidder)
        _invalid(facts, bid, f"§11.6 price {money(price)} above the ceiling {money(ceiling)}")


def _invalid(facts: dict[str, Any], bid: Bid, reason: str) -> None:
    facts["invalid"].setdefault(bid.lot, {}).setdefault(bid.bidder, []).append(reason)


def _names(keys: list[BidKey]) -> str:
    return ", ".join(f"{lot}/{bidder}" for lot, bidder in keys) or "none"


ACTIONS: dict[str, Action] = {
    "SubmitKeyShares": Action("official", submit_key_shares),
    "RevealBids": Action("agency", reveal_bids),
    "SignOpeningRecord": Action("bidder", sign_opening_record),
}
