"""Open the bids (§23, C3): start the opening, each bidder decrypts its own, close decryption.

The opening starts at the deadline (§23.2) and announces the bidders who checked in; a bid
whose bidder is absent is not accepted (§23.1(3)). Each bidder authorises the opening of its
own bid within the decryption time (§23.2(3)); a failure not of the bidder's making is
recorded as 撤回 (C3); at the close, every bid not decrypted is returned, 撤销 (§23.2(4)).
Key shares, the reveal and the opening record are in :mod:`ledger.tender.reveal`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger import args as read
from ledger.clock import format_time
from ledger.envelope import SignedCommand
from ledger.errors import NotFound, RuleViolation
from ledger.events import LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.tender import reveal
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender
from ledger.tender.state import Bid, Lot

ABSENT = "§23.1(3) absent from the opening"
NOT_DECRYPTED = "§23.2(4) not decrypted in time (撤销)"
FAILURE_PREFIX = "撤回: "


class OpeningStarted(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.opening_started_at = self.timestamp
        _return_all(aggregate, self.facts["absent"], self.facts["cause"])


class DecryptionAuthorised(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.lots[self.args["lot"]].bids[self.actor].status = "authorised"


class DecryptionFailureRecorded(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        bid = aggregate.lots[self.args["lot"]].bids[self.args["bidder"]]
        bid.status, bid.returned_cause = "returned", self.facts["cause"]


class DecryptionClosed(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.decryption_closed_at = self.timestamp
        _return_all(aggregate, self.facts["returned"], self.facts["cause"])


def start_opening(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency opens at the deadline and announces each lot's bidders (§23.1(3), §23.2(2))."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    reveal.check_own_agency(tender, command)
    if tender.opening_started_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"the opening already started at {format_time(tender.opening_started_at)}",
        )
    if now < tender.deadline:
        raise RuleViolation(
            rules.OPENING_AT_DEADLINE,
            f"the opening starts at the submission deadline {format_time(tender.deadline)}, "
            f"not at {format_time(now)}",
        )
    announced: dict[str, list[str]] = {}
    absent: dict[str, list[str]] = {}
    for lot in tender.lots.values():
        live = sorted(bid.bidder for bid in lot.bids.values() if bid.status == "sealed")
        announced[lot.lot] = [bidder for bidder in live if bidder in lot.checked_in]
        absent[lot.lot] = [bidder for bidder in live if bidder not in lot.checked_in]
    facts = {"announced": announced, "absent": absent, "cause": ABSENT}
    tender.record(OpeningStarted, command, now, facts)


def authorise_decryption(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """A bidder decrypts (authorises the opening of) its own bid in time (§23.2(3), C3)."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    _within_decryption_time(tender, now)
    lot = tender.lot(read.text(command.args, "lot"))
    bid = _sealed_bid(lot, command.actor)
    tender.record(DecryptionAuthorised, command, now, {"sealed_digest": bid.digest})


def record_decryption_failure(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency records a failure not of the bidder's making: the bid is 撤回 (C3)."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    reveal.check_own_agency(tender, command)
    _within_decryption_time(tender, now)
    lot = tender.lot(read.text(command.args, "lot"))
    bid = _sealed_bid(lot, read.text(command.args, "bidder"))
    cause = read.text(command.args, "cause")
    facts = {"cause": FAILURE_PREFIX + cause, "sealed_digest": bid.digest}
    tender.record(DecryptionFailureRecorded, command, now, facts)


def close_decryption(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """At the end of the decryption time, every bid still sealed is returned (§23.2(4))."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    reveal.check_own_agency(tender, command)
    _opening_started(tender)
    if tender.decryption_closed_at is not None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"decryption already closed at {format_time(tender.decryption_closed_at)}",
        )
    assert tender.timetable is not None
    closes = tender.timetable.decryption_closes
    if now < closes:
        raise RuleViolation(
            rules.DECRYPTION_WINDOW,
            f"the decryption time runs until {format_time(closes)}; it cannot close at "
            f"{format_time(now)}",
        )
    returned = {
        lot.lot: sorted(bid.bidder for bid in lot.bids.values() if bid.status == "sealed")
        for lot in tender.lots.values()
    }
    tender.record(DecryptionClosed, command, now, {"returned": returned, "cause": NOT_DECRYPTED})


def _opening_started(tender: Tender) -> None:
    if tender.opening_started_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER, "StartOpening must come first: the opening has not started"
        )


def _within_decryption_time(tender: Tender, now: datetime) -> None:
    _opening_started(tender)
    assert tender.timetable is not None
    closes = tender.timetable.decryption_closes
    if tender.decryption_closed_at is not None or now >= closes:
        raise RuleViolation(
            rules.DECRYPTION_WINDOW,
            f"the decryption time closed at {format_time(closes)} (now {format_time(now)})",
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


def _return_all(aggregate: Tender, bidders_by_lot: dict[str, Any], cause: str) -> None:
    for lot, bidders in bidders_by_lot.items():
        for bidder in bidders:
            bid = aggregate.lots[lot].bids[bidder]
            bid.status, bid.returned_cause = "returned", cause


ACTIONS: dict[str, Action] = {
    "StartOpening": Action("agency", start_opening),
    "AuthoriseDecryption": Action("bidder", authorise_decryption),
    "RecordDecryptionFailure": Action("agency", record_decryption_failure),
    "CloseDecryption": Action("agency", close_decryption),
    **reveal.ACTIONS,
}
