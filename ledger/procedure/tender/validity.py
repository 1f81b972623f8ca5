"""Bid validity and its extension (§17).

A bid is valid for the notice's days (90 calendar days in the seed, front table 15) after
the submission deadline, to the end of the last of them (§17.1). Before that end the agency
may ask the bidders, in writing, to extend it to a later day; each bidder accepts (its bid
is then valid until that day, unchanged: no bidder may modify its bid for it) or refuses, and
a bid whose bidder refused, or never answered, lapses at the end it had (§17.2). The award
looks at a bid's validity (:mod:`ledger.procedure.tender.award`). A suspension does not stop
validity: it is the bidder's own commitment, which only its consent extends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from ledger.clock import format_time
from ledger.errors import NotFound, RuleViolation
from ledger.procedure.base import AFTER_DEADLINE, Context, Guard, TenderCommand, applies, decides
from ledger.procedure.clocks import end_of_day
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, TenderState
from ledger.rules import catalogue as rules


@dataclass(frozen=True)
class RequestValidityExtension(TenderCommand):
    """The agency asks every bidder to keep its bid valid until ``until`` (§17.2)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)
    until: date = arg()
    reason: str = arg(max_length=5000)


@dataclass(frozen=True)
class AnswerValidityExtension(TenderCommand):
    """A bidder accepts or refuses the latest extension request for its bid in a lot."""

    guard: ClassVar[Guard] = Guard(role="bidder", phases=AFTER_DEADLINE)
    lot: str = arg(max_length=20)
    accept: bool = arg()


@decides(RequestValidityExtension)
def request_validity_extension(
    tender: TenderState, command: RequestValidityExtension, ctx: Context
) -> Decision:
    original = tender.original_validity_end
    if ctx.now > original:
        raise RuleViolation(
            rules.VALIDITY_EXTENSION,
            f"bids were valid until {format_time(original)}; an extension is asked before that, "
            f"not at {format_time(ctx.now)}",
        )
    current = tender.validity_requests[-1]["until"] if tender.validity_requests else original
    until = end_of_day(command.until)
    if until <= current:
        raise RuleViolation(
            rules.VALIDITY_EXTENSION,
            f"validity already runs until {format_time(current)}; an extension asks for a "
            f"later day than {command.until.isoformat()}",
        )
    facts = {
        "request_id": f"V{len(tender.validity_requests) + 1}",
        "original_end": format_time(original),
        "until": format_time(until),
    }
    return Decision("ValidityExtensionRequested", facts)


@decides(AnswerValidityExtension)
def answer_validity_extension(
    tender: TenderState, command: AnswerValidityExtension, ctx: Context
) -> Decision:
    if not tender.validity_requests:
        raise RuleViolation(
            rules.PHASE_ORDER, "the agency's extension request must come before an answer"
        )
    request = tender.validity_requests[-1]
    bid = _live_bid(tender, command.lot, ctx.actor)
    if request["request_id"] in bid.validity_answers:
        raise RuleViolation(
            rules.VALIDITY_EXTENSION,
            f"{ctx.actor} already answered request {request['request_id']} for lot {bid.lot}",
        )
    ends = tender.validity_ends(bid)
    if command.accept and ctx.now > ends:
        raise RuleViolation(
            rules.BID_VALIDITY,
            f"the bid of {ctx.actor} in lot {bid.lot} lapsed at {format_time(ends)}: a lapsed "
            "bid cannot be extended",
        )
    valid_until = request["until"] if command.accept else ends
    facts = {"request_id": request["request_id"], "valid_until": format_time(valid_until)}
    return Decision("ValidityExtensionAnswered", facts)


def _live_bid(tender: TenderState, lot_id: str, bidder: str) -> Bid:
    bid = tender.lot(lot_id).bids.get(bidder)
    if bid is None or bid.status in ("withdrawn", "returned"):
        raise NotFound(f"{bidder} has no bid in force in lot {lot_id}")
    return bid


@applies("ValidityExtensionRequested")
def _requested(tender: TenderState, event: EventRecord) -> None:
    tender.validity_requests.append(
        {
            "request_id": event.facts["request_id"],
            "until": end_of_day(date.fromisoformat(event.args["until"])),
            "at": event.time,
        }
    )


@applies("ValidityExtensionAnswered")
def _answered(tender: TenderState, event: EventRecord) -> None:
    bid = tender.lots[event.args["lot"]].bids[event.actor]
    bid.validity_answers[event.facts["request_id"]] = bool(event.args["accept"])
    if event.args["accept"]:
        bid.valid_until = tender.validity_requests[-1]["until"]
