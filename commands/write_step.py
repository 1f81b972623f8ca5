"""The work of one write transaction: commands decided in order on current states, their
events inserted at once with their Merkle leaves, and the checkpoints they owe.

A :class:`WriteStep` runs inside the transaction :meth:`LedgerStore.writing` opened, under
the log's write lock: each command is decided on the states as the commands before it in
the same step left them; the events are hashed once (their canonical preimage is kept for
the Merkle leaf) and inserted together; a tender whose deadline is set or moved gets its
deadline scheduled. Nothing is visible to anyone until the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from commands.states import StateCache
from ledger.clock import format_time
from ledger.envelope import GENESIS_HASH, SignedCommand
from ledger.errors import InvalidInput, NotFound, RuleViolation, VerificationFailure
from ledger.events import HashedEvent, hashed_event
from ledger.procedure import dispatch
from ledger.procedure.attempts import AttemptsState, attempts_stream, refusal_decision
from ledger.procedure.pools import POOLS_STREAM, PoolsState
from ledger.procedure.records import Decision, StreamState
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState
from ledger.rules import catalogue as rules
from ledger.transparency.checkpoints import TransparencyLog
from ledger.writes import WriteTransaction


class Refused(Exception):
    """The rules refused a command (the refusal a caller sees; its attempt may be kept)."""

    def __init__(self, refusal: RuleViolation) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@dataclass
class Planned:
    """One command's result before the commit: its new event, or where a retry landed."""

    command: SignedCommand
    stream: UUID
    version: int
    event_hash: str
    new: HashedEvent | None = None
    log_index: int | None = None

    @property
    def replayed(self) -> bool:
        return self.new is None


@dataclass
class WriteStep:
    """Commands run in one transaction, in order; the events they give, saved at once."""

    transaction: WriteTransaction
    states: StateCache
    now: datetime
    receipt_key: str | None  # the platform's receipt key id (bids need a receipt, T3)
    results: list[Planned] = field(default_factory=list)
    events: list[HashedEvent] = field(default_factory=list)
    touched: set[UUID] = field(default_factory=set)
    deadlines: dict[UUID, datetime | None] = field(default_factory=dict)

    def run(self, command: SignedCommand) -> None:
        """Decide ``command`` and plan its event; a refusal by its rules raises
        :class:`Refused` and plans nothing."""
        stream = stream_of(command)
        registry = self.states.get(RegistryState, REGISTRY_STREAM)
        pools = self.states.get(PoolsState, POOLS_STREAM)
        state: StreamState | None = (
            registry
            if stream == REGISTRY_STREAM
            else pools
            if stream == POOLS_STREAM
            else self.states.get(TenderState, stream)
        )
        if state is not None and (seen := state.replayed(command)) is not None:
            self.results.append(Planned(command, stream, seen.version, seen.event_hash))
            return
        self._refuse_a_refused_retry(command, stream, registry)
        try:
            decision = dispatch.decide(state, command, registry, self.now, pools=pools)
        except RuleViolation as refusal:
            raise Refused(refusal) from None
        if command.command == "SubmitBid":
            self._check_receipt_key(registry)
        self.results.append(self._plan(command, stream, state, decision))

    def keep_attempt(self, command: SignedCommand, refusal: RuleViolation) -> None:
        """Record a refused command in its tender's attempts stream, if its signer is genuine."""
        registry = self.states.get(RegistryState, REGISTRY_STREAM)
        if registry is None or refusal.rule.clause in rules.IDENTITY_CLAUSES:
            return
        role = dispatch.command_class(command.command).guard.role
        try:
            registry.authenticate(command, self.now, role)
        except RuleViolation:
            return
        tender = stream_of(command)
        stream = attempts_stream(tender)
        attempts = self.states.get(AttemptsState, stream)
        decision = refusal_decision(attempts, str(tender), refusal)
        self._plan(command, stream, attempts, decision)

    def save(self, transparency: TransparencyLog | None) -> int:
        """Insert the planned events with their leaves; the log's head afterwards."""
        if self.events:
            ids = self.transaction.insert([new.event for new in self.events])
            by_event = {id(new): number for new, number in zip(self.events, ids, strict=True)}
            for result in self.results:
                if result.new is not None:
                    result.log_index = by_event[id(result.new)]
            if transparency is not None:
                transparency.saved(self.transaction, list(zip(self.events, ids, strict=True)))
                self._schedule(transparency)
            return ids[-1]
        return -1

    def _plan(
        self, command: SignedCommand, stream: UUID, state: StreamState | None, decision: Decision
    ) -> Planned:
        new = hashed_event(
            stream=stream,
            version=(state.version if state else 0) + 1,
            event_type=decision.event,
            command=command,
            time=self.now,
            facts=decision.facts,
            prev_hash=state.head if state else GENESIS_HASH,
        )
        if isinstance(state, TenderState) and stream not in self.deadlines:
            self.deadlines[stream] = state.deadline
        self.touched.add(stream)
        updated = dispatch.apply(state, new.event.record())
        self.states.put(stream, updated)
        if isinstance(updated, TenderState):
            self.deadlines.setdefault(stream, None)
        self.events.append(new)
        event = new.event
        return Planned(command, stream, event.originator_version, event.event_hash, new)

    def _schedule(self, transparency: TransparencyLog) -> None:
        for stream, before in self.deadlines.items():
            tender = self.states.get(TenderState, stream)
            if tender is not None and tender.deadline != before:
                transparency.schedule(self.transaction, str(stream), tender.deadline)

    def _check_receipt_key(self, registry: RegistryState | None) -> None:
        """A bid is saved only if its signed receipt can be issued (T3)."""
        if self.receipt_key is None:
            raise InvalidInput("no platform key configured: bids need a signed receipt (T3)")
        try:
            if registry is None:
                raise VerificationFailure("registry", "none")
            registry.receipt_key(self.receipt_key, self.now)
        except VerificationFailure:
            raise InvalidInput(
                f"the platform's receipt key {self.receipt_key} is not registered on the "
                "ledger (RegisterKey, purpose 'receipt'): bids need a receipt anyone can check"
            ) from None

    def _refuse_a_refused_retry(
        self, command: SignedCommand, stream: UUID, registry: RegistryState | None
    ) -> None:
        """S3 across a tender and its attempts: a refused command id is answered as before,
        once its signer is authenticated again (a revoked key gets its own refusal)."""
        if stream == REGISTRY_STREAM:
            return
        attempts = self.states.get(AttemptsState, attempts_stream(stream))
        if attempts is None or attempts.replayed(command) is None:
            return
        if registry is not None:
            role = dispatch.command_class(command.command).guard.role
            registry.authenticate(command, self.now, role)
        refused = next(r for r in attempts.refused if r["command_id"] == command.command_id)
        raise RuleViolation(
            rules.by_code(refused["rule"]),
            f"{refused['detail']} (command {command.command_id} was refused at "
            f"{format_time(refused['time'])}; a retry gets the same answer)",
        )


def stream_of(command: SignedCommand) -> UUID:
    """The stream a command targets."""
    try:
        return UUID(command.stream)
    except ValueError:
        raise NotFound(f"stream {command.stream!r} is not a tender id") from None
