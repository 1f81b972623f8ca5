"""The evaluation: the committee, qualification and conformity (§24-§26.2, §43, table 13).

Arithmetic correction and the committee's questions (§26.4, §27) are in
``committee_questions``; scores, ranking and the report (ch.5, §18, §29.1) in
``scoring_phase``; their actions are merged into ``ACTIONS`` here. Choices where the seed
is silent:
- The committee is formed once, after the opening, by the agency, with exactly the notice's
  make-up; no member may be a bidder of the tender or the agency itself.
- §24.1 counts qualified bidders whose bids are still valid (a price above the ceiling at
  the opening already left the competition). A bidder found unqualified has its bid
  invalidated with the purchaser's reason.
- §43 and §26.2 (same contact) are checked by the ledger from the registry's party
  attributes ``legal_representative``, ``controller`` and ``contact`` when the committee
  records conformity; every bid of the group is invalidated and the facts say why.
- Conformity is one committee decision for the lot, recorded by any member; it lists a
  result for every qualified, still valid bid.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from itertools import combinations
from typing import Any

from ledger import args as read
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, Rule, RuleViolation
from ledger.events import LedgerEvent
from ledger.identity.registry import Registry
from ledger.rules import catalogue as rules
from ledger.tender import committee_questions, scoring_phase
from ledger.tender.actions_base import Action
from ledger.tender.aggregate import Tender
from ledger.tender.scoring_phase import committee_member, lot_at
from ledger.tender.state import Lot

KINDS = {"purchaser_representative": "purchaser_representatives", "expert": "experts"}


MINIMUM_QUALIFIED = 3  # §24.1: fewer than three qualified bidders, no evaluation


class CommitteeFormed(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        aggregate.committee = {m["party"]: m["kind"] for m in self.args["members"]}


class QualificationRecorded(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        for result in self.args["results"]:
            bid = lot.bids[result["bidder"]]
            bid.qualified = result["qualified"]
            if not result["qualified"]:
                bid.invalid.append(f"§24 not qualified: {result['reason']}")
        lot.status = "no_evaluation" if self.facts["no_evaluation"] else "qualified"


class ConformityRecorded(LedgerEvent):
    def update(self, aggregate: Tender) -> None:
        lot = aggregate.lots[self.args["lot"]]
        for result in self.args["results"]:
            bid = lot.bids[result["bidder"]]
            bid.conforming = result["conforming"]
            if not result["conforming"]:
                bid.invalid.append(f"§26.1 not conforming: {result['reason']}")
        for finding in self.facts["invalidated"]:
            lot.bids[finding["bidder"]].invalid.append(finding["reason"])
        lot.status = "no_evaluation" if self.facts["no_evaluation"] else "examined"


def form_committee(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The agency forms the committee of the notice's make-up, once, after the opening."""
    registry.authenticate(command, now, "agency")
    tender.check_not_suspended(command.command)
    if command.actor != tender.agency:
        raise RuleViolation(rules.ROLE_NOT_HELD, f"{command.actor} is not this tender's agency")
    if tender.committee:
        raise RuleViolation(rules.PHASE_ORDER, "the evaluation committee is already formed")
    if tender.revealed_at is None:
        raise RuleViolation(rules.PHASE_ORDER, "the opening must come first")
    members = [
        (read.text(m, "party"), read.text(m, "kind")) for m in _objects(command.args, "members")
    ]
    _check_makeup(tender, members)
    bidders = {bidder for lot in tender.lots.values() for bidder in lot.bids}
    for party, _ in members:
        _check_member(tender, registry, party, bidders)
    facts = {plural: sorted(p for p, k in members if k == kind) for kind, plural in KINDS.items()}
    tender.record(CommitteeFormed, command, now, facts)


def record_qualification(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The purchaser checks every revealed bidder's qualification; fewer than 3: §24.1."""
    registry.authenticate(command, now, "purchaser")
    lot = lot_at(tender, command, "opened")
    if command.actor != tender.purchaser:
        raise RuleViolation(
            rules.QUALIFICATION_FIRST, f"{command.actor} is not this tender's purchaser"
        )
    results = _results(command.args, "qualified")
    revealed = {bid.bidder for bid in lot.bids.values() if bid.status == "revealed"}
    _check_covers(results, revealed, rules.QUALIFICATION_FIRST, "revealed")
    qualified = sorted(b for b, ok in results.items() if ok and not lot.bids[b].invalid)
    facts = {
        "qualified": len(qualified),
        "qualified_bidders": qualified,
        "no_evaluation": len(qualified) < MINIMUM_QUALIFIED,
    }
    tender.record(QualificationRecorded, command, now, facts)


def record_conformity(
    tender: Tender, command: SignedCommand, now: datetime, registry: Registry
) -> None:
    """The committee's conformity check (§26.1), with the ledger's own §43 and §26.2 checks."""
    registry.authenticate(command, now, "evaluator")
    lot = lot_at(tender, command, "qualified")
    committee_member(tender, command)
    results = _results(command.args, "conforming")
    _check_covers(
        results, {b.bidder for b in lot.valid_bids()}, rules.PHASE_ORDER, "qualified and valid"
    )
    findings = _conflicts(lot, registry)
    conforming = sorted(bidder for bidder, ok in results.items() if ok)
    excluded = {finding["bidder"] for finding in findings}
    valid = len([b for b in conforming if b not in excluded])
    facts = {
        "conforming": conforming,
        "invalidated": findings,
        "valid": valid,
        "no_evaluation": valid < MINIMUM_QUALIFIED,  # §24.1, §30: fewer than three respond
    }
    tender.record(ConformityRecorded, command, now, facts)


def _objects(args: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    entries = read.items(args, name)
    if not all(isinstance(entry, Mapping) for entry in entries):
        raise InvalidInput(f"each entry of {name!r} must be an object")
    return entries


def _check_makeup(tender: Tender, members: list[tuple[str, str]]) -> None:
    wanted = tender.terms["committee"]
    found = {plural: sum(1 for _, k in members if k == kind) for kind, plural in KINDS.items()}
    unknown = sorted({k for _, k in members} - set(KINDS))
    parties = [party for party, _ in members]
    if (
        unknown
        or len(set(parties)) != len(parties)
        or any(found[plural] != wanted[plural] for plural in KINDS.values())
    ):
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"the notice fixes {wanted}; found {found}"
            + (f", unknown kinds {unknown}" if unknown else "")
            + (", a member named twice" if len(set(parties)) != len(parties) else ""),
        )


def _check_member(tender: Tender, registry: Registry, party: str, bidders: set[str]) -> None:
    roles = registry.party(party).roles
    if "evaluator" not in roles:
        raise RuleViolation(rules.ROLE_NOT_HELD, f"{party} is not registered as an evaluator")
    if party == tender.agency or "bidder" in roles or party in bidders:
        raise RuleViolation(
            rules.COMMITTEE_MAKEUP,
            f"{party} is the agency or a bidder and cannot sit on the committee",
        )


def _results(args: Mapping[str, Any], verdict: str) -> dict[str, bool]:
    """``{bidder: verdict}`` from a results list; a negative verdict needs a reason."""
    results: dict[str, bool] = {}
    for entry in _objects(args, "results"):
        bidder = read.text(entry, "bidder")
        if bidder in results:
            raise InvalidInput(f"results name {bidder} twice")
        results[bidder] = read.flag(entry, verdict)
        if not results[bidder]:
            read.text(entry, "reason")
    return results


def _check_covers(results: Mapping[str, bool], expected: set[str], rule: Rule, what: str) -> None:
    if set(results) != expected:
        raise RuleViolation(
            rule,
            f"results must name exactly the {what} bids {sorted(expected)}; "
            f"missing {sorted(expected - set(results))}, "
            f"unexpected {sorted(set(results) - expected)}",
        )


def _conflicts(lot: Lot, registry: Registry) -> list[dict[str, str]]:
    """§43 (same legal representative, or one controls the other) and §26.2 (same contact)."""
    findings: list[dict[str, str]] = []
    revealed = sorted(bid.bidder for bid in lot.bids.values() if bid.status == "revealed")
    for first, second in combinations(revealed, 2):
        one, two = registry.party(first).attributes, registry.party(second).attributes
        pair = f"{first} and {second}"
        if one.get("legal_representative") and one.get("legal_representative") == two.get(
            "legal_representative"
        ):
            reason = f"§43 {pair} have the same legal representative"
        elif one.get("controller") == second or two.get("controller") == first:
            reason = f"§43 {pair} stand in a control relationship"
        elif one.get("contact") and one.get("contact") == two.get("contact"):
            reason = f"§26.2 {pair} name the same contact person"
        else:
            continue
        clause = reason.split(" ", 1)[0]
        findings += [{"bidder": b, "clause": clause, "reason": reason} for b in (first, second)]
    return findings


ACTIONS: dict[str, Action] = {
    "FormCommittee": Action("agency", form_committee),
    "RecordQualification": Action("purchaser", record_qualification),
    "RecordConformity": Action("evaluator", record_conformity),
    **committee_questions.ACTIONS,
    **scoring_phase.ACTIONS,
}
