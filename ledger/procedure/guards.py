"""Applying a command's declared guard to a tender: suspension, sender, phase.

The checks run suspension first, then sender, then phase; after the signature and key (S1)
and before the command's arguments are read or any of its own rules run. Each refusal names
the rule it breaks.
"""

from __future__ import annotations

from datetime import datetime

from ledger.clock import format_time
from ledger.errors import RuleViolation
from ledger.procedure.base import Guard, Phase
from ledger.procedure.remote import check_remote_member
from ledger.procedure.state import TenderState
from ledger.rules import catalogue as rules

_PHASE_NAMES: dict[Phase, str] = {
    "bidding": "before the submission deadline",
    "awaiting_opening": "after the deadline, before the opening starts",
    "decryption": "during the decryption time",
    "key_shares": "after the decryption time, before the reveal",
    "evaluation": "after the reveal",
}


_NEXT: dict[Phase, str] = {
    "awaiting_opening": "the agency's StartOpening",
    "decryption": "the agency's CloseDecryption",
    "key_shares": "the officials' key shares and the agency's RevealBids",
}


def phase_of(tender: TenderState, now: datetime) -> Phase:
    """Where the procedure stands as a whole at ``now`` (lots then move on each their own)."""
    if tender.revealed_at is not None:
        return "evaluation"
    if tender.decryption_closed_at is not None:
        return "key_shares"
    if tender.opening_started_at is not None:
        return "decryption"
    return "bidding" if now < tender.deadline else "awaiting_opening"


def check_guard(tender: TenderState, guard: Guard, command: str, actor: str, now: datetime) -> None:
    """Raise the declared rule unless ``actor`` may send ``command`` to ``tender`` at ``now``."""
    if tender.suspension is not None and not guard.while_suspended:
        suspension = tender.suspension
        rule = rules.by_code(suspension["rule"])
        raise RuleViolation(
            rule,
            f"{command}: the procedure is suspended since {suspension['since']} "
            f"({suspension['reason']}); only the regulator's resumption is taken",
        )
    _check_sender(tender, guard, command, actor)
    _check_phase(tender, guard, command, now)


def _check_sender(tender: TenderState, guard: Guard, command: str, actor: str) -> None:
    sender = guard.sender
    if sender in ("agency", "purchaser", "regulator"):
        own = getattr(tender, sender)
        if actor != own:
            raise RuleViolation(
                guard.sender_rule or rules.OWN_TENDER,
                f"{command}: {actor} is not this tender's {sender} ({own})",
            )
    elif sender == "committee":
        if not tender.committee:
            raise RuleViolation(
                rules.PHASE_ORDER, f"{command}: the agency's FormCommittee must come first"
            )
        if actor not in tender.committee:
            raise RuleViolation(
                rules.COMMITTEE_MEMBER,
                f"{command}: {actor} is not a member of the evaluation committee",
            )
        check_remote_member(tender.remote, actor, command)
    elif sender == "official" and actor not in {o["party"] for o in tender.officials}:
        raise RuleViolation(
            guard.sender_rule or rules.OPENING_OFFICIAL,
            f"{actor} is not an opening official of tender {tender.code}",
        )


def _check_phase(tender: TenderState, guard: Guard, command: str, now: datetime) -> None:
    phase = phase_of(tender, now)
    if phase in guard.phases:
        return
    if _order(phase) > max(_order(p) for p in guard.phases):
        if guard.phases == {"bidding"}:
            detail = (
                f"the submission deadline {format_time(tender.deadline)} has passed "
                f"(now {format_time(now)})"
            )
        else:
            detail = f"{command} is taken {_allowed(guard)}; the tender is already {phase}"
        raise RuleViolation(guard.late, detail)
    if phase == "bidding":
        detail = (
            f"{command} is taken {_allowed(guard)}: not before the submission deadline "
            f"{format_time(tender.deadline)} (now {format_time(now)})"
        )
    else:
        detail = f"{command} is taken {_allowed(guard)}; {_NEXT[phase]} must come first"
    raise RuleViolation(guard.early, detail)


def _allowed(guard: Guard) -> str:
    return " or ".join(_PHASE_NAMES[p] for p in sorted(guard.phases, key=_order))


def _order(phase: Phase) -> int:
    return list(_PHASE_NAMES).index(phase)
