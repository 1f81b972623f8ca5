"""Submit a sealed bid, withdraw it, check in for the opening (§19-§23.1)."""

from __future__ import annotations

from datetime import datetime

from ledger import args as read
from ledger.clock import format_time
from ledger.crypto.sealing import SealedBid, check_binding
from ledger.envelope import SignedCommand
from ledger.errors import Rule, RuleViolation
from ledger.events import LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender
from ledger.tender.state import Bid


class BidSubmitted(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.bids[self.actor] = Bid(
            bidder=self.actor,
            lot=lot.lot,
            sealed=dict(self.args["sealed"]),
            digest=self.facts["sealed_digest"],
            submitted_at=self.timestamp,
            event_hash=self.event_hash,
        )


class BidWithdrawn(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.lots[self.args["lot"]].bids[self.actor].status = "withdrawn"


class CheckedIn(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.lots[self.args["lot"]].checked_in.add(self.actor)


def submit_bid(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """Accept a sealed, signed bid for one lot before the deadline (§19.1, §21.1, §22.1)."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    _before_deadline(tender, now, rules.LATE_BID)
    if command.actor not in tender.documents_obtained:
        raise RuleViolation(
            rules.DOCUMENTS_REQUIRED, f"{command.actor} never obtained the documents"
        )
    lot = tender.lot(read.text(command.args, "lot"))
    current = lot.bids.get(command.actor)
    if current is not None and current.status != "withdrawn":
        raise RuleViolation(
            rules.ONE_BID_PER_LOT,
            f"{command.actor} already has a bid in lot "
            f"{lot.lot}; withdraw it first to modify it (§22.1)",
        )
    sealed = SealedBid.from_json(read.mapping(command.args, "sealed"))
    check_binding(sealed, tender=str(tender.id), lot=lot.lot, bidder=command.actor)
    _check_sealed_for_officials(tender, sealed)
    facts = {
        "sealed_digest": sealed.digest(),
        "ciphertext_sha256": sealed.to_json()["ciphertext_sha256"],
    }
    tender.record(BidSubmitted, command, now, facts)


def withdraw_bid(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """Withdraw one's own bid before the deadline; never after it (§22.1)."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    _before_deadline(tender, now, rules.CHANGE_BEFORE_DEADLINE)
    lot = tender.lot(read.text(command.args, "lot"))
    current = lot.bids.get(command.actor)
    if current is None or current.status == "withdrawn":
        raise RuleViolation(
            rules.CHANGE_BEFORE_DEADLINE, f"{command.actor} has no bid to withdraw in lot {lot.lot}"
        )
    tender.record(BidWithdrawn, command, now)


def check_in(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """Check in to the virtual opening hall for a lot, before the deadline (§23.1(3))."""
    registry.authenticate(command, now, "bidder")
    tender.check_not_suspended(command.command)
    _before_deadline(tender, now, rules.CHECK_IN_BEFORE_DEADLINE)
    lot = tender.lot(read.text(command.args, "lot"))
    if command.actor in lot.checked_in:
        raise RuleViolation(
            rules.CHECK_IN_BEFORE_DEADLINE,
            f"{command.actor} has already checked in for lot {lot.lot}",
        )
    tender.record(CheckedIn, command, now)


def _before_deadline(tender: Tender, now: datetime, rule: Rule) -> None:
    if now >= tender.deadline:
        raise RuleViolation(
            rule,
            f"the submission deadline {format_time(tender.deadline)} has "
            f"passed (now {format_time(now)})",
        )


def _check_sealed_for_officials(tender: Tender, sealed: SealedBid) -> None:
    """The data key must be split among exactly the notice's officials, at its threshold (C1)."""
    expected = {(o["party"], o["encryption_key"]) for o in tender.officials}
    named = {share.official for share in sealed.shares}
    if named != {party for party, _ in expected} or sealed.threshold != tender.threshold:
        raise RuleViolation(
            rules.SEALED_AND_SIGNED,
            f"the bid must be sealed to the officials {sorted(p for p, _ in expected)} "
            f"with threshold {tender.threshold}",
        )


ACTIONS = {
    "SubmitBid": Action("bidder", submit_bid),
    "WithdrawBid": Action("bidder", withdraw_bid),
    "CheckIn": Action("bidder", check_in),
}
