"""The composition root and the one entry point for signed commands.

``LedgerService.execute`` runs a signed command through the pure rules
(:func:`ledger.procedure.dispatch.decide`) on the current state of its stream and the
registry, and saves the resulting event in one transaction under the log's write lock,
with its Merkle leaf and the checkpoints it makes due (``commands.write_step``). A refused
command raises and writes nothing to its tender (its attempt is kept, R1); a retried
command returns its first result (S3). ``execute_many`` runs many commands in one
transaction, all or nothing. States are kept between commands and brought up to date from
the store by version (``commands.states``), so a command costs the same whatever the length
of the log, its stream and the registry. Any number of services, in any number of
processes, may write to one database: the lock puts their transactions in one order.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from commands.states import StateCache
from commands.write_step import Planned, Refused, WriteStep
from ledger.clock import Clock, SystemClock, format_time, to_beijing
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, NotFound, RuleViolation
from ledger.notes import NoteSigner
from ledger.procedure.pools import POOLS_STREAM, PoolsState
from ledger.procedure.records import StreamState
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState
from ledger.receipts import Receipt, issue_receipt
from ledger.rules import catalogue as rules
from ledger.store import LedgerStore
from ledger.transparency.checkpoints import DEFAULT_EVERY, TransparencyLog
from ledger.transparency.witnessing import WitnessEndpoint
from ledger.writes import LogHead, WriteTransaction

S = TypeVar("S", bound=StreamState)


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
        self._states = StateCache(store)
        self._head = LogHead(0, None)  # the log's last entry as this service last saw it
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
        """Apply one signed command at the clock's current time; keep the Merkle log (T1, T4).

        A command the rules refuse raises :class:`RuleViolation`; its attempt is kept in
        its tender's attempts stream when its signer is genuine (R1).
        """
        return self._transact([command], batch=False)[0]

    def execute_many(self, commands: Sequence[SignedCommand]) -> list[Outcome]:
        """Apply many signed commands in one transaction, in order, at one time: all or
        nothing. A refusal of any of them raises, naming which, and writes nothing."""
        if not commands:
            return []
        return self._transact(list(commands), batch=True)

    def checkpoint(self, reason: str = "manual", tender: UUID | None = None) -> str:
        """Issue a checkpoint of the whole log now (say, at the end of a day's work; or
        ``closing`` a tender: the checkpoint covering its last event, witnessed)."""
        if self.transparency is None:
            raise InvalidInput("no log key configured: cannot issue a checkpoint")
        named = None if tender is None else str(tender)
        return self.transparency.checkpoint(self.clock.now(), reason, named)

    @property
    def receipt_key(self) -> bytes | None:
        """The public key the platform signs receipts with (to register for it)."""
        return None if self._platform is None else self._platform.public_key

    def _transact(self, commands: list[SignedCommand], *, batch: bool) -> list[Outcome]:
        """Run ``commands`` in one transaction under the write lock; commit; receipts."""
        touched: set[UUID] = set()
        refusal: RuleViolation | None = None
        try:
            with self.store.writing() as transaction:
                step = self._begin(transaction)
                touched = step.touched
                refusal = self._run(step, commands, batch=batch)
                head = step.save(self.transparency)
                if self.transparency is not None:
                    self.transparency.finish(transaction, step.now, self._registry_now())
        except BaseException:
            self._states.evict(touched)
            self._head = LogHead(0, None)
            if self.transparency is not None:
                self.transparency.rolled_back()
            raise
        if head > 0:
            self._head = LogHead(head, step.now)
            self._states.advanced(head)
        if self.transparency is not None:
            self.transparency.committed()
        if refusal is not None:
            raise refusal
        return [self._outcome(result, step.now) for result in step.results]

    def _begin(self, transaction: WriteTransaction) -> WriteStep:
        """Under the lock: the time now (T6), the states' freshness, the deadlines due."""
        now = to_beijing(self.clock.now())
        self._head = transaction.head(self._head)
        _check_clock(self._head, now)
        self._states.observe(self._head.notification_id)
        if self.transparency is not None:
            self.transparency.begin(transaction, self._head.notification_id, now)
        receipt_key = None if self._platform is None else self._platform.key_id
        return WriteStep(transaction, self._states, now, receipt_key)

    def _run(
        self, step: WriteStep, commands: list[SignedCommand], *, batch: bool
    ) -> RuleViolation | None:
        """Run each command; the refusal of a single command, kept with its attempt."""
        for number, command in enumerate(commands, 1):
            try:
                step.run(command)
            except Refused as refused:
                if batch:
                    raise RuleViolation(
                        refused.refusal.rule,
                        f"command {number} of {len(commands)} ({command.command} "
                        f"{command.command_id}): {refused.refusal.detail}; nothing was written",
                    ) from None
                step.keep_attempt(command, refused.refusal)
                return refused.refusal
        return None

    def _registry_now(self) -> RegistryState | None:
        return self._states.get(RegistryState, REGISTRY_STREAM)

    def _current(self, kind: type[S], stream: UUID) -> S:
        self._states.observe(self.store.head())
        state = self._states.get(kind, stream)
        if state is None:
            raise NotFound(f"no {kind.__name__.removesuffix('State').lower()} with id {stream}")
        return state

    def _outcome(self, result: Planned, now: datetime) -> Outcome:
        index = result.log_index
        if index is None:
            index = self.store.log_index_of(result.stream, result.version)
        receipt = None
        if result.command.command == "SubmitBid":
            receipt = self._receipt(result, now)
        return Outcome(
            result.command.command,
            result.stream,
            result.version,
            result.event_hash,
            index,
            result.replayed,
            receipt,
        )

    def _receipt(self, result: Planned, now: datetime) -> Receipt:
        """The signed receipt of an accepted bid (T3); a retry gets it again."""
        if self._platform is None:
            raise InvalidInput("no platform key configured: bids need a signed receipt (T3)")
        time = now
        if result.replayed:
            time = self.store.event_at(result.stream, result.version).timestamp
        command = result.command
        return issue_receipt(
            self._platform,
            platform_id=self._platform_id,
            tender=command.stream,
            lot=str(command.args["lot"]),
            bidder=command.actor,
            command_id=command.command_id,
            event_hash=result.event_hash,
            time=time,
        )


def _check_clock(head: LogHead, now: datetime) -> None:
    """T6: an event is never stamped earlier than the last event of the log."""
    if head.time is not None and now < head.time:
        raise RuleViolation(
            rules.CLOCK_BACKWARDS,
            f"the clock reads {format_time(now)}, earlier than the last event of the log "
            f"({format_time(head.time)}): the platform's clock went back",
        )
