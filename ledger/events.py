"""The base of every stored event: a signed command, derived facts, and the hash chain.

Event classes are the ledger's stored contract. Each names its ``class_version``; a change
of shape is a new version with an upcaster, never an edit in place.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.envelope import GENESIS_HASH, SignedCommand, event_hash, event_preimage
from ledger.errors import RuleViolation
from ledger.rules import catalogue as rules


class LedgerEvent(Aggregate.Event):
    """A signed action: the actor's command, what the ledger derived, and the chain."""

    class_version = 1

    command: str
    command_id: str
    actor: str
    role: str
    key_id: str
    args: dict[str, Any]
    signature: str
    facts: dict[str, Any]
    prev_hash: str
    event_hash: str

    def signed_command(self) -> SignedCommand:
        """The command exactly as its actor signed it."""
        return SignedCommand(
            command=self.command,
            command_id=self.command_id,
            stream=str(self.originator_id),
            actor=self.actor,
            role=self.role,
            key_id=self.key_id,
            args=self.args,
            signature=self.signature,
        )

    def preimage(self) -> bytes:
        """The exact bytes hashed into ``event_hash``; the event's Merkle leaf data (T1)."""
        return event_preimage(
            stream=str(self.originator_id),
            version=self.originator_version,
            event_type=type(self).__name__,
            class_version=type(self).class_version,
            time=self.timestamp,
            command=self.signed_command(),
            facts=self.facts,
            prev_hash=self.prev_hash,
        )

    def expected_hash(self) -> str:
        """Recompute this event's hash from its content."""
        return hashlib.sha256(self.preimage()).hexdigest()

    def apply(self, aggregate: Any) -> None:
        aggregate.note_event(self)
        self.update(aggregate)

    def update(self, aggregate: Any) -> None:
        """Change the aggregate's state; overridden by each event class."""


class LedgerCreated(LedgerEvent, Aggregate.Created):
    """The first event of a stream."""


E = TypeVar("E", bound=LedgerEvent)


class SignedAggregate(Aggregate):
    """An aggregate whose every event is a signed command chained by hash (S1, S3, T1)."""

    def __init__(self) -> None:
        self.head = GENESIS_HASH
        self.command_log: dict[str, tuple[int, str, str, str]] = {}

    def note_event(self, event: LedgerEvent) -> None:
        self.head = event.event_hash
        command = event.signed_command()
        self.command_log[event.command_id] = (
            event.originator_version,
            command.content_digest(),
            event.event_hash,
            command.signature,
        )

    def replayed(self, command: SignedCommand) -> tuple[int, str] | None:
        """S3: (version, event hash) that already recorded ``command``; None if it is new.

        The same command id with different content is refused, and so is a retry that does
        not carry the original signature (Ed25519 signatures are deterministic, so a true
        retry by the signer always does): the log's public content alone earns nothing.
        """
        seen = self.command_log.get(command.command_id)
        if seen is None:
            return None
        version, digest, recorded_hash, signature = seen
        if digest != command.content_digest():
            raise RuleViolation(
                rules.COMMAND_ID_REUSED,
                f"command id {command.command_id} was used at version {version} for other content",
            )
        if not hmac.compare_digest(signature, command.signature):
            raise RuleViolation(
                rules.COMMAND_ID_REUSED,
                f"command id {command.command_id}: a retry must carry the original signature",
            )
        return version, recorded_hash

    def record(
        self,
        event_class: type[LedgerEvent],
        command: SignedCommand,
        now: datetime,
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        """Append ``event_class`` for ``command`` at ``now``, chained to the current head."""
        self.trigger_event(
            event_class,
            timestamp=now,
            **_event_fields(event_class, command, self.id, self.version + 1, now, facts, self.head),
        )

    @classmethod
    def start(
        cls,
        event_class: type[LedgerCreated],
        command: SignedCommand,
        now: datetime,
        stream: UUID,
        facts: Mapping[str, Any] | None = None,
    ) -> Self:
        """Create the stream ``stream`` with its first event."""
        fields = _event_fields(event_class, command, stream, 1, now, facts, GENESIS_HASH)
        return cls._create(event_class, id=stream, timestamp=now, **fields)


def _event_fields(
    event_class: type[LedgerEvent],
    command: SignedCommand,
    stream: UUID,
    version: int,
    now: datetime,
    facts: Mapping[str, Any] | None,
    prev_hash: str,
) -> dict[str, Any]:
    facts = dict(facts or {})
    digest = event_hash(
        stream=str(stream),
        version=version,
        event_type=event_class.__name__,
        class_version=event_class.class_version,
        time=now,
        command=command,
        facts=facts,
        prev_hash=prev_hash,
    )
    return {
        "command": command.command,
        "command_id": command.command_id,
        "actor": command.actor,
        "role": command.role,
        "key_id": command.key_id,
        "args": dict(command.args),
        "signature": command.signature,
        "facts": facts,
        "prev_hash": prev_hash,
        "event_hash": digest,
    }
