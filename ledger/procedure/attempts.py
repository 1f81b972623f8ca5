"""Refused attempts, kept on the record (R1): an authenticated command the rules refused.

A refusal changes nothing in its tender. The platform keeps the actor's own signed command
and the rule it broke (its catalogue code and the detail) in the tender's attempts stream, so
that a regulator sees late bids and other refused actions; the actor's signature proves the
attempt was its own, and re-running the rules on the tender as it then stood reproduces the
refusal (T5). Commands whose signature or key does not hold are not kept: they prove nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from ledger.errors import RuleViolation
from ledger.procedure.base import applies
from ledger.procedure.records import Decision, EventRecord, StreamState
from ledger.rules import catalogue as rules


def attempts_stream(target: uuid.UUID | str) -> uuid.UUID:
    """The attempts stream of the tender ``target``."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bidledger:attempts:{target}")


class AttemptsState(StreamState):
    """The refused attempts on one tender, in order."""

    def __init__(self, stream: str = "") -> None:
        super().__init__(stream)
        self.target = ""
        self.refused: list[dict[str, Any]] = []


def refusal_decision(state: AttemptsState | None, tender: str, refusal: RuleViolation) -> Decision:
    """The event that keeps ``refusal`` of a command on ``tender``."""
    facts = {"stream": tender, **refusal.reason()}
    return Decision("AttemptRefused" if state is not None else "AttemptsOpened", facts)


@applies("AttemptsOpened", stream="attempts")
@applies("AttemptRefused", stream="attempts")
def _refused(state: AttemptsState, event: EventRecord) -> None:
    state.target = str(event.facts["stream"])
    rule = rules.by_code(event.facts["rule"])
    state.refused.append(
        {
            "time": event.time,
            "actor": event.actor,
            "role": event.command.role,
            "command": event.command.command,
            "command_id": event.command.command_id,
            "args": dict(event.args),
            "clause": rule.clause,
            "rule": rule.code,
            "detail": event.facts["detail"],
        }
    )


__all__ = ["AttemptsState", "attempts_stream", "refusal_decision"]
