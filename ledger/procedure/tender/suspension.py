"""Suspend and resume the procedure (§23.3; the regulator's suspension under §36).

Suspending and resuming are the two commands that a suspension does not stop. Each
suspension is kept with its start and end (:class:`~ledger.procedure.clocks.Suspension`):
every clock of the procedure is computed from them (:mod:`ledger.procedure.clocks`), so a
suspension stops the clocks and blames nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ledger.clock import format_time
from ledger.errors import Rule, RuleViolation
from ledger.procedure.base import Context, Guard, TenderCommand, applies, decides
from ledger.procedure.clocks import Suspension
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import TenderState
from ledger.rules import catalogue as rules


@dataclass(frozen=True)
class SuspendProcedure(TenderCommand):
    """On a system failure the agency suspends the procedure (§23.3)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", while_suspended=True)
    reason: str = arg(max_length=5000)


@dataclass(frozen=True)
class ResumeProcedure(TenderCommand):
    """Only the tender's regulator resumes a suspended procedure (§23.3, §36)."""

    guard: ClassVar[Guard] = Guard(
        role="regulator",
        sender="regulator",
        while_suspended=True,
        sender_rule=rules.EMERGENCY_SUSPENSION,
    )
    reason: str = arg(max_length=5000)


@decides(SuspendProcedure)
def suspend_procedure(tender: TenderState, command: SuspendProcedure, ctx: Context) -> Decision:
    if tender.suspension is not None:
        raise RuleViolation(
            rules.EMERGENCY_SUSPENSION,
            f"the procedure is already suspended since {tender.suspension['since']}",
        )
    return Decision("ProcedureSuspended")


@decides(ResumeProcedure)
def resume_procedure(tender: TenderState, command: ResumeProcedure, ctx: Context) -> Decision:
    if tender.suspension is None:
        raise RuleViolation(
            rules.PHASE_ORDER,
            "the procedure is not suspended: a suspension must come before a resumption",
        )
    facts = {f"suspended_{key}": str(value) for key, value in tender.suspension.items()}
    return Decision("ProcedureResumed", facts)


def begin_suspension(tender: TenderState, event: EventRecord, reason: str, rule: Rule) -> None:
    """Suspend ``tender`` from ``event``'s time: every command but the resumption waits."""
    tender.suspension = {
        "since": format_time(event.time),
        "reason": reason,
        "by": event.actor,
        "rule": rule.code,
    }
    tender.suspensions.append(Suspension(event.time))


@applies("ProcedureSuspended")
def _suspended(tender: TenderState, event: EventRecord) -> None:
    begin_suspension(tender, event, event.args["reason"], rules.EMERGENCY_SUSPENSION)


@applies("ProcedureResumed")
def _resumed(tender: TenderState, event: EventRecord) -> None:
    tender.suspension = None
    last = tender.suspensions.pop()
    tender.suspensions.append(Suspension(last.since, event.time))
