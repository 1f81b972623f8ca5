"""The tables of the Merkle log, in the events' own database, and the checkpoint rows.

``merkle_leaves``: one row per log entry in log order (leaf index, notification id, stream,
version, leaf hash). ``merkle_nodes``: the hash of every complete subtree, level 0 being
the leaves. ``checkpoints``: signed tree heads, each with why and when it was issued.
``checkpoint_deadlines``: each tender's submission deadline and the number of the deadline
checkpoint that fixed its bids (none yet: still due). ``log_counters``: named counters of
the log's bookkeeping (how far checkpoints have been submitted to the witnesses).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput

METADATA = sa.MetaData()
_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: the rowid itself
LEAVES = sa.Table(
    "merkle_leaves",
    METADATA,
    sa.Column("leaf_index", _POSITION, primary_key=True, autoincrement=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("stream", sa.String(36), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("event_hash", sa.String(64), nullable=True),
    sa.Index("merkle_leaves_event_idx", "stream", "version"),
)
NODES = sa.Table(
    "merkle_nodes",
    METADATA,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)
CHECKPOINTS = sa.Table(
    "checkpoints",
    METADATA,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("reason", sa.String(16), nullable=False),
    sa.Column("tender", sa.String(36), nullable=True),
    sa.Column("issued_at", sa.String(40), nullable=False),
)
DEADLINES = sa.Table(
    "checkpoint_deadlines",
    METADATA,
    sa.Column("tender", sa.String(36), primary_key=True),
    sa.Column("deadline", sa.String(40), nullable=False),
    sa.Column("seq", sa.Integer, nullable=True),
    sa.Index("checkpoint_deadlines_due", "seq", "deadline"),
)
COUNTERS = sa.Table(
    "log_counters",
    METADATA,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)
_RETRIES = 5


@dataclass(frozen=True)
class Leaf:
    """One log entry in the tree: where it sits, which event it is, and its leaf hash."""

    leaf_index: int
    notification_id: int
    stream: str
    version: int
    leaf_hash: bytes
    event_hash: str = ""


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed tree head as issued: its note and why and when it was issued."""

    seq: int
    size: int
    root: bytes
    note: str
    reason: str
    tender: str | None
    issued_at: datetime


class CheckpointTable:
    """The ``checkpoints`` table of one database (mixed into :class:`TreeStore`)."""

    engine: sa.Engine
    _created = False

    def create(self) -> None:
        """Create the tables if they are missing (checked once per instance)."""
        if not self._created:
            METADATA.create_all(self.engine)
            self._created = True

    def exists(self) -> bool:
        """Whether this database holds a tree at all (verification never creates one)."""
        return sa.inspect(self.engine).has_table(LEAVES.name)

    def add_checkpoint(
        self,
        *,
        size: int,
        root: bytes,
        note: str,
        reason: str,
        tender: str | None,
        issued_at: datetime,
    ) -> StoredCheckpoint:
        """Store an issued checkpoint under the next sequence number."""
        self.create()
        for _ in range(_RETRIES):
            try:
                with self.engine.begin() as connection:
                    last = connection.execute(sa.select(sa.func.max(CHECKPOINTS.c.seq))).scalar()
                    stored = StoredCheckpoint(
                        int(last or 0) + 1, size, root, note, reason, tender, issued_at
                    )
                    connection.execute(sa.insert(CHECKPOINTS).values(_checkpoint_row(stored)))
                return stored
            except IntegrityError:
                continue
        raise InvalidInput("could not store the checkpoint: the sequence kept changing")

    def replace_note(self, seq: int, note: str) -> None:
        """Store a checkpoint's note again with added cosignatures."""
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(CHECKPOINTS).where(CHECKPOINTS.c.seq == seq).values(note=note)
            )

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint, oldest first (none if the database has no tree)."""
        if not self.exists():
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(CHECKPOINTS).order_by(CHECKPOINTS.c.seq)).all()
        return [_checkpoint(row) for row in rows]

    def checkpoint_rows(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint, oldest first, without its note (``note`` is empty):
        what a walk of a long log keeps of each (see :meth:`notes`)."""
        if not self.exists():
            return []
        columns = [column for column in CHECKPOINTS.columns if column.name != "note"]
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(*columns).order_by(CHECKPOINTS.c.seq)).all()
        return [_checkpoint(row, note="") for row in rows]

    def notes(self, batch: int = 1000) -> Iterator[tuple[int, str]]:
        """(sequence number, note) of every stored checkpoint, oldest first, in batches."""
        start = 0
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(CHECKPOINTS.c.seq, CHECKPOINTS.c.note)
                    .where(CHECKPOINTS.c.seq > start)
                    .order_by(CHECKPOINTS.c.seq)
                    .limit(batch)
                ).all()
            for seq, note in rows:
                yield int(seq), str(note)
            if len(rows) < batch:
                return
            start = rows[-1][0]

    def checkpoint(self, seq: int) -> StoredCheckpoint:
        """The checkpoint with sequence number ``seq``."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(CHECKPOINTS).where(CHECKPOINTS.c.seq == seq)).first()
        if row is None:
            raise InvalidInput(f"no checkpoint #{seq} is stored")
        return _checkpoint(row)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        if not self.exists():
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(CHECKPOINTS).order_by(CHECKPOINTS.c.seq.desc()).limit(1)
            ).first()
        return None if row is None else _checkpoint(row)


def insert_checkpoint(connection: sa.Connection, stored: StoredCheckpoint) -> None:
    """Store an issued checkpoint (inside the writer's transaction)."""
    connection.execute(sa.insert(CHECKPOINTS).values(_checkpoint_row(stored)))


def read_counter(connection: sa.Connection, name: str) -> int:
    found = connection.execute(sa.select(COUNTERS.c.value).where(COUNTERS.c.name == name)).scalar()
    return 0 if found is None else int(found)


def write_counter(connection: sa.Connection, name: str, value: int) -> None:
    done = connection.execute(
        sa.update(COUNTERS).where(COUNTERS.c.name == name).values(value=value)
    )
    if not done.rowcount:
        connection.execute(sa.insert(COUNTERS).values(name=name, value=value))


def leaf_of_row(row: Any) -> Leaf:
    return Leaf(
        row.leaf_index,
        row.notification_id,
        row.stream,
        row.version,
        bytes(row.leaf_hash),
        row.event_hash or "",
    )


def _checkpoint_row(stored: StoredCheckpoint) -> dict[str, Any]:
    return {
        "seq": stored.seq,
        "size": stored.size,
        "root": stored.root,
        "note": stored.note,
        "reason": stored.reason,
        "tender": stored.tender,
        "issued_at": format_time(stored.issued_at),
    }


def _checkpoint(row: Any, note: str | None = None) -> StoredCheckpoint:
    return StoredCheckpoint(
        row.seq,
        row.size,
        bytes(row.root),
        row.note if note is None else note,
        row.reason,
        row.tender,
        parse_time(row.issued_at),
    )
