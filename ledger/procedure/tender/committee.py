"""Decisions of the evaluation committee, taken by majority with each member signing; 回避.

The committee's decisions are the conformity check of a lot (RecordConformity, with the
invalidations it brings), the correction of a bid's arithmetic (ProposeCorrection), a
question to a bidder, including the request to justify an abnormally low price
(AskBidder), and the decision on that justification (DecideJustification). None of them
is one member's:

- Each decision concerns a *subject*: the conformity of a lot, the correction of one bid,
  the question to one bidder, the low-price request to or decision on one bid.
- A member signs a decision by signing the command with its full content; its digest
  (``ledger.rules.committee.decision_digest``) names the proposal. The first signature on
  a digest proposes it; every member who signs the same content signs that proposal.
- A member has one signature per subject: signing another content on the same subject
  moves its signature there, and the proposal it leaves is superseded for it.
- The signature that brings a proposal to a majority of the seated members
  (``majority_of``: 3 of 5) makes it the committee's decision: that event is the decision's
  own (ConformityRecorded, ...), with the digest and the signers in its facts. Until then
  each signature is recorded as CommitteeDecisionSigned. A decided subject is closed: its
  other proposals lapse, and a later signature on it is refused by the decision's own rules.

The evaluation report (§29.1) is not a majority decision: every seated member signs it.

A member tied to a bidder is never seated (FormCommittee checks the registry). A member
who knows of a tie the registry does not show withdraws (WithdrawFromCommittee) before it
takes any part; the committee then counts without it: the majority is of the members still
seated, and the report needs each of their signatures. A member who has already signed
anything (a decision, scores, the report) can no longer withdraw on its own: that
evaluation is for the regulator to order again (§36).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ledger.clock import format_time
from ledger.errors import RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides, phases
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import TenderState
from ledger.rules import catalogue as rules
from ledger.rules.committee import decision_digest, majority_of

PENDING = "CommitteeDecisionSigned"


@dataclass(frozen=True)
class WithdrawFromCommittee(TenderCommand):
    """A member withdraws (回避) before taking any part in the evaluation, saying why."""

    guard: ClassVar[Guard] = Guard(
        role="evaluator", sender="committee", phases=phases("evaluation")
    )
    reason: str = arg(max_length=5000)


def committee_decides(
    tender: TenderState, subject: str, ctx: Context, event: str, facts: dict[str, Any]
) -> Decision:
    """The signer's signature on the decision ``ctx.signed`` about ``subject``.

    ``event`` with ``facts`` (and the signatures) if it now has a majority; otherwise a
    signature awaiting one (CommitteeDecisionSigned).
    """
    digest = decision_digest(ctx.signed.command, ctx.signed.stream, ctx.signed.args)
    proposals = tender.decisions.get(subject, {})
    signers = proposals.get(digest, [])
    if ctx.actor in signers:
        raise RuleViolation(
            rules.COMMITTEE_MAJORITY,
            f"{ctx.actor} has already signed this {ctx.signed.command} ({subject}, "
            f"digest {digest[:16]}…); it takes effect with {majority_of(len(tender.committee))} "
            f"signatures, it has {len(signers)}",
        )
    superseded = next((d for d, names in proposals.items() if ctx.actor in names), None)
    seated = len(tender.committee)
    signature = {
        "subject": subject,
        "digest": digest,
        "signers": [*signers, ctx.actor],
        "needed": majority_of(seated),
        "seated": seated,
        "superseded": superseded,
    }
    if len(signers) + 1 >= majority_of(seated):
        return Decision(event, {**facts, **signature})
    return Decision(PENDING, {"decision": ctx.signed.command, **signature})


@decides(WithdrawFromCommittee)
def withdraw_from_committee(
    tender: TenderState, command: WithdrawFromCommittee, ctx: Context
) -> Decision:
    if ctx.actor in tender.evaluated_by:
        raise RuleViolation(
            rules.WITHDRAWAL,
            f"{ctx.actor} has already taken part in the evaluation and cannot withdraw on its "
            "own; the regulator may order the evaluation again",
        )
    seated = len(tender.committee) - 1
    facts = {"kind": tender.committee[ctx.actor], "seated": seated, "needed": majority_of(seated)}
    return Decision("CommitteeMemberWithdrew", facts)


def settle(tender: TenderState, event: EventRecord) -> None:
    """A decision took effect: close its subject and note who signed it."""
    tender.decisions.pop(event.facts["subject"], None)
    tender.evaluated_by.update(event.facts["signers"])


@applies(PENDING)
def _signed(tender: TenderState, event: EventRecord) -> None:
    proposals = tender.decisions.setdefault(event.facts["subject"], {})
    for digest in list(proposals):
        proposals[digest] = [name for name in proposals[digest] if name != event.actor]
        if not proposals[digest]:
            del proposals[digest]
    proposals[event.facts["digest"]] = list(event.facts["signers"])
    tender.evaluated_by.add(event.actor)


@applies("CommitteeMemberWithdrew")
def _withdrew(tender: TenderState, event: EventRecord) -> None:
    kind = tender.committee.pop(event.actor)
    tender.withdrawn[event.actor] = {
        "kind": kind,
        "reason": event.args["reason"],
        "at": format_time(event.time),
    }
