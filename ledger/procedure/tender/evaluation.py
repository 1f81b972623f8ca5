"""The evaluation: the committee, qualification and conformity (§24-§26.2, §43, table 13).

Choices where the seed is silent:
- The committee is formed once, after the opening, by the agency, with exactly the notice's
  make-up; no member may be a bidder of the tender or the agency itself.
- §24.1 counts qualified bidders whose bids are still valid (a price above the ceiling at
  the opening already left the competition). A bidder found unqualified has its bid
  invalidated with the purchaser's reason.
- Bidders offering the same brand count as one in both §24.1 counts (§18, brands compared
  by ``ledger.rules.brands.brand_key``); the facts give the bidders and what they count as.
- The conformity check is a committee decision: it takes effect when a majority of the
  seated members has signed the same results (``ledger.procedure.tender.committee``).
  With it the ledger records its own findings (``findings``): §43, §26.2 same contact,
  a false SME declaration, a consortium where none is accepted.
- No member tied to a bidder of the tender (``ledger.rules.committee.tie_to_bidder``) is
  seated: it must withdraw (回避).
- In a remote evaluation (venues fixed) the experts are exactly those the current draw
  seated (``ledger.procedure.tender.draw_result``); the purchaser's representative is
  appointed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

from ledger.errors import InvalidInput, Reason, Rule, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import RegistryState
from ledger.procedure.schema import arg
from ledger.procedure.state import Lot, TenderState
from ledger.procedure.tender.committee import committee_decides, settle
from ledger.procedure.tender.draw_result import check_drawn_committee
from ledger.procedure.tender.findings import conformity_findings
from ledger.procedure.tender.stages import brand_of, lot_at, reason
from ledger.rules import catalogue as rules
from ledger.rules.brands import bidders_counted
from ledger.rules.committee import tie_to_bidder

KINDS = {"purchaser_representative": "purchaser_representatives", "expert": "experts"}
MINIMUM_QUALIFIED = 3  # §24.1: fewer than three qualified bidders, no evaluation
_EVALUATION = phases("evaluation")


@dataclass(frozen=True)
class CommitteeMember:
    party: str = arg(max_length=64)
    kind: Literal["purchaser_representative", "expert"] = arg()


@dataclass(frozen=True)
class FormCommittee(TenderCommand):
    """The agency forms the evaluation committee of the notice's make-up (front table 13)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=_EVALUATION)
    members: tuple[CommitteeMember, ...] = arg(max_items=41)


@dataclass(frozen=True)
class QualificationResult:
    bidder: str = arg(max_length=64)
    qualified: bool = arg()
    reason: str = arg(default="", empty=True, max_length=2000)


@dataclass(frozen=True)
class RecordQualification(TenderCommand):
    """The purchaser's qualification check of every revealed bid of a lot (§24)."""

    guard: ClassVar[Guard] = Guard(
        role="purchaser",
        sender="purchaser",
        phases=_EVALUATION,
        sender_rule=rules.QUALIFICATION_FIRST,
    )
    lot: str = arg(max_length=20)
    results: tuple[QualificationResult, ...] = arg(max_items=500)


@dataclass(frozen=True)
class ConformityResult:
    bidder: str = arg(max_length=64)
    conforming: bool = arg()
    reason: str = arg(default="", empty=True, max_length=2000)


@dataclass(frozen=True)
class RecordConformity(TenderCommand):
    """The committee's conformity check of the qualified bids (§26.1); §43 and §26.2 follow."""

    guard: ClassVar[Guard] = Guard(role="evaluator", sender="committee", phases=_EVALUATION)
    lot: str = arg(max_length=20)
    results: tuple[ConformityResult, ...] = arg(max_items=500)


@decides(FormCommittee)
def form_committee(tender: TenderState, command: FormCommittee, ctx: Context) -> Decision:
    if tender.committee:
        raise RuleViolation(rules.PHASE_ORDER, "the evaluation committee is already formed")
    members: list[tuple[str, str]] = [(m.party, m.kind) for m in command.members]
    _check_makeup(tender, members)
    check_drawn_committee(tender, {party for party, kind in members if kind == "expert"})
    bidders = {bidder for lot in tender.lots.values() for bidder in lot.bids}
    for party, _ in members:
        _check_member(tender, ctx.registry, party, bidders)
    facts = {plural: sorted(p for p, k in members if k == kind) for kind, plural in KINDS.items()}
    return Decision("CommitteeFormed", facts)


@decides(RecordQualification)
def record_qualification(
    tender: TenderState, command: RecordQualification, ctx: Context
) -> Decision:
    lot = lot_at(tender, command.lot, "opened", "RecordQualification")
    results = _results(command.results, "qualified")
    revealed = {bid.bidder for bid in lot.bids.values() if bid.status == "revealed"}
    _check_covers(results, revealed, rules.QUALIFICATION_FIRST, "revealed")
    qualified = sorted(b for b, ok in results.items() if ok and not lot.bids[b].invalid)
    counted = _counted(lot, qualified)
    facts = {
        "qualified": len(qualified),
        "qualified_bidders": qualified,
        "counted_as": counted,
        "no_evaluation": counted < MINIMUM_QUALIFIED,
    }
    return Decision("QualificationRecorded", facts)


@decides(RecordConformity)
def record_conformity(tender: TenderState, command: RecordConformity, ctx: Context) -> Decision:
    lot = lot_at(tender, command.lot, "qualified", "RecordConformity")
    results = _results(command.results, "conforming")
    valid = {b.bidder for b in lot.valid_bids()}
    _check_covers(results, valid, rules.PHASE_ORDER, "qualified and valid")
    findings = conformity_findings(tender, lot, ctx.registry)
    conforming = sorted(bidder for bidder, ok in results.items() if ok)
    excluded = {finding["bidder"] for finding in findings}
    remaining = [b for b in conforming if b not in excluded]
    counted = _counted(lot, remaining)
    facts = {
        "conforming": conforming,
        "invalidated": findings,
        "valid": len(remaining),
        "counted_as": counted,
        "no_evaluation": counted < MINIMUM_QUALIFIED,  # §24.1, §30: fewer than three respond
    }
    subject = f"conformity/{lot.lot}"
    return committee_decides(tender, subject, ctx, "ConformityRecorded", facts)


def _counted(lot: Lot, bidders: Iterable[str]) -> int:
    """How many bidders ``bidders`` count as, one brand counting once (§18, §24.1)."""
    return bidders_counted({bidder: brand_of(lot.bids[bidder]) for bidder in bidders})


def _check_makeup(tender: TenderState, members: list[tuple[str, str]]) -> None:
    wanted = tender.terms["committee"]
    found = {plural: sum(1 for _, k in members if k == kind) for kind, plural in KINDS.items()}
    parties = [party for party, _ in members]
    twice = len(set(parties)) != len(parties)
    if twice or any(found[plural] != wanted[plural] for plural in KINDS.values()):
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"the notice fixes {wanted}; found {found}"
            + (", a member named twice" if twice else ""),
        )


def _check_member(
    tender: TenderState, registry: RegistryState, party: str, bidders: set[str]
) -> None:
    roles = registry.party(party).roles
    if "evaluator" not in roles:
        raise RuleViolation(rules.ROLE_NOT_HELD, f"{party} is not registered as an evaluator")
    if party == tender.agency or "bidder" in roles or party in bidders:
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"{party} is the agency or a bidder and cannot sit on the committee",
        )
    attributes = registry.party(party).attributes
    for bidder in sorted(bidders):
        tie = tie_to_bidder(party, attributes, bidder, registry.party(bidder).attributes)
        if tie is not None:
            raise RuleViolation(rules.WITHDRAWAL, f"{tie}, a bidder of this tender")


def _results(
    entries: tuple[QualificationResult, ...] | tuple[ConformityResult, ...], verdict: str
) -> dict[str, bool]:
    """``{bidder: verdict}``; a negative verdict needs a reason."""
    results: dict[str, bool] = {}
    for entry in entries:
        if entry.bidder in results:
            raise InvalidInput(f"results name {entry.bidder} twice")
        results[entry.bidder] = bool(getattr(entry, verdict))
        if not results[entry.bidder] and not entry.reason.strip():
            raise InvalidInput(f"results: the verdict on {entry.bidder} needs a 'reason'")
    return results


def _check_covers(results: Mapping[str, bool], expected: set[str], rule: Rule, what: str) -> None:
    if set(results) != expected:
        raise RuleViolation(
            rule,
            f"results must name exactly the {what} bids {sorted(expected)}; "
            f"missing {sorted(expected - set(results))}, "
            f"unexpected {sorted(set(results) - expected)}",
        )


@applies("CommitteeFormed")
def _formed(tender: TenderState, event: EventRecord) -> None:
    tender.committee = {m["party"]: m["kind"] for m in event.args["members"]}


@applies("QualificationRecorded")
def _qualified(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    for result in event.args["results"]:
        bid = lot.bids[result["bidder"]]
        bid.qualified = result["qualified"]
        if not result["qualified"]:
            bid.invalid.append(reason(rules.NOT_QUALIFIED, result["reason"]))
    lot.status = "no_evaluation" if event.facts["no_evaluation"] else "qualified"


@applies("ConformityRecorded")
def _conformity(tender: TenderState, event: EventRecord) -> None:
    lot = tender.lots[event.args["lot"]]
    for result in event.args["results"]:
        bid = lot.bids[result["bidder"]]
        bid.conforming = result["conforming"]
        if not result["conforming"]:
            bid.invalid.append(reason(rules.NOT_CONFORMING, result["reason"]))
    for finding in event.facts["invalidated"]:
        found: Reason = {"rule": finding["rule"], "detail": finding["detail"]}
        lot.bids[finding["bidder"]].invalid.append(found)
    lot.status = "no_evaluation" if event.facts["no_evaluation"] else "examined"
    settle(tender, event)
