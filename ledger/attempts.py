"""Refused attempts, kept on the record (R1): an authenticated command the rules refused.

A refusal changes nothing in its tender. The platform keeps the actor's own signed command
and the rule it broke in the tender's attempts stream, so that a regulator can see late bids
and other refused actions, and the actor's signature proves the attempt was its own.
Commands whose signature or key does not hold are not kept: they prove nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ledger.envelope import SignedCommand
from ledger.errors import RuleViolation
from ledger.events import LedgerCreated, LedgerEvent, SignedAggregate


def attempts_stream(target: uuid.UUID) -> uuid.UUID:
    """The attempts stream of the tender ``target``."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bidledger:attempts:{target}")


class _RefusalRecord(LedgerEvent):
    """The refused command was signed for its tender's stream, named in ``facts``."""

    def signed_command(self) -> SignedCommand:
        command = super().signed_command()
        return SignedCommand(**{**command.__dict__, "stream": self.facts["stream"]})

    def update(self, aggregate: Attempts) -> None:
        aggregate.target = str(self.facts["stream"])
        aggregate.refused.append(
            {
                "time": self.timestamp,
                "actor": self.actor,
                "role": self.role,
                "command": self.command,
                "args": dict(self.args),
                "clause": self.facts["clause"],
                "rule": self.facts["rule"],
                "detail": self.facts["detail"],
            }
        )


class AttemptsOpened(_RefusalRecord, LedgerCreated):
    """The first refused attempt on a tender."""


class AttemptRefused(_RefusalRecord):
    """A further refused attempt on the same tender."""


class Attempts(SignedAggregate):
    """The refused attempts on one tender, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.target = ""
        self.refused: list[dict[str, Any]] = []

    @classmethod
    def first(cls, command: SignedCommand, now: datetime, refusal: RuleViolation) -> Attempts:
        target = uuid.UUID(command.stream)
        return cls.start(
            AttemptsOpened, command, now, attempts_stream(target), _facts(command, refusal)
        )

    def add(self, command: SignedCommand, now: datetime, refusal: RuleViolation) -> None:
        self.record(AttemptRefused, command, now, _facts(command, refusal))


def _facts(command: SignedCommand, refusal: RuleViolation) -> dict[str, str]:
    return {
        "stream": command.stream,
        "clause": refusal.rule.clause,
        "rule": refusal.rule.name,
        "detail": refusal.detail,
    }
