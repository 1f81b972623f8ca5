"""Award, award notice, a winner that cannot perform, negotiation and failure (§29-§30, §24.1).

The challenge, complaint and suspension commands live in ``remedies``; ``ACTIONS`` here
holds both families.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger import args as read
from ledger.clock import format_time, parse_time
from ledger.envelope import SignedCommand
from ledger.errors import RuleViolation
from ledger.events import LedgerEvent
from ledger.identity.registry import Party, Registry
from ledger.rules import catalogue as rules
from ledger.tender import remedies
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender, money
from ledger.tender.state import Lot
from ledger.workdays import add_working_days

AWARD_WORKING_DAYS = 5
TEN_THOUSAND = Decimal(10000)
CLOSED = ("awarded", "failed")


class LotAwarded(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.award = {
            "bidder": self.args["bidder"],
            "amount": self.facts["amount"],
            "amount_wan": self.facts["amount_wan"],
            "at": format_time(self.timestamp),
        }
        lot.status = "awarded"


class WinnerUnableRecorded(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.declined.append(self.facts["withdrawn"])
        lot.declined_at = self.timestamp
        lot.award, lot.notice_at, lot.publicity_ends = None, None, None
        lot.status = "failed" if "failure" in self.facts else "reported"
        lot.failure = self.facts.get("failure")


class AwardNoticePublished(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.notice_at = parse_time(self.facts["notice_at"])
        lot.publicity_ends = parse_time(self.facts["publicity_ends"])


class NegotiationApproved(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.lots[self.args["lot"]].status = "negotiation"


class LotFailed(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        lot.status, lot.failure = "failed", self.facts["failure"]


def award_lot(tender: Tender, command: SignedCommand, now: datetime, registry: Registry) -> None:
    """The purchaser awards a lot in candidate order, within 5 working days (§29.2)."""
    _start(tender, command, now, registry, "purchaser", tender.purchaser)
    lot = tender.lot(read.text(command.args, "lot"))
    _open_lot(lot, "award")
    if lot.status != "reported" or lot.report_at is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: the signed "
            "evaluation report must come before the award (§29.1)",
        )
    since = max(lot.report_at, lot.declined_at or lot.report_at)
    due = add_working_days(since, AWARD_WORKING_DAYS)
    if now > due:
        raise RuleViolation(
            rules.AWARD_WITHIN_FIVE_DAYS,
            f"lot {lot.lot}: the award was due by "
            f"{format_time(due)} (5 working days after {format_time(since)}), "
            f"not {format_time(now)}",
        )
    bidder = read.text(command.args, "bidder")
    expected = next_candidate(lot)
    if bidder != expected:
        raise RuleViolation(
            rules.AWARD_IN_ORDER,
            f"lot {lot.lot}: candidates {lot.candidates}, "
            f"declined {lot.declined}; the award goes to {expected}, not {bidder}",
        )
    price = lot.bids[bidder].price
    if price is None:
        raise RuleViolation(rules.PHASE_ORDER, f"{bidder}'s final price must be evaluated first")
    tender.record(LotAwarded, command, now, {"amount": money(price), "amount_wan": wan(price)})


def record_winner_unable(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The winner cannot perform: next candidate, or a new procurement (§29.4)."""
    _start(tender, command, now, registry, "purchaser", tender.purchaser)
    lot = tender.lot(read.text(command.args, "lot"))
    if lot.status != "awarded" or lot.award is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: an award must "
            "come before its winner can be recorded unable to perform",
        )
    read.text(command.args, "reason")
    winner = str(lot.award["bidder"])
    remaining = [c for c in lot.candidates if c not in lot.declined and c != winner]
    facts: dict[str, Any] = {"withdrawn": winner}
    if remaining:
        facts["next_candidate"] = remaining[0]
    else:
        facts["failure"] = (
            f"§29.4: no candidate remains after {winner} could not perform; "
            "a new procurement is needed"
        )
    tender.record(WinnerUnableRecorded, command, now, facts)


def publish_award_notice(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency publishes the award notice; publicity lasts 1 working day (§29.5)."""
    _start(tender, command, now, registry, "agency", tender.agency)
    lot = tender.lot(read.text(command.args, "lot"))
    if lot.status != "awarded" or lot.award is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"lot {lot.lot} is {lot.status}: the purchaser's "
            "award must come before the award notice",
        )
    if lot.notice_at is not None:
        raise RuleViolation(
            rules.AWARD_NOTICE,
            f"lot {lot.lot}: the award notice was published at {format_time(lot.notice_at)}",
        )
    days = int(tender.terms.get("award_publicity_working_days", 1))
    facts = {
        "notice_at": format_time(now),
        "publicity_ends": format_time(add_working_days(now, days)),
        "publicity_working_days": days,
        **_notice_content(tender, lot, registry),
    }
    tender.record(AwardNoticePublished, command, now, facts)


def approve_negotiation(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """With exactly two responding bidders the regulator may approve negotiation (§30)."""
    _start(tender, command, now, registry, "regulator", tender.regulator)
    lot = tender.lot(read.text(command.args, "lot"))
    _after_deadline(tender, now, "approve a negotiation")
    _open_lot(lot, "turn to negotiation")
    read.text(command.args, "reason")
    if lot.status == "negotiation":
        raise RuleViolation(rules.PHASE_ORDER, f"lot {lot.lot} is already in negotiation")
    bidders = responding(tender, lot)
    if len(bidders) != 2:
        raise RuleViolation(
            rules.TWO_BIDDERS,
            f"lot {lot.lot} ({lot.status}) has "
            f"{len(bidders)} responding bidders {bidders}; negotiation needs "
            "exactly two",
        )
    tender.record(NegotiationApproved, command, now, {"bidders": bidders})


def declare_lot_failed(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency declares a lot failed (废标): no evaluation possible (§24.1, §30)."""
    _start(tender, command, now, registry, "agency", tender.agency)
    lot = tender.lot(read.text(command.args, "lot"))
    _after_deadline(tender, now, "declare a lot failed")
    _open_lot(lot, "fail")
    reason = read.text(command.args, "reason")
    bidders = responding(tender, lot)
    if lot.status not in ("no_evaluation", "negotiation") and len(bidders) >= 3:
        raise RuleViolation(
            rules.FEWER_THAN_THREE,
            f"lot {lot.lot} ({lot.status}) has "
            f"{len(bidders)} responding bidders; it fails only with fewer than 3",
        )
    why = _failure_ground(lot, bidders)
    tender.record(LotFailed, command, now, {"failure": f"{why}: {reason}", "bidders": bidders})


def next_candidate(lot: Lot) -> str | None:
    """The first recommended candidate that has not declined (§29.2, §29.4)."""
    return next((c for c in lot.candidates if c not in lot.declined), None)


def responding(tender: Tender, lot: Lot) -> list[str]:
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


def _failure_ground(lot: Lot, bidders: list[str]) -> str:
    if not lot.bids:
        return "§24.1: the lot received no bids"
    if lot.status == "negotiation":
        return "§30: the negotiation with two bidders did not conclude"
    if lot.status == "no_evaluation":
        return "§24.1: fewer than three qualified bidders, no evaluation"
    if len(bidders) == 2:
        return "§30: only two responding bidders and no approved negotiation"
    return f"§24.1: fewer than three responding bidders ({len(bidders)})"


def _notice_content(tender: Tender, lot: Lot, registry: Registry) -> dict[str, Any]:
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


def _start(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry, role: str, own: str
) -> None:
    registry.authenticate(command, now, role)
    tender.check_not_suspended(command.command)
    remedies.require_own(command, own, rules.OWN_TENDER, role)


def _after_deadline(tender: Tender, now: datetime, what: str) -> None:
    if now < tender.deadline:
        raise RuleViolation(
            rules.PHASE_ORDER,
            f"the submission deadline "
            f"{format_time(tender.deadline)} must pass first: cannot {what} "
            "before it",
        )


def _open_lot(lot: Lot, what: str) -> None:
    if lot.status in CLOSED:
        detail = f" ({lot.failure})" if lot.failure else ""
        raise RuleViolation(
            rules.LOT_CLOSED, f"lot {lot.lot} is {lot.status}{detail}: cannot {what}"
        )


ACTIONS = {
    "AwardLot": Action("purchaser", award_lot),
    "RecordWinnerUnable": Action("purchaser", record_winner_unable),
    "PublishAwardNotice": Action("agency", publish_award_notice),
    "ApproveNegotiation": Action("regulator", approve_negotiation),
    "DeclareLotFailed": Action("agency", declare_lot_failed),
    **remedies.ACTIONS,
}
