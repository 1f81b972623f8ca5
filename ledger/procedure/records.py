"""What the pure rules read and return: event records, decisions and a stream's bookkeeping.

An :class:`EventRecord` is one event as the log holds it (the same fields whether it comes
from the database or from an audit bundle); a :class:`Decision` is what a rule function
returns for an accepted command: the event type and the facts the ledger derived.
:class:`StreamState` is the part of every stream's state that is not the procedure's own:
version, head hash and the command ids seen (S3).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.envelope import GENESIS_HASH, SignedCommand
from ledger.errors import RuleViolation
from ledger.rules import catalogue as rules


@dataclass(frozen=True)
class EventRecord:
    """One stored event: position, type, time, the signed command, facts and chain."""

    stream: str
    version: int
    type: str
    time: datetime
    command: SignedCommand
    facts: Mapping[str, Any]
    prev_hash: str
    event_hash: str

    @property
    def actor(self) -> str:
        return self.command.actor

    @property
    def args(self) -> Mapping[str, Any]:
        return self.command.args


@dataclass(frozen=True)
class Decision:
    """An accepted command: the event type to record and the facts derived from it."""

    event: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenCommand:
    """Where a command id was recorded, with what content and signature (S3)."""

    version: int
    content_digest: str
    event_hash: str
    signature: str


class StreamState:
    """Version, head hash and command ids of one stream, as its events leave them."""

    def __init__(self, stream: str = "") -> None:
        self.stream = stream
        self.version = 0
        self.head = GENESIS_HASH
        self.updated_at: datetime | None = None
        self.commands: dict[str, SeenCommand] = {}

    def note(self, record: EventRecord) -> None:
        """Advance the bookkeeping past ``record`` (called before the event is applied)."""
        self.stream = record.stream
        self.version = record.version
        self.head = record.event_hash
        self.updated_at = record.time
        self.commands[record.command.command_id] = SeenCommand(
            record.version,
            record.command.content_digest(),
            record.event_hash,
            record.command.signature,
        )

    def replayed(self, command: SignedCommand) -> SeenCommand | None:
        """S3: where ``command`` was already recorded; None if its id is new here.

        The same command id with different content is refused, and so is a retry that does
        not carry the original signature (Ed25519 signatures are deterministic, so a true
        retry by the signer always does): the log's public content alone earns nothing.
        """
        seen = self.commands.get(command.command_id)
        if seen is None:
            return None
        if seen.content_digest != command.content_digest():
            raise RuleViolation(
                rules.COMMAND_ID_REUSED,
                f"command id {command.command_id} was used at version {seen.version} "
                "for other content",
            )
        if not hmac.compare_digest(seen.signature, command.signature):
            raise RuleViolation(
                rules.COMMAND_ID_REUSED,
                f"command id {command.command_id}: a retry must carry the original signature",
            )
        return seen
