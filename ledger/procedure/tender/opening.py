"""Open the bids (§23, C3): start the opening, each bidder decrypts its own, close decryption.

The opening starts at the deadline (§23.2) and announces the bidders who checked in; a bid
whose bidder is absent is not accepted (§23.1(3)). Each bidder authorises the opening of its
own bid within the decryption time (§23.2(3)), which runs from the start of the opening and
stops while the procedure is suspended (§23.3, :mod:`ledger.procedure.clocks`); a failure
not of the bidder's making is recorded as 撤回 (C3); at the close, every bid not decrypted
is returned, 撤销 (§23.2(4)): only once its bidder's whole decryption time has run.
Key shares, the reveal and the opening record are in :mod:`ledger.procedure.tender.reveal`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from ledger.clock import format_time
from ledger.errors import NotFound, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, Lot, TenderState
from ledger.rules import catalogue as rules

ABSENT = {"rule": rules.ABSENT_NOT_ACCEPTED.code, "detail": "absent from the opening"}
NOT_DECRYPTED = {"rule": rules.NOT_DECRYPTED_RETURNED.code, "detail": "not decrypted in time"}
_DECRYPTION = phases("decryption")


@dataclass(frozen=True)
class StartOpening(TenderCommand):
    """The agency opens at the deadline and announces the bidders who checked in."""

    guard: ClassVar[Guard] = Guard(
        role="agency",
        sender="agency",
        phases=phases("awaiting_opening"),
        early=rules.OPENING_AT_DEADLINE,
    )


@dataclass(frozen=True)
class AuthoriseDecryption(TenderCommand):
    """A bidder decrypts (authorises the opening of) its own bid within the decryption time."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=_DECRYPTION, late=rules.DECRYPTION_WINDOW)
    lot: str = arg(max_length=20)


@dataclass(frozen=True)
class RecordDecryptionFailure(TenderCommand):
    """The agency records a failure not of the bidder's making (撤回)."""

    guard: ClassVar[Guard] = Guard(
        role="agency", sender="agency", phases=_DECRYPTION, late=rules.DECRYPTION_WINDOW
    )
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)
    cause: str = arg(max_length=2000)


@dataclass(frozen=True)
class CloseDecryption(TenderCommand):
    """The agency closes the decryption time; bids still sealed are returned (撤销)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_DECRYPTION)


@decides(StartOpening)
def start_opening(tender: TenderState, command: StartOpening, ctx: Context) -> Decision:
    announced: dict[str, list[str]] = {}
    absent: dict[str, list[str]] = {}
    for lot in tender.lots.values():
        live = sorted(bid.bidder for bid in lot.bids.values() if bid.status == "sealed")
        announced[lot.lot] = [bidder for bidder in live if bidder in lot.checked_in]
        absent[lot.lot] = [bidder for bidder in live if bidder not in lot.checked_in]
    return Decision("OpeningStarted", {"announced": announced, "absent": absent, "cause": ABSENT})


@decides(AuthoriseDecryption)
def authorise_decryption(
    tender: TenderState, command: AuthoriseDecryption, ctx: Context
) -> Decision:
    _within_decryption_time(tender, ctx)
    bid = _sealed_bid(tender.lot(command.lot), ctx.actor)
    return Decision("DecryptionAuthorised", {"sealed_digest": bid.digest})


@decides(RecordDecryptionFailure)
def record_decryption_failure(
    tender: TenderState, command: RecordDecryptionFailure, ctx: Context
) -> Decision:
    _within_decryption_time(tender, ctx)
    bid = _sealed_bid(tender.lot(command.lot), command.bidder)
    cause = {"rule": rules.DECRYPTION_FAILURE_RECORDED.code, "detail": command.cause}
    facts = {"cause": cause, "sealed_digest": bid.digest}
    return Decision("DecryptionFailureRecorded", facts)


@decides(CloseDecryption)
def close_decryption(tender: TenderState, command: CloseDecryption, ctx: Context) -> Decision:
    closes = _decryption_closes(tender)
    if ctx.now < closes:
        raise RuleViolation(
            rules.DECRYPTION_WINDOW,
            f"the decryption time runs until {format_time(closes)}; it cannot close at "
            f"{format_time(ctx.now)}",
        )
    returned = {
        lot.lot: sorted(bid.bidder for bid in lot.bids.values() if bid.status == "sealed")
        for lot in tender.lots.values()
    }
    return Decision("DecryptionClosed", {"returned": returned, "cause": NOT_DECRYPTED})


def _decryption_closes(tender: TenderState) -> datetime:
    closes = tender.decryption_closes
    assert closes is not None, "no rule runs while the procedure is suspended"
    return closes


def _within_decryption_time(tender: TenderState, ctx: Context) -> None:
    closes = _decryption_closes(tender)
    if ctx.now >= closes:
        raise RuleViolation(
            rules.DECRYPTION_WINDOW,
            f"the decryption time closed at {format_time(closes)} (now {format_time(ctx.now)})",
        )


def _sealed_bid(lot: Lot, bidder: str) -> Bid:
    bid = lot.bids.get(bidder)
    if bid is None or bid.status == "withdrawn":
        raise NotFound(f"{bidder} has no bid in lot {lot.lot}")
    if bid.status != "sealed":
        cause = f" ({bid.returned_cause})" if bid.returned_cause else ""
        raise RuleViolation(
            rules.DECRYPTION_WINDOW,
            f"{bidder}'s bid in lot {lot.lot} is {bid.status}{cause}; only a sealed bid "
            "can be decrypted",
        )
    return bid


@applies("OpeningStarted")
def _started(tender: TenderState, event: EventRecord) -> None:
    tender.opening_started_at = event.time
    _return_all(tender, event.facts["absent"], event.facts["cause"])


@applies("DecryptionAuthorised")
def _authorised(tender: TenderState, event: EventRecord) -> None:
    tender.lots[event.args["lot"]].bids[event.actor].status = "authorised"


@applies("DecryptionFailureRecorded")
def _failed(tender: TenderState, event: EventRecord) -> None:
    bid = tender.lots[event.args["lot"]].bids[event.args["bidder"]]
    bid.status, bid.returned_cause = "returned", rules.describe(event.facts["cause"])


@applies("DecryptionClosed")
def _closed(tender: TenderState, event: EventRecord) -> None:
    tender.decryption_closed_at = event.time
    _return_all(tender, event.facts["returned"], event.facts["cause"])


def _return_all(
    tender: TenderState, bidders_by_lot: dict[str, Any], cause: Mapping[str, Any]
) -> None:
    for lot, bidders in bidders_by_lot.items():
        for bidder in bidders:
            bid = tender.lots[lot].bids[bidder]
            bid.status, bid.returned_cause = "returned", rules.describe(cause)
