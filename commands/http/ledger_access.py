"""What the HTTP routes share: the service behind one writer lock, live read models, the gate.

The service keeps each stream's state in memory and is not made for threads, so every
command runs under one lock per server process: writes take turns, in arrival order,
and a retried command id meets the first one's result (S3). The read models are kept in
an in-memory database, caught up with the log before each read (a read never writes to
the ledger's database).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from commands.http.problems import Problem
from commands.http.read_model_follower import ReadModelFollower
from commands.http.signed_reads import ReadGate, SignedRead
from commands.platform import StoredReadModels
from commands.service import LedgerService, Outcome
from ledger.crypto.signing import key_id_of
from ledger.envelope import SignedCommand
from ledger.errors import NotAuthenticated, NotFound, VerificationFailure
from ledger.events import LedgerEvent
from ledger.procedure.registry_state import REGISTRY_STREAM, Party, RegistryState
from ledger.procedure.state import TenderState
from ledger.store import LedgerStore
from ledger.witness import Witness
from projections.as_of import memory_engine
from projections.catalog import all_projections


class LiveViews:
    """Every tender read model in a private in-memory database, kept up with the log."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self._engine = memory_engine()
        self._projections = all_projections(store)
        self._position = 0
        self._lock = threading.Lock()
        metadata = sa.MetaData()
        for projection in self._projections:
            projection.tables(metadata)
        metadata.create_all(self._engine)

    @contextmanager
    def current(self) -> Iterator[sa.Engine]:
        """The read models caught up with the whole log, for one reader at a time."""
        with self._lock:
            self._catch_up()
            yield self._engine

    def _catch_up(self) -> None:
        position = self._position
        with self._engine.begin() as connection:
            for notification in self._store.log(start=position + 1):
                event = self._store.decode(notification)
                if not isinstance(event, LedgerEvent):
                    raise TypeError(f"log index {notification.id} is not a ledger event")
                for projection in self._projections:
                    projection.apply(connection, event, int(notification.id))
                position = int(notification.id)
        self._position = position

    def close(self) -> None:
        self._engine.dispose()


@dataclass
class HttpLedger:
    """One ledger as the HTTP API serves it."""

    service: LedgerService
    views: LiveViews
    gate: ReadGate = field(default_factory=ReadGate)
    witness: Witness | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    follower: ReadModelFollower | None = None
    """Keeps the read models stored in the database up with the writes (``serve``)."""
    _receipts_checked: int = -1  # the registry version at which the receipt key was valid

    @classmethod
    def of(
        cls, service: LedgerService, *, witness: Witness | None = None, stored: bool = False
    ) -> HttpLedger:
        """``stored``: keep the database's own read models up with the log behind the writes."""
        ledger = cls(service, LiveViews(service.store), witness=witness)
        if stored:
            ledger.follower = ReadModelFollower(StoredReadModels(service.store), ledger.lock)
        return ledger

    @property
    def store(self) -> LedgerStore:
        return self.service.store

    def now(self) -> datetime:
        return self.service.clock.now()

    def execute(self, signed: SignedCommand) -> tuple[Outcome, LedgerEvent]:
        """Run one signed command, writes taking turns; its outcome and the event recorded."""
        with self.lock:
            if signed.command == "SubmitBid":
                self._check_receipt_key()
            try:
                outcome = self.service.execute(signed)
                event = self.store.event_at(outcome.stream, outcome.version)
            finally:  # a refusal is on the record too (its attempt): show it as well
                if self.follower is not None:
                    self.follower.written()
        return outcome, event

    def checkpoint(self, reason: str, tender: UUID | None) -> str:
        """Issue a checkpoint now (``closing``: a tender's, cosigned); its signed note."""
        with self.lock:
            if tender is not None:
                self.service.tender(tender)  # NotFound for no such tender
            return self.service.checkpoint(reason, tender)

    def registry(self) -> RegistryState:
        with self.lock:
            return self.service.registry()

    def tender(self, stream: UUID) -> TenderState:
        with self.lock:
            return self.service.tender(stream)

    def signer(self, read: SignedRead) -> Party:
        """The registered party that signed ``read`` (NotAuthenticated otherwise)."""
        try:
            registry = self.registry()
        except NotFound:
            raise NotAuthenticated("this ledger has no registry yet: nobody can sign") from None
        return self.gate.admit(read, registry, self.now())

    def _check_receipt_key(self) -> None:
        """A bid needs a receipt (T3): refuse it before writing if none can be signed (the
        answer is kept while the registry stays at the same version)."""
        key = self.service.receipt_key
        if key is None:
            raise Problem(503, "no-receipt-key", "this server has no receipt key: bids are refused")
        version = self.store.version_of(REGISTRY_STREAM)
        if self._receipts_checked == version:
            return
        try:
            self.service.registry().receipt_key(key_id_of(key), self.now())
        except (NotFound, VerificationFailure):
            raise Problem(
                503,
                "no-receipt-key",
                f"the server's receipt key {key_id_of(key)} is not registered on the ledger "
                "(RegisterKey, purpose 'receipt'): bids are refused until it is",
            ) from None
        self._receipts_checked = version

    def close(self) -> None:
        if self.follower is not None:
            self.follower.close()
        self.views.close()
