"""Hand in key shares, reveal every authorised bid at once, sign the opening record.

No share is accepted before decryption closes, and each official hands in, in one command,
for every authorised bid either its share, checked against the commitment the bidder signed
in its sealed bid (C4, C5), or a declaration that it cannot open it (C6,
:mod:`ledger.procedure.tender.unopenable`). Once a threshold of officials has done so, the
ledger rebuilds each data key, decrypts, and records all revealed bids in one event (C1,
C4); a bid with too few shares is returned, the others open (C6). The price read out (唱标)
is the total in capital numerals, which prevails over the figures (§26.4): the ceiling is
checked on it (a price above is invalid, §11.6), and a slip between the two is recorded as a
correction the bidder must confirm (``ledger.procedure.tender.corrections``). Replay reads
only that event's facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from ledger import args as read
from ledger.crypto.key_shares import check_handed_in
from ledger.crypto.sealing import KeyShare, reveal
from ledger.errors import InvalidInput, Rule, RuleViolation, VerificationFailure
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.bid_document import BidDocument, parse_bid_document
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, TenderState, money
from ledger.procedure.tender.unopenable import (
    UnopenableShare,
    check_declaration,
    read_declarations,
    set_aside,
    shares_for,
)
from ledger.rules import catalogue as rules
from ledger.rules.correction import read_out_amount

BidKey = tuple[str, str]  # (lot, bidder)


@dataclass(frozen=True)
class SubmitKeyShares(TenderCommand):
    """An official hands in, for every authorised bid at once, ``{lot, bidder, share}`` or a
    declaration that it cannot open its share (C6)."""

    guard: ClassVar[Guard] = Guard(
        role="official",
        sender="official",
        phases=phases("key_shares"),
        early=rules.REVEAL_ALL_AT_ONCE,
    )
    shares: tuple[Mapping[str, Any], ...] = arg(empty=True, max_items=1000)
    unopenable: tuple[UnopenableShare, ...] | None = arg(default=None, max_items=1000)


@dataclass(frozen=True)
class RevealBids(TenderCommand):
    """The agency asks the ledger to open every authorised bid at once."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=phases("key_shares"))


@dataclass(frozen=True)
class SignOpeningRecord(TenderCommand):
    """A bidder with a revealed bid signs the lot's opening record (§23.2(7))."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=phases("evaluation"))
    lot: str = arg(max_length=20)


@decides(SubmitKeyShares)
def submit_key_shares(tender: TenderState, command: SubmitKeyShares, ctx: Context) -> Decision:
    official = ctx.actor
    if official in tender.key_shares:
        raise RuleViolation(rules.PHASE_ORDER, f"{official} has already handed in its shares")
    given = _read_shares(command.shares, official)
    declared = read_declarations(command.unopenable or ())
    expected = {(bid.lot, bid.bidder): bid for bid in authorised_bids(tender)}
    _check_every_bid_once(official, given, declared, expected)
    for key, key_share in sorted(given.items()):
        _check_share(expected[key], key_share, official)
    unopenable = [
        check_declaration(expected[key], declaration, official)
        for key, declaration in sorted(declared.items())
    ]
    return Decision("KeySharesSubmitted", {"shares": len(given), "unopenable": unopenable})


@decides(RevealBids)
def reveal_bids(tender: TenderState, command: RevealBids, ctx: Context) -> Decision:
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
        "returned": {},
        "slips": {},
    }
    for bid in authorised_bids(tender):
        reason = set_aside(tender, bid)
        if reason is not None:  # too few of its shares open (C6): returned, the others open
            facts["returned"].setdefault(bid.lot, {})[bid.bidder] = reason
            continue
        _reveal_one(tender, bid, facts)
    return Decision("BidsRevealed", facts)


@decides(SignOpeningRecord)
def sign_opening_record(tender: TenderState, command: SignOpeningRecord, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    bid = lot.bids.get(ctx.actor)
    if bid is None or bid.status != "revealed":
        raise RuleViolation(
            rules.OPENING_RECORD_SIGNED, f"{ctx.actor} has no revealed bid in lot {lot.lot}"
        )
    if ctx.actor in lot.opening_signers:
        raise RuleViolation(
            rules.OPENING_RECORD_SIGNED,
            f"{ctx.actor} has already signed the opening record of lot {lot.lot}",
        )
    return Decision("OpeningRecordSigned", {"opening_record": lot.opening_record})


def authorised_bids(tender: TenderState) -> list[Bid]:
    """The bids authorised for opening, by lot then bidder."""
    return [
        bid
        for lot in tender.lots.values()
        for bid in sorted(lot.bids.values(), key=lambda b: b.bidder)
        if bid.status == "authorised"
    ]


def _read_shares(items: tuple[Mapping[str, Any], ...], official: str) -> dict[BidKey, KeyShare]:
    given: dict[BidKey, KeyShare] = {}
    for number, item in enumerate(items):
        if set(item) != {"lot", "bidder", "share"}:
            raise InvalidInput(f"shares[{number}] must be exactly {{lot, bidder, share}}")
        key = (read.text(item, "lot"), read.text(item, "bidder"))
        if key in given:
            raise InvalidInput(f"shares: lot {key[0]} bidder {key[1]} appears twice")
        key_share = KeyShare.from_json(read.mapping(item, "share"))
        if key_share.official != official:
            raise InvalidInput(
                f"shares[{number}] names official {key_share.official!r}, not {official!r}"
            )
        given[key] = key_share
    return given


def _check_every_bid_once(
    official: str,
    given: Mapping[BidKey, KeyShare],
    declared: Mapping[BidKey, UnopenableShare],
    expected: Mapping[BidKey, Bid],
) -> None:
    """C4: one share or one declaration for every authorised bid, and nothing else."""
    if both := sorted(set(given) & set(declared)):
        raise RuleViolation(
            rules.UNOPENABLE_SHARE,
            f"{official} both hands in and declares unopenable its share of {_names(both)}",
        )
    covered = set(given) | set(declared)
    missing, extra = sorted(set(expected) - covered), sorted(covered - set(expected))
    if missing or extra:
        raise RuleViolation(
            rules.REVEAL_ALL_AT_ONCE,
            f"{official} must hand in one share (or declare it unopenable) for every "
            f"authorised bid at once: missing {_names(missing)}, not authorised {_names(extra)}",
        )


def _check_share(bid: Bid, key_share: KeyShare, official: str) -> None:
    """C5: the share must be the one the bidder committed to in its signed, sealed bid."""
    try:
        check_handed_in(bid.sealed_bid(), key_share)
    except RuleViolation as exc:
        where = f"official {official}, lot {bid.lot}, bidder {bid.bidder}"
        raise RuleViolation(exc.rule, f"{where}: {exc.detail}") from None


def _reveal_one(tender: TenderState, bid: Bid, facts: dict[str, Any]) -> None:
    """Decrypt and parse one bid into ``facts``; an unreadable bid is marked invalid."""
    shares = shares_for(tender, bid)
    try:
        document = parse_bid_document(reveal(bid.sealed_bid(), shares))  # canonical, checked
    except (VerificationFailure, InvalidInput) as exc:
        facts["unreadable"].setdefault(bid.lot, []).append(bid.bidder)
        _invalid(facts, bid, rules.SEALED_AND_SIGNED, f"the sealed bid does not open: {exc}")
        return
    price = _read_out(document, bid, facts)
    facts["bids"].setdefault(bid.lot, {})[bid.bidder] = {
        "document": dict(document.raw),
        "price": money(price),
    }
    if (document.lot, document.bidder) != (bid.lot, bid.bidder):
        _invalid(
            facts,
            bid,
            rules.BID_BOUND,
            f"the document names lot {document.lot} bidder {document.bidder}, "
            f"not lot {bid.lot} bidder {bid.bidder}",
        )
    ceiling = tender.lots[bid.lot].ceiling
    if price > ceiling:
        facts["over_ceiling"].setdefault(bid.lot, []).append(bid.bidder)
        detail = f"price {money(price)} above the ceiling {money(ceiling)}"
        _invalid(facts, bid, rules.PRICE_CEILING, detail)


def _read_out(document: BidDocument, bid: Bid, facts: dict[str, Any]) -> Decimal:
    """The price read out: the capital amount (§26.4); a slip from the figures is recorded."""
    try:
        price, slip = read_out_amount(document.sheet)
    except InvalidInput as exc:
        detail = f"the total in capital numerals cannot be read ({exc}); no price prevails"
        _invalid(facts, bid, rules.CAPITAL_AMOUNT_READABLE, detail)
        return document.stated_price
    if slip is not None:
        facts["slips"].setdefault(bid.lot, {})[bid.bidder] = {
            "stage": "read_out",
            "stated_total": money(slip.stated),
            "corrected_total": money(slip.corrected),
            "corrections": [
                {
                    "subject": slip.subject,
                    "stated": money(slip.stated),
                    "corrected": money(slip.corrected),
                    "reason": slip.reason,
                }
            ],
        }
    return price


def _invalid(facts: dict[str, Any], bid: Bid, rule: Rule, detail: str) -> None:
    reasons = facts["invalid"].setdefault(bid.lot, {}).setdefault(bid.bidder, [])
    reasons.append({"rule": rule.code, "detail": detail})


def _names(keys: list[BidKey]) -> str:
    return ", ".join(f"{lot}/{bidder}" for lot, bidder in keys) or "none"


@applies("KeySharesSubmitted")
def _shares(tender: TenderState, event: EventRecord) -> None:
    shares: dict[str, Any] = {}
    for item in event.args["shares"]:
        shares.setdefault(item["lot"], {})[item["bidder"]] = dict(item["share"])
    tender.key_shares[event.actor] = shares


@applies("BidsRevealed")
def _revealed(tender: TenderState, event: EventRecord) -> None:
    tender.revealed_at = event.time
    for lot_id, bids in event.facts["bids"].items():
        for bidder, entry in bids.items():
            bid = tender.lots[lot_id].bids[bidder]
            bid.status, bid.document = "revealed", dict(entry["document"])
            bid.price = bid.read_out_price = Decimal(entry["price"])
    for lot_id, bidders in event.facts["unreadable"].items():
        for bidder in bidders:
            tender.lots[lot_id].bids[bidder].status = "revealed"
    for lot_id, returned in event.facts["returned"].items():
        for bidder, reason in returned.items():
            bid = tender.lots[lot_id].bids[bidder]
            bid.status, bid.returned_cause = "returned", rules.describe(reason)
    for lot_id, reasons_by_bidder in event.facts["invalid"].items():
        for bidder, reasons in reasons_by_bidder.items():
            tender.lots[lot_id].bids[bidder].invalid.extend(dict(r) for r in reasons)
    for lot_id, slips in event.facts.get("slips", {}).items():
        for bidder, slip in slips.items():
            bid = tender.lots[lot_id].bids[bidder]
            bid.correction = dict(slip)
            bid.correction_status = None if bid.invalid else "pending"
    for lot in tender.lots.values():
        if lot.status == "open":
            lot.status = "opened"
        lot.opening_record = event.event_hash


@applies("OpeningRecordSigned")
def _signed(tender: TenderState, event: EventRecord) -> None:
    tender.lots[event.args["lot"]].opening_signers.add(event.actor)
