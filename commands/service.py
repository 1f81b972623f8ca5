"""The composition root and the one entry point for signed commands.

``LedgerService.execute`` runs a signed command through the pure rules
(:func:`ledger.procedure.dispatch.decide`) on the current state of its stream and the
registry, and saves the resulting event in one transaction. A refused command raises and
writes nothing to its tender; a retried command returns its first result (S3). States are
kept between commands and brought up to date from the store by version, so a command costs
the same whatever the length of its stream.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from ledger.clock import Clock, SystemClock, format_time
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    RuleViolation,
    VerificationFailure,
)
from ledger.events import LedgerEvent, new_event
from ledger.notes import NoteSigner
from ledger.procedure import dispatch
from ledger.procedure.attempts import AttemptsState, attempts_stream, refusal_decision
from ledger.procedure.pools import POOLS_STREAM, PoolsState
from ledger.procedure.records import Decision, StreamState
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState
from ledger.receipts import Receipt, issue_receipt
from ledger.rules import catalogue as rules
from ledger.store import LedgerStore, SavedEvent
from ledger.transparency.checkpoints import DEFAULT_EVERY, TransparencyLog
from ledger.transparency.witnessing import WitnessEndpoint

S = TypeVar("S", bound=StreamState)
_IDENTITY_CLAUSES = frozenset({"S1", "S2", "S3"})
_ATTEMPT_RETRIES = 3


@dataclass(frozen=True)
class Outcome:
    """Where a command's event landed; ``replayed`` when it was a retry (S3)."""

    command: str
    stream: UUID
    version: int
    event_hash: str
    log_index: int
    replayed: bool = False
    receipt: Receipt | None = None


class LedgerService:
    """Commands in, signed and chained events out."""

    def __init__(
        self,
        store: LedgerStore,
        clock: Clock | None = None,
        *,
        platform: Signer | None = None,
        platform_id: str = "platform",
        log: NoteSigner | None = None,
        origin: str | None = None,
        checkpoint_every: int = DEFAULT_EVERY,
        witnesses: Sequence[WitnessEndpoint] = (),
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self._platform = platform
        self._platform_id = platform_id
        self._states: dict[UUID, StreamState] = {}
        self._head: tuple[int, datetime | None] = (0, None)  # log head and its event's time
        self.transparency = (
            None
            if log is None
            else TransparencyLog(
                store, log, origin=origin, checkpoint_every=checkpoint_every, witnesses=witnesses
            )
        )

    def registry(self) -> RegistryState:
        """A copy of the registry as it stands."""
        return copy.deepcopy(self._current(RegistryState, REGISTRY_STREAM))

    def tender(self, stream: UUID) -> TenderState:
        """A copy of the tender's state as it stands."""
        return copy.deepcopy(self._current(TenderState, stream))

    def pools(self) -> PoolsState:
        """A copy of the expert pools as they stand."""
        return copy.deepcopy(self._current(PoolsState, POOLS_STREAM))

    def execute(self, command: SignedCommand) -> Outcome:
        """Apply one signed command at the clock's current time; keep the Merkle log (T1, T4)."""
        now = self.clock.now()
        if self.transparency is None:
            return self._execute(command, now)
        self.transparency.before_command(now)
        try:
            return self._execute(command, now)
        finally:
            self.transparency.after_command(now)

    def checkpoint(self, reason: str = "manual", tender: UUID | None = None) -> str:
        """Issue a checkpoint of the whole log now (say, at the end of a day's work; or
        ``closing`` a tender: the checkpoint covering its last event, witnessed)."""
        if self.transparency is None:
            raise InvalidInput("no log key configured: cannot issue a checkpoint")
        named = None if tender is None else str(tender)
        return self.transparency.checkpoint(self.clock.now(), reason, named)

    def _execute(self, command: SignedCommand, now: datetime) -> Outcome:
        self._check_clock(now)
        stream = _stream(command)
        registry = self._optional(RegistryState, REGISTRY_STREAM)
        pools = self._optional(PoolsState, POOLS_STREAM)
        state: StreamState | None = (
            registry
            if stream == REGISTRY_STREAM
            else pools
            if stream == POOLS_STREAM
            else self._optional(TenderState, stream)
        )
        if state is not None and (seen := state.replayed(command)) is not None:
            return self._outcome(command, stream, seen.version, seen.event_hash, replayed=True)
        self._refuse_a_refused_retry(command, stream, registry, now)
        try:
            decision = dispatch.decide(state, command, registry, now, pools=pools)
        except RuleViolation as refusal:
            if registry is not None:
                self._keep_attempt(command, now, registry, refusal)
            raise
        return self._save(command, stream, state, decision, now)

    def _check_clock(self, now: datetime) -> None:
        """T6: an event is never stamped earlier than the last event of the log."""
        head = self.store.head()
        if head != self._head[0]:
            last = self.store.last_event()
            self._head = (head, last.timestamp if last is not None else None)
        latest = self._head[1]
        if latest is not None and now < latest:
            raise RuleViolation(
                rules.CLOCK_BACKWARDS,
                f"the clock reads {format_time(now)}, earlier than the last event of the log "
                f"({format_time(latest)}): the platform's clock went back",
            )

    def _refuse_a_refused_retry(
        self,
        command: SignedCommand,
        stream: UUID,
        registry: RegistryState | None,
        now: datetime,
    ) -> None:
        """S3 across a tender and its attempts: a refused command id is answered as before,
        once its signer is authenticated again (a revoked key gets its own refusal)."""
        if stream == REGISTRY_STREAM:
            return
        attempts = self._optional(AttemptsState, attempts_stream(stream))
        if attempts is None or attempts.replayed(command) is None:
            return
        if registry is not None:
            registry.authenticate(command, now, dispatch.command_class(command.command).guard.role)
        refused = next(r for r in attempts.refused if r["command_id"] == command.command_id)
        raise RuleViolation(
            rules.by_code(refused["rule"]),
            f"{refused['detail']} (command {command.command_id} was refused at "
            f"{format_time(refused['time'])}; a retry gets the same answer)",
        )

    def _save(
        self,
        command: SignedCommand,
        stream: UUID,
        state: StreamState | None,
        decision: Decision,
        now: datetime,
    ) -> Outcome:
        event = new_event(
            stream=stream,
            version=(state.version if state else 0) + 1,
            event_type=decision.event,
            command=command,
            time=now,
            facts=decision.facts,
            prev_hash=state.head if state else "0" * 64,
        )
        saved = self._append(event, state)[-1]
        if self.transparency is not None:
            self.transparency.note_saved(self._states.get(stream))
        return self._outcome(command, stream, saved.version, saved.event_hash, saved.log_index)

    def _append(self, event: LedgerEvent, state: StreamState | None) -> list[SavedEvent]:
        stream = event.originator_id
        try:
            saved = self.store.append([event])
        except ConcurrencyConflict:
            self._states.pop(stream, None)
            raise
        updated = dispatch.apply(state, event.record())
        self._states[stream] = updated
        return saved

    def _keep_attempt(
        self, command: SignedCommand, now: datetime, registry: RegistryState, refusal: RuleViolation
    ) -> None:
        """Record a refused command in its tender's attempts stream, if its signer is genuine."""
        if refusal.rule.clause in _IDENTITY_CLAUSES:
            return
        role = dispatch.command_class(command.command).guard.role
        try:
            registry.authenticate(command, now, role)
        except RuleViolation:
            return
        tender = _stream(command)
        stream = attempts_stream(tender)
        for _ in range(_ATTEMPT_RETRIES):
            attempts = self._optional(AttemptsState, stream)
            decision = refusal_decision(attempts, str(tender), refusal)
            event = new_event(
                stream=stream,
                version=(attempts.version if attempts else 0) + 1,
                event_type=decision.event,
                command=command,
                time=now,
                facts=decision.facts,
                prev_hash=attempts.head if attempts else "0" * 64,
            )
            try:
                self._append(event, attempts)
                return
            except ConcurrencyConflict:
                continue
        raise ConcurrencyConflict(f"could not record the refused attempt {command.command_id}")

    def _current(self, kind: type[S], stream: UUID) -> S:
        state = self._optional(kind, stream)
        if state is None:
            raise NotFound(f"no {kind.__name__.removesuffix('State').lower()} with id {stream}")
        return state

    def _optional(self, kind: type[S], stream: UUID) -> S | None:
        """The stream's state, brought up to date from the store; None if it has no events."""
        state = self._states.get(stream)
        for event in self.store.events(stream, after=state.version if state else 0):
            state = dispatch.apply(state, event.record())
        if state is None:
            return None
        if not isinstance(state, kind):
            raise NotFound(f"{stream} is not a {kind.__name__}")
        self._states[stream] = state
        return state

    def _outcome(
        self,
        command: SignedCommand,
        stream: UUID,
        version: int,
        event_hash: str,
        log_index: int | None = None,
        *,
        replayed: bool = False,
    ) -> Outcome:
        index = self.store.log_index_of(stream, version) if log_index is None else log_index
        receipt = self._receipt(command, version, event_hash, index)
        return Outcome(command.command, stream, version, event_hash, index, replayed, receipt)

    def _receipt(
        self, command: SignedCommand, version: int, event_hash: str, index: int
    ) -> Receipt | None:
        if command.command != "SubmitBid":
            return None
        if self._platform is None:
            raise InvalidInput("no platform key configured: bids need a signed receipt (T3)")
        event = self.store.event_at(UUID(command.stream), version)
        registry = self._current(RegistryState, REGISTRY_STREAM)
        try:
            registry.receipt_key(self._platform.key_id, event.timestamp)
        except VerificationFailure:
            raise InvalidInput(
                f"the platform's receipt key {self._platform.key_id} is not registered on the "
                "ledger (RegisterKey, purpose 'receipt'): bids need a receipt anyone can check"
            ) from None
        return issue_receipt(
            self._platform,
            platform_id=self._platform_id,
            tender=command.stream,
            lot=str(command.args["lot"]),
            bidder=command.actor,
            command_id=command.command_id,
            event_hash=event_hash,
            time=event.timestamp,
        )

    @property
    def receipt_key(self) -> bytes | None:
        """The public key the platform signs receipts with (to register for it)."""
        return None if self._platform is None else self._platform.public_key


def _stream(command: SignedCommand) -> UUID:
    try:
        return UUID(command.stream)
    except ValueError:
        raise NotFound(f"stream {command.stream!r} is not a tender id") from None
