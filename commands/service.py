"""The composition root and the one entry point for signed commands.

``LedgerService.execute`` authenticates a signed command against the registry, applies
its rules to the target stream, and saves the resulting event in one transaction. A
refused command raises and writes nothing; a retried command returns its first result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.attempts import Attempts, attempts_stream
from ledger.clock import Clock, SystemClock
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.errors import ConcurrencyConflict, InvalidInput, NotFound, RuleViolation
from ledger.events import SignedAggregate
from ledger.identity.registry import REGISTRY_STREAM, Registry
from ledger.notes import NoteSigner
from ledger.receipts import Receipt, issue_receipt
from ledger.rules import catalogue as rules
from ledger.store import LedgerStore
from ledger.tender.actions import TENDER_ACTIONS
from ledger.tender.aggregate import Tender
from ledger.tender.publication import publish
from ledger.transparency.checkpoints import DEFAULT_EVERY, TransparencyLog

RegistryAction = Callable[[Registry, SignedCommand, datetime], None]
REGISTRY_ACTIONS: dict[str, RegistryAction] = {
    "RegisterParty": Registry.register_party,
    "RegisterKey": Registry.register_key,
    "RevokeKey": Registry.revoke_key,
}


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
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self._platform = platform
        self._platform_id = platform_id
        self.transparency = (
            None
            if log is None
            else TransparencyLog(store, log, origin=origin, checkpoint_every=checkpoint_every)
        )

    def registry(self) -> Registry:
        return self.store.load(Registry, REGISTRY_STREAM)

    def tender(self, stream: UUID) -> Tender:
        return self.store.load(Tender, stream)

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

    def cosign_latest(
        self, witness: NoteSigner, timestamp: int, *, reason: str | None = None
    ) -> str:
        """A witness (the regulator) cosigns the latest checkpoint, or the latest of ``reason``."""
        if self.transparency is None:
            raise InvalidInput("no log key configured: there are no checkpoints to cosign")
        return self.transparency.cosign_latest(witness, timestamp, reason=reason)

    def checkpoint(self, reason: str = "manual") -> str:
        """Issue a checkpoint of the whole log now (say, at the end of a day's work)."""
        if self.transparency is None:
            raise InvalidInput("no log key configured: cannot issue a checkpoint")
        return self.transparency.checkpoint(self.clock.now(), reason)

    def _execute(self, command: SignedCommand, now: datetime) -> Outcome:
        if command.command == "EstablishRegistry":
            return self._save_new(Registry.establish(command, now), command)
        registry = self.registry()
        if command.command in REGISTRY_ACTIONS:
            return self._apply(
                registry, command, lambda: REGISTRY_ACTIONS[command.command](registry, command, now)
            )
        if command.command == "PublishTender":
            if self.store.exists(_stream(command)):
                return self._apply(self.tender(_stream(command)), command, _published)
            return self._save_new(publish(command, now, registry), command)
        action = TENDER_ACTIONS.get(command.command)
        if action is None:
            raise InvalidInput(f"unknown command {command.command!r}")
        tender = self.tender(_stream(command))
        try:
            return self._apply(
                tender, command, lambda: action.apply(tender, command, now, registry)
            )
        except RuleViolation as refusal:
            self._keep_attempt(command, now, registry, action.role, refusal)
            raise

    def _keep_attempt(
        self,
        command: SignedCommand,
        now: datetime,
        registry: Registry,
        role: str,
        refusal: RuleViolation,
    ) -> None:
        """Record a refused command in its tender's attempts stream, if its signer is genuine."""
        if refusal.rule.clause in _IDENTITY_CLAUSES:
            return
        try:
            registry.authenticate(command, now, role)
        except RuleViolation:
            return
        for _ in range(_ATTEMPT_RETRIES):
            stream = attempts_stream(_stream(command))
            try:
                if not self.store.exists(stream):
                    self.store.save(Attempts.first(command, now, refusal))
                    return
                attempts = self.store.load(Attempts, stream)
                if command.command_id in attempts.command_log:
                    return
                attempts.add(command, now, refusal)
                self.store.save(attempts)
                return
            except ConcurrencyConflict:
                continue
        raise ConcurrencyConflict(f"could not record the refused attempt {command.command_id}")

    def _apply(
        self, aggregate: SignedAggregate, command: SignedCommand, apply: Callable[[], object]
    ) -> Outcome:
        first = aggregate.replayed(command)
        if first is not None:
            version, event_hash = first
            index = self.store.log_index_of(aggregate.id, version)
            receipt = self._receipt(command, version, event_hash, index)
            return Outcome(command.command, aggregate.id, version, event_hash, index, True, receipt)
        apply()
        return self._save_new(aggregate, command)

    def _save_new(self, aggregate: SignedAggregate, command: SignedCommand) -> Outcome:
        saved = self.store.save(aggregate)[-1]
        if self.transparency is not None:
            self.transparency.note_saved(aggregate)
        receipt = self._receipt(command, saved.version, saved.event_hash, saved.log_index)
        return Outcome(
            command.command,
            saved.stream,
            saved.version,
            saved.event_hash,
            saved.log_index,
            False,
            receipt,
        )

    def _receipt(
        self, command: SignedCommand, version: int, event_hash: str, index: int
    ) -> Receipt | None:
        if command.command != "SubmitBid":
            return None
        if self._platform is None:
            raise InvalidInput("no platform key configured: bids need a signed receipt (T3)")
        event = self.store.event_at(UUID(command.stream), version)
        return issue_receipt(
            self._platform,
            platform_id=self._platform_id,
            tender=command.stream,
            lot=str(command.args["lot"]),
            bidder=command.actor,
            command_id=command.command_id,
            event_hash=event_hash,
            stream_version=version,
            log_index=index,
            time=event.timestamp,
        )


_IDENTITY_CLAUSES = frozenset({"S1", "S2", "S3"})
_ATTEMPT_RETRIES = 3


def _published() -> None:
    raise RuleViolation(rules.PUBLISH_ONCE, "a tender with this project code is already published")


def _stream(command: SignedCommand) -> UUID:
    try:
        return UUID(command.stream)
    except ValueError:
        raise NotFound(f"stream {command.stream!r} is not a tender id") from None
