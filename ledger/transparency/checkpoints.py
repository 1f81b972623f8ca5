"""Signed checkpoints of the log's Merkle tree (C2SP tlog-checkpoint), and when to issue them.

A checkpoint note is origin, tree size and root, then extension lines saying what the tree
is (``ledger.notes.claims``): ``bidledger <reason> <time> [<tender>]`` and the head of every
stream changed since the previous checkpoint (T9). ``time`` is the moment whose log the tree
is: the issue time, except for a deadline checkpoint, whose time is the tender's submission
deadline.

:class:`TransparencyLog` works inside the writer's transaction (``ledger.writes``), under
the log's write lock, so all of this is one serialised step whatever the number of writer
processes: :meth:`~TransparencyLog.begin` brings the tree up to the log and issues the
deadline checkpoint of every tender whose deadline has come (T4) before any command of the
transaction runs; :meth:`~TransparencyLog.saved` appends the leaves of the events just
inserted; :meth:`~TransparencyLog.finish` issues the opening, award and batch checkpoints
due. A bid is therefore either logged before its tender's deadline checkpoint or refused:
the checkpoint and the bid cannot interleave. Nothing scans the log: the tree's edge, the
latest checkpoint and the due deadlines are each one indexed read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, VerificationFailure
from ledger.events import HashedEvent
from ledger.merkle import leaf_hash
from ledger.notes import Checkpoint, NoteSigner, sign_checkpoint
from ledger.notes.claims import REASONS, TENDER_REASONS, CheckpointClaim, extension_lines
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from ledger.transparency.tables import DEADLINES, Leaf, StoredCheckpoint, insert_checkpoint
from ledger.transparency.tree_rows import TreeWriter, latest_checkpoint, stream_heads
from ledger.transparency.tree_store import TreeStore, engine_of
from ledger.transparency.witnessing import WitnessEndpoint, Witnessing
from ledger.writes import WriteTransaction

DEFAULT_EVERY = 64
_AFTER = {"OpeningStarted": "opening", "LotAwarded": "award"}

__all__ = ["DEADLINES", "DEFAULT_EVERY", "TransparencyLog", "issue_checkpoint"]


def issue_checkpoint(
    tree: TreeStore,
    signer: NoteSigner,
    *,
    origin: str,
    reason: str,
    tender: str | None = None,
    now: datetime,
    as_of: datetime | None = None,
) -> str:
    """Sign and store a checkpoint of the tree as it stands; return the signed note."""
    if reason not in REASONS:
        raise InvalidInput(f"checkpoint reason must be one of {REASONS}, found {reason!r}")
    size = tree.size()
    root = tree.root(size)
    previous = tree.latest_checkpoint()
    always = [tender, str(attempts_stream(tender))] if tender else []
    heads = tree.heads(previous.size if previous else 0, size, always)
    claim = CheckpointClaim(reason, as_of or now, tender)
    note = sign_checkpoint(signer, Checkpoint(origin, size, root, extension_lines(claim, heads)))
    return tree.add_checkpoint(
        size=size, root=root, note=note, reason=reason, tender=tender, issued_at=now
    ).note


class TransparencyLog:
    """Keeps the tree in step with the log and issues the checkpoints the service owes."""

    def __init__(
        self,
        store: LedgerStore,
        signer: NoteSigner,
        *,
        origin: str | None = None,
        checkpoint_every: int = DEFAULT_EVERY,
        witnesses: Sequence[WitnessEndpoint] = (),
    ) -> None:
        if origin is not None and origin != signer.name:
            raise InvalidInput(f"log origin {origin!r} must be the log key's name {signer.name!r}")
        if checkpoint_every < 1:
            raise InvalidInput(f"checkpoint_every must be at least 1, found {checkpoint_every}")
        self.store = store
        self.signer = signer
        self.every = checkpoint_every
        self.tree = TreeStore(engine_of(store))
        self.tree.create()
        self._writer = TreeWriter()
        self._latest = (0, 0)  # (seq, size) of the latest checkpoint, read in each transaction
        self._owed: list[tuple[str, str]] = []  # (reason, tender) to issue before commit
        self._issued: list[int] = []  # numbers of the checkpoints issued in the transaction
        self._key_known = False
        self.witnessing = Witnessing(store, self.tree, witnesses)

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def witnesses(self) -> tuple[WitnessEndpoint, ...]:
        return self.witnessing.witnesses

    @property
    def unwitnessed(self) -> list[tuple[int, str, str]]:
        """(checkpoint number, witness, why) of every cosignature a witness refused."""
        return self.witnessing.refused

    def begin(self, transaction: WriteTransaction, log_head: int, now: datetime) -> None:
        """Under the lock: the tree up to the log; the deadline checkpoints due at ``now``."""
        connection = transaction.connection
        self._owed, self._issued = [], []
        self._writer.open(connection)
        self._latest = latest_checkpoint(connection)
        if self._writer.last_id != log_head:
            self._sync(connection, log_head)
        for tender, deadline in self._due(connection, now):
            issued = self._issue(connection, "deadline", now, tender, as_of=deadline)
            connection.execute(
                sa.update(DEADLINES).where(DEADLINES.c.tender == tender).values(seq=issued.seq)
            )

    def saved(
        self, transaction: WriteTransaction, events: Sequence[tuple[HashedEvent, int]]
    ) -> None:
        """Append the leaves of events just inserted (each with its notification id)."""
        size = self._writer.size
        leaves = [
            Leaf(
                size + offset,
                notification_id,
                str(new.event.originator_id),
                new.event.originator_version,
                new.leaf_hash,
                new.event.event_hash,
            )
            for offset, (new, notification_id) in enumerate(events)
        ]
        self._writer.append(transaction.connection, leaves)
        self._owed += [
            (_AFTER[new.event.type], str(new.event.originator_id))
            for new, _ in events
            if new.event.type in _AFTER
        ]

    def schedule(self, transaction: WriteTransaction, tender: str, deadline: datetime) -> None:
        """Set (or move) a tender's deadline; a moved deadline is due again."""
        connection = transaction.connection
        found = connection.execute(
            sa.select(DEADLINES.c.deadline).where(DEADLINES.c.tender == tender)
        ).scalar()
        if found is None:
            connection.execute(
                sa.insert(DEADLINES).values(tender=tender, deadline=format_time(deadline))
            )
        elif parse_time(found) != deadline:
            connection.execute(
                sa.update(DEADLINES)
                .where(DEADLINES.c.tender == tender)
                .values(deadline=format_time(deadline), seq=None)
            )

    def finish(
        self, transaction: WriteTransaction, now: datetime, registry: RegistryState | None
    ) -> None:
        """The opening and award checkpoints owed, then a batch checkpoint if one is due."""
        connection = transaction.connection
        for reason, tender in self._owed:
            self._issue(connection, reason, now, tender)
        self._owed = []
        due = self._writer.size - self._latest[1] >= self.every
        if due and self._registered(registry, now):
            self._issue(connection, "batch", now)

    def committed(self) -> None:
        """After the commit: submit the checkpoints issued to the witnesses, in order."""
        if self._issued and self.witnessing.witnesses:
            self.witnessing.submit_pending(self._issued[0])
        self._issued = []

    def rolled_back(self) -> None:
        """After a rollback: what this writer kept of the tree is read again next time."""
        self._writer.forget()
        self._owed, self._issued = [], []

    def checkpoint(self, now: datetime, reason: str = "manual", tender: str | None = None) -> str:
        """Issue a checkpoint of the whole log now (``closing``: the one covering a tender's
        last event, cosigned by the witnesses), in its own transaction."""
        if (tender is not None) != (reason in TENDER_REASONS):
            raise InvalidInput(f"a {reason} checkpoint names a tender iff it is about one")
        try:
            with self.store.writing() as transaction:
                self.begin(transaction, transaction.head().notification_id, now)
                issued = self._issue(transaction.connection, reason, now, tender)
        except BaseException:
            self.rolled_back()
            raise
        self.committed()
        return self.tree.checkpoint(issued.seq).note

    def _issue(
        self,
        connection: sa.Connection,
        reason: str,
        now: datetime,
        tender: str | None = None,
        as_of: datetime | None = None,
    ) -> StoredCheckpoint:
        size, root = self._writer.size, self._writer.root()
        always = [tender, str(attempts_stream(tender))] if tender else []
        heads = stream_heads(connection, self._latest[1], size, always)
        claim = CheckpointClaim(reason, as_of or now, tender)
        checkpoint = Checkpoint(self.origin, size, root, extension_lines(claim, heads))
        note = sign_checkpoint(self.signer, checkpoint)
        stored = StoredCheckpoint(self._latest[0] + 1, size, root, note, reason, tender, now)
        insert_checkpoint(connection, stored)
        self._latest = (stored.seq, size)
        self._issued.append(stored.seq)
        return stored

    def _sync(self, connection: sa.Connection, log_head: int) -> None:
        """Leaves for log entries another writer saved without them (none normally)."""
        start = self._writer.last_id + 1
        while start <= log_head:
            records = list(islice(self.store.log(start, 500), 500))
            if not records:
                return
            leaves, owed = [], []
            for offset, record in enumerate(records):
                event: Any = self.store.decode(record)
                leaves.append(
                    Leaf(
                        self._writer.size + offset,
                        record.id,
                        str(record.originator_id),
                        record.originator_version,
                        leaf_hash(event.preimage()),
                        event.event_hash,
                    )
                )
                if event.type in _AFTER:
                    owed.append((_AFTER[event.type], str(record.originator_id)))
            self._writer.append(connection, leaves)
            self._owed += owed
            start = records[-1].id + 1

    def _due(self, connection: sa.Connection, now: datetime) -> list[tuple[str, datetime]]:
        """Tenders whose deadline has come and whose deadline checkpoint is not issued."""
        rows = connection.execute(
            sa.select(DEADLINES.c.tender, DEADLINES.c.deadline)
            .where(DEADLINES.c.seq.is_(None), DEADLINES.c.deadline <= format_time(now))
            .order_by(DEADLINES.c.deadline, DEADLINES.c.tender)
        ).all()
        due = [(row.tender, parse_time(row.deadline)) for row in rows]
        return [(tender, deadline) for tender, deadline in due if deadline <= now]

    def _registered(self, registry: RegistryState | None, now: datetime) -> bool:
        """Whether the log key is on the registry yet (batch checkpoints wait for it)."""
        if not self._key_known and registry is not None:
            try:
                self._key_known = registry.log_verifier(self.origin, now) == self.signer.verifier()
            except VerificationFailure:
                return False
        return self._key_known
