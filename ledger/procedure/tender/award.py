"""Award, award notice, a winner that cannot perform, negotiation and failure (§29-§30, §24.1).

The award is due within 5 working days of the report (§29.2), a clock of the tender that its
suspensions stop (:mod:`ledger.procedure.clocks`); it goes to the first candidate not
declined whose bid is still valid (§17); the award notice carries the award letter
(中标通知书) to the winner (§29.5).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledger.clock import format_time, parse_time
from ledger.errors import Rule, RuleViolation
from ledger.procedure.base import (
    AFTER_DEADLINE,
    Context,
    Guard,
    TenderCommand,
    applies,
    decides,
    phases,
)
from ledger.procedure.clocks import WorkingDays
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import Party, RegistryState
from ledger.procedure.schema import arg
from ledger.procedure.state import Lot, TenderState, money
from ledger.procedure.tender.stages import CLOSED
from ledger.rules import catalogue as rules

AWARD_DAYS = WorkingDays(5)
TEN_THOUSAND = Decimal(10000)
_EVALUATION = phases("evaluation")


@dataclass(frozen=True)
class AwardLot(TenderCommand):
    """The purchaser awards a lot in candidate order, within 5 working days (§29.2)."""

    guard: ClassVar[Guard] = Guard(role="purchaser", sender="purchaser", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)


@dataclass(frozen=True)
class RecordWinnerUnable(TenderCommand):
    """The winner cannot perform: next candidate, or a new procurement (§29.4)."""

    guard: ClassVar[Guard] = Guard(role="purchaser", sender="purchaser", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    reason: str = arg(max_length=5000)


@dataclass(frozen=True)
class PublishAwardNotice(TenderCommand):
    """The agency publishes the award notice; publicity lasts 1 working day (§29.5)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_EVALUATION)
    lot: str = arg(max_length=20)


@dataclass(frozen=True)
class ApproveNegotiation(TenderCommand):
    """With exactly two responding bidders the regulator may approve negotiation (§30)."""

    guard: ClassVar[Guard] = Guard(role="regulator", sender="regulator", phases=AFTER_DEADLINE)
    lot: str = arg(max_length=20)
    reason: str = arg(max_length=5000)


@dataclass(frozen=True)
class DeclareLotFailed(TenderCommand):
    """The agency declares a lot failed (废标): no evaluation possible (§24.1, §30)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)
    lot: str = arg(max_length=20)
    reason: str = arg(max_length=5000)


@decides(AwardLot)
def award_lot(tender: TenderState, command: AwardLot, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    _open_lot(lot, "award")
    if lot.status != "reported" or lot.report_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: the signed evaluation report must come before "
            f"the award ({rules.REPORT_SIGNED.clause})",
        )
    _check_award_due(tender, lot, ctx)
    lapsed = [
        c
        for c in lot.candidates
        if c not in lot.declined and tender.validity_ends(lot.bids[c]) < ctx.now
    ]
    valid_until = _check_awardee(tender, lot, command.bidder, lapsed, ctx)
    price = lot.bids[command.bidder].price
    if price is None:
        raise RuleViolation(
            rules.PHASE_ORDER, f"{command.bidder}'s final price must be evaluated first"
        )
    facts: dict[str, Any] = {
        "amount": money(price),
        "amount_wan": wan(price),
        "valid_until": format_time(valid_until),
    }
    if lapsed:
        facts["lapsed"] = lapsed
    return Decision("LotAwarded", facts)


def _check_award_due(tender: TenderState, lot: Lot, ctx: Context) -> None:
    """§29.2: within 5 working days of the report (or of the last winner's withdrawal)."""
    assert lot.report_at is not None
    since = max(lot.report_at, lot.declined_at or lot.report_at)
    due = tender.clock(since, AWARD_DAYS, ctx.registry.calendar)
    if ctx.now > due:
        raise RuleViolation(
            rules.AWARD_WITHIN_FIVE_DAYS,
            f"lot {lot.lot}: the award was due by {format_time(due)} (5 working days after "
            f"{format_time(since)}, suspensions excluded), not {format_time(ctx.now)}",
        )


def _check_awardee(
    tender: TenderState, lot: Lot, bidder: str, lapsed: list[str], ctx: Context
) -> datetime:
    """The end of ``bidder``'s validity, once it is the next candidate with a valid bid."""
    if bidder in lapsed:
        raise RuleViolation(
            rules.BID_VALIDITY,
            f"lot {lot.lot}: the bid of {bidder} was valid until "
            f"{format_time(tender.validity_ends(lot.bids[bidder]))}; it cannot be awarded at "
            f"{format_time(ctx.now)}",
        )
    expected = next_candidate(lot, lapsed)
    if bidder != expected or bidder not in lot.bids:
        raise RuleViolation(
            rules.AWARD_IN_ORDER,
            f"lot {lot.lot}: candidates {lot.candidates}, declined {lot.declined}; the award "
            f"goes to {expected}, not {bidder}",
        )
    return tender.validity_ends(lot.bids[bidder])


@decides(RecordWinnerUnable)
def record_winner_unable(
    tender: TenderState, command: RecordWinnerUnable, ctx: Context
) -> Decision:
    lot = tender.lot(command.lot)
    if lot.status != "awarded" or lot.award is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: an award must come before its winner can be "
            "recorded unable to perform",
        )
    winner = str(lot.award["bidder"])
    remaining = [c for c in lot.candidates if c not in lot.declined and c != winner]
    facts: dict[str, Any] = {"withdrawn": winner}
    if remaining:
        facts["next_candidate"] = remaining[0]
    else:
        facts["failure"] = {
            "rule": rules.WINNER_UNABLE.code,
            "detail": f"no candidate remains after {winner} could not perform: a new procurement",
        }
    return Decision("WinnerUnableRecorded", facts)


@decides(PublishAwardNotice)
def publish_award_notice(
    tender: TenderState, command: PublishAwardNotice, ctx: Context
) -> Decision:
    lot = tender.lot(command.lot)
    if lot.status != "awarded" or lot.award is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: the purchaser's award must come before the "
            "award notice",
        )
    if lot.notice_at is not None:
        raise RuleViolation(
            rules.AWARD_NOTICE,
            f"lot {lot.lot}: the award notice was published at {format_time(lot.notice_at)}",
        )
    days = int(tender.terms.get("award_publicity_working_days", 1))
    facts = {
        "notice_at": format_time(ctx.now),
        "publicity_ends": format_time(
            tender.clock(ctx.now, WorkingDays(days), ctx.registry.calendar)
        ),
        "publicity_working_days": days,
        **_notice_content(tender, lot, ctx.registry),
        "award_letter": {"to": lot.award["bidder"], "issued_at": format_time(ctx.now)},
    }
    return Decision("AwardNoticePublished", facts)


@decides(ApproveNegotiation)
def approve_negotiation(tender: TenderState, command: ApproveNegotiation, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    _open_lot(lot, "turn to negotiation")
    if lot.status == "negotiation":
        raise RuleViolation(rules.PHASE_ORDER, f"lot {lot.lot} is already in negotiation")
    bidders = responding(tender, lot)
    if len(bidders) != 2:
        raise RuleViolation(
            rules.TWO_BIDDERS,
            f"lot {lot.lot} ({lot.status}) has {len(bidders)} responding bidders {bidders}; "
            "negotiation needs exactly two",
        )
    return Decision("NegotiationApproved", {"bidders": bidders})


@decides(DeclareLotFailed)
def declare_lot_failed(tender: TenderState, command: DeclareLotFailed, ctx: Context) -> Decision:
    lot = tender.lot(command.lot)
    _open_lot(lot, "fail")
    bidders = responding(tender, lot)
    if lot.status not in ("no_evaluation", "negotiation") and len(bidders) >= 3:
        raise RuleViolation(
            rules.FEWER_THAN_THREE,
            f"lot {lot.lot} ({lot.status}) has {len(bidders)} responding bidders; it fails "
            "only with fewer than 3",
        )
    rule, why = _failure_ground(lot, bidders)
    failure = {"rule": rule.code, "detail": f"{why}: {command.reason}"}
    return Decision("LotFailed", {"failure": failure, "bidders": bidders})


def next_candidate(lot: Lot, lapsed: Collection[str] = ()) -> str | None:
    """The first recommended candidate that has not declined (§29.2, §29.4) and whose bid
    has not lapsed (§17)."""
    return next((c for c in lot.candidates if c not in lot.declined and c not in lapsed), None)


def responding(tender: TenderState, lot: Lot) -> list[str]:
    """Bidders still in the lot: qualified and valid once qualification is recorded;
    otherwise valid revealed bids after the opening, or live bids before it."""
    bids = list(lot.bids.values())
    if any(bid.qualified is not None for bid in bids):
        chosen = [b for b in bids if b.qualified and b.valid and b.conforming is not False]
    elif tender.revealed_at is not None or any(b.status == "revealed" for b in bids):
        chosen = [b for b in bids if b.valid]
    else:
        chosen = [b for b in bids if b.status not in ("withdrawn", "returned")]
    return sorted(b.bidder for b in chosen)


def wan(amount: Decimal) -> str:
    """Yuan as 万元 the way notices print it: 334860.00 -> '33.486'."""
    return f"{(amount / TEN_THOUSAND).normalize():f}"


def _failure_ground(lot: Lot, bidders: list[str]) -> tuple[Rule, str]:
    if not lot.bids:
        return rules.FEWER_THAN_THREE, "the lot received no bids"
    if lot.status == "negotiation":
        return rules.TWO_BIDDERS, "the negotiation with two bidders did not conclude"
    if lot.status == "no_evaluation":
        return rules.FEWER_THAN_THREE, "fewer than three qualified bidders, no evaluation"
    if len(bidders) == 2:
        return rules.TWO_BIDDERS, "only two responding bidders and no approved negotiation"
    return rules.FEWER_THAN_THREE, f"fewer than three responding bidders ({len(bidders)})"


def _notice_content(tender: TenderState, lot: Lot, registry: RegistryState) -> dict[str, Any]:
    """What the seed's award notice prints (中标公告), from the ledger and the registry."""
    assert lot.award is not None
    winner = registry.party(str(lot.award["bidder"]))
    title = tender.name
    package = f"{title[:-2]}{lot.name}采购" if title.endswith("采购") else f"{title} {lot.name}"
    return {
        "project_code": tender.code,
        "plan": tender.plan,
        "project_name": title,
        "lot": lot.lot,
        "lot_name": lot.name,
        "package_name": package,
        "supplier": winner.party,
        "supplier_name": winner.name,
        "supplier_address": str(winner.attributes.get("address", "")),
        "amount": lot.award["amount"],
        "amount_wan": lot.award["amount_wan"],
        "committee": [registry.party(member).name for member in tender.committee],
        "evaluated_on": format_time(lot.report_at)[:10] if lot.report_at else "",
        "purchaser": _contact(registry.party(tender.purchaser)),
        "agency": _contact(registry.party(tender.agency)),
        "notified": [winner.party],
    }


def _contact(party: Party) -> dict[str, str]:
    attributes = party.attributes
    return {
        "name": party.name,
        "address": str(attributes.get("address", "")),
        "phone": str(attributes.get("phone", "")),
    }


def _open_lot(lot: Lot, what: str) -> None:
    if lot.status in CLOSED:
        detail = f" ({lot.failure})" if lot.failure else ""
        raise RuleViolation(
            rules.LOT_CLOSED, f"lot {lot.lot} is {lot.status}{detail}: cannot {what}"
        )


@applies("LotAwarded")
def _awarded(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.award = {
        "bidder": event.args["bidder"],
        "amount": event.facts["amount"],
        "amount_wan": event.facts["amount_wan"],
        "at": format_time(event.time),
    }
    lot.status = "awarded"


@applies("WinnerUnableRecorded")
def _unable(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.declined.append(event.facts["withdrawn"])
    lot.declined_at = event.time
    lot.award, lot.notice_at, lot.publicity_ends = None, None, None
    failure = event.facts.get("failure")
    lot.status = "failed" if failure else "reported"
    lot.failure = rules.describe(failure) if failure else None


@applies("AwardNoticePublished")
def _noticed(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.notice_at = parse_time(event.facts["notice_at"])
    lot.publicity_ends = parse_time(event.facts["publicity_ends"])


@applies("NegotiationApproved")
def _negotiation(tender: TenderState, event: EventRecord) -> None:
    tender.lots[event.args["lot"]].status = "negotiation"


@applies("LotFailed")
def _lot_failed(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    lot.status, lot.failure = "failed", rules.describe(event.facts["failure"])
