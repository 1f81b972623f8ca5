"""Submit a sealed bid, withdraw it, check in for the opening (§19-§23.1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ledger.clock import format_time
from ledger.crypto import aead, padding
from ledger.crypto.sealing import SealedBid, check_binding
from ledger.errors import RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, TenderState
from ledger.rules import catalogue as rules

_BIDDING = phases("bidding")


@dataclass(frozen=True)
class SubmitBid(TenderCommand):
    """A sealed, signed bid for one lot, before the deadline (§19.1, §21.1, §22.1)."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=_BIDDING, late=rules.LATE_BID)
    lot: str = arg(max_length=20)
    sealed: Mapping[str, Any] = arg()


@dataclass(frozen=True)
class WithdrawBid(TenderCommand):
    """Withdraw one's own bid before the deadline; never after it (§22.1)."""

    guard: ClassVar[Guard] = Guard(
        role="bidder", phases=_BIDDING, late=rules.CHANGE_BEFORE_DEADLINE
    )
    lot: str = arg(max_length=20)


@dataclass(frozen=True)
class CheckIn(TenderCommand):
    """Check in to the virtual opening hall for a lot, before the deadline (§23.1(3)); when a
    suspension (§23.3) held the procedure at the deadline, before the postponed opening."""

    guard: ClassVar[Guard] = Guard(
        role="bidder",
        phases=phases("bidding", "awaiting_opening"),
        late=rules.CHECK_IN_BEFORE_DEADLINE,
    )
    lot: str = arg(max_length=20)


@decides(SubmitBid)
def submit_bid(tender: TenderState, command: SubmitBid, ctx: Context) -> Decision:
    if ctx.actor not in tender.documents_obtained:
        raise RuleViolation(rules.DOCUMENTS_REQUIRED, f"{ctx.actor} never obtained the documents")
    lot = tender.lot(command.lot)
    current = lot.bids.get(ctx.actor)
    if current is not None and current.status != "withdrawn":
        raise RuleViolation(
            rules.ONE_BID_PER_LOT,
            f"{ctx.actor} already has a bid in lot {lot.lot}; withdraw it first to modify it "
            f"({rules.CHANGE_BEFORE_DEADLINE.clause})",
        )
    sealed = SealedBid.from_json(command.sealed)
    check_binding(sealed, tender=tender.stream, lot=lot.lot, bidder=ctx.actor)
    _check_sealed_for_officials(tender, sealed)
    _check_padded(sealed)
    facts = {
        "sealed_digest": sealed.digest(),
        "ciphertext_sha256": sealed.ciphertext_digest(),
    }
    return Decision("BidSubmitted", facts)


@decides(WithdrawBid)
def withdraw_bid(tender: TenderState, command: WithdrawBid, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    current = lot.bids.get(ctx.actor)
    if current is None or current.status == "withdrawn":
        raise RuleViolation(
            rules.CHANGE_BEFORE_DEADLINE, f"{ctx.actor} has no bid to withdraw in lot {lot.lot}"
        )
    return Decision("BidWithdrawn")


@decides(CheckIn)
def check_in(tender: TenderState, command: CheckIn, ctx: Context) -> Decision:
    if ctx.now >= tender.deadline and not tender.suspended_at(tender.deadline):
        raise RuleViolation(
            rules.CHECK_IN_BEFORE_DEADLINE,
            f"the submission deadline {format_time(tender.deadline)} has passed "
            f"(now {format_time(ctx.now)})",
        )
    lot = tender.lot(command.lot)
    if ctx.actor in lot.checked_in:
        raise RuleViolation(
            rules.CHECK_IN_BEFORE_DEADLINE,
            f"{ctx.actor} has already checked in for lot {lot.lot}",
        )
    return Decision("CheckedIn")


def _check_sealed_for_officials(tender: TenderState, sealed: SealedBid) -> None:
    """The data key must be split among exactly the notice's officials, at its threshold (C1)."""
    expected = sorted(o["party"] for o in tender.officials)
    named = sorted(share.official for share in sealed.shares)
    if named != expected or sealed.threshold != tender.threshold:
        raise RuleViolation(
            rules.SEALED_AND_SIGNED,
            f"the bid must be sealed to the officials {expected} with threshold {tender.threshold}",
        )


def _check_padded(sealed: SealedBid) -> None:
    """V2: the ciphertext is one size class of padded document and the AEAD tag, no more."""
    padded = len(sealed.ciphertext) - aead.TAG_SIZE
    if padded not in padding.SIZE_CLASSES:
        raise RuleViolation(
            rules.PADDED_TO_SIZE_CLASS,
            f"the ciphertext is {len(sealed.ciphertext)} bytes; a padded document of "
            f"{padding.SMALLEST_CLASS}, {2 * padding.SMALLEST_CLASS}, ... "
            f"{padding.LARGEST_CLASS} bytes and the {aead.TAG_SIZE}-byte tag are expected",
        )


@applies("BidSubmitted")
def _submitted(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.bids[event.actor] = Bid(
        bidder=event.actor,
        lot=lot.lot,
        sealed=dict(event.args["sealed"]),
        digest=event.facts["sealed_digest"],
        submitted_at=event.time,
        event_hash=event.event_hash,
    )


@applies("BidWithdrawn")
def _withdrawn(tender: TenderState, event: EventRecord) -> None:
    tender.lots[event.args["lot"]].bids[event.actor].status = "withdrawn"


@applies("CheckedIn")
def _checked_in(tender: TenderState, event: EventRecord) -> None:
    tender.lots[event.args["lot"]].checked_in.add(event.actor)
