"""The stored event classes: a signed command, derived facts, and the hash chain.

The pure catalogue (:mod:`ledger.procedure`) names every event type with its schema
version; here each type gets its stored class, a :class:`LedgerEvent` of the same name
(``ledger.events:BidSubmitted``), so the store's topic says what happened. The hash covers
the type and its version (``class_version``); a change of a type's shape is a new version,
never an edit in place. :meth:`LedgerEvent.record` gives the plain :class:`EventRecord` the
rules read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent

from ledger.clock import to_beijing
from ledger.envelope import SignedCommand, event_preimage
from ledger.errors import InvalidInput
from ledger.merkle import leaf_hash
from ledger.procedure import dispatch  # noqa: F401  (registers every event type)
from ledger.procedure.base import EVENT_VERSIONS
from ledger.procedure.records import EventRecord


class StoredCommand(SignedCommand):
    """A signed command read back from an event: its signed bytes, needed for the signature
    check (S1) and the retry digest (S3) alike, are encoded once."""

    def signed_bytes(self) -> bytes:
        cached: bytes | None = self.__dict__.get("_signed_bytes")
        if cached is None:
            cached = super().signed_bytes()
            object.__setattr__(self, "_signed_bytes", cached)
        return cached


class LedgerEvent(DomainEvent):
    """A signed action: the actor's command, what the ledger derived, and the chain."""

    # The signed command, built once per event object; a slot, so never in the stored state.
    __slots__ = ("_signed",)

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

    @property
    def type(self) -> str:
        """The event type: the stored class's name."""
        return type(self).__name__

    def signed_command(self) -> SignedCommand:
        """The command exactly as its actor signed it (a refused attempt: for its tender)."""
        built: SignedCommand | None = getattr(self, "_signed", None)
        if built is None:
            built = self._build_command()
            object.__setattr__(self, "_signed", built)
        return built

    def _build_command(self) -> SignedCommand:
        stream = str(self.originator_id)
        if self.type in ("AttemptsOpened", "AttemptRefused"):
            stream = str(self.facts.get("stream", stream))
        return StoredCommand(
            command=self.command,
            command_id=self.command_id,
            stream=stream,
            actor=self.actor,
            role=self.role,
            key_id=self.key_id,
            args=self.args,
            signature=self.signature,
        )

    def record(self) -> EventRecord:
        """The event as the pure rules read it."""
        return EventRecord(
            stream=str(self.originator_id),
            version=self.originator_version,
            type=self.type,
            time=to_beijing(self.timestamp),
            command=self.signed_command(),
            facts=self.facts,
            prev_hash=self.prev_hash,
            event_hash=self.event_hash,
        )

    def preimage(self) -> bytes:
        """The exact bytes hashed into ``event_hash``; the event's Merkle leaf data (T1)."""
        return event_preimage(
            stream=str(self.originator_id),
            version=self.originator_version,
            event_type=self.type,
            class_version=EVENT_VERSIONS.get(self.type, 0),
            time=self.timestamp,
            command=self.signed_command(),
            facts=self.facts,
            prev_hash=self.prev_hash,
        )

    def expected_hash(self) -> str:
        """Recompute this event's hash from its content."""
        return hashlib.sha256(self.preimage()).hexdigest()


@dataclass(frozen=True)
class HashedEvent:
    """A new event and the exact bytes its hash was taken over (its Merkle leaf data)."""

    event: LedgerEvent
    preimage: bytes

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.preimage)


def hashed_event(
    *,
    stream: UUID,
    version: int,
    event_type: str,
    command: SignedCommand,
    time: datetime,
    facts: Mapping[str, Any],
    prev_hash: str,
) -> HashedEvent:
    """The event recording ``command`` as ``event_type`` at ``version``, chained and hashed;
    its canonical preimage is built once, and kept for its Merkle leaf."""
    kind = event_class(event_type)
    moment = to_beijing(time)
    preimage = event_preimage(
        stream=str(stream),
        version=version,
        event_type=event_type,
        class_version=EVENT_VERSIONS.get(event_type, 0),
        time=moment,
        command=command,
        facts=facts,
        prev_hash=prev_hash,
    )
    fields: dict[str, Any] = {
        "originator_id": stream,
        "originator_version": version,
        "timestamp": moment,
        "command": command.command,
        "command_id": command.command_id,
        "actor": command.actor,
        "role": command.role,
        "key_id": command.key_id,
        "args": dict(command.args),
        "signature": command.signature,
        "facts": dict(facts),
        "prev_hash": prev_hash,
        "event_hash": hashlib.sha256(preimage).hexdigest(),
    }
    return HashedEvent(kind(**fields), preimage)


def new_event(
    *,
    stream: UUID,
    version: int,
    event_type: str,
    command: SignedCommand,
    time: datetime,
    facts: Mapping[str, Any],
    prev_hash: str,
) -> LedgerEvent:
    """The event recording ``command`` as ``event_type`` at ``version``, chained and hashed."""
    return hashed_event(
        stream=stream,
        version=version,
        event_type=event_type,
        command=command,
        time=time,
        facts=facts,
        prev_hash=prev_hash,
    ).event


def event_class(name: str) -> type[LedgerEvent]:
    """The stored class of event type ``name``."""
    try:
        return _CLASSES[name]
    except KeyError:
        raise InvalidInput(f"unknown event type {name!r}") from None


def _stored_class(name: str) -> type[LedgerEvent]:
    namespace = {"__module__": __name__, "__qualname__": name, "__doc__": f"Stored {name}."}
    return type(name, (LedgerEvent,), namespace)


_CLASSES: dict[str, type[LedgerEvent]] = {name: _stored_class(name) for name in EVENT_VERSIONS}
globals().update(_CLASSES)  # the store finds each class by its topic, ledger.events:<name>
