"""The global Merkle tree of the log, stored in the events' own database (T1).

The tables are in ``tables.py``: the leaves in log order, the hash of every complete
subtree, and the signed checkpoints. Appending reads only the tree's right edge and writes
the new leaves and the nodes they complete, one transaction per batch; a proof or a root
reads its O(log n) nodes in one query and never recomputes the tree. Leaf index = position
in log order (PostgreSQL notification ids can have gaps).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa

from ledger.errors import InvalidInput, NotFound
from ledger.merkle import NodeReader, consistency_proof, inclusion_proof, leaf_hash
from ledger.merkle import root as tree_root
from ledger.notes.claims import StreamHead
from ledger.store import LedgerStore
from ledger.transparency.tables import (
    CHECKPOINTS,
    LEAVES,
    METADATA,
    NODES,
    CheckpointTable,
    Leaf,
    StoredCheckpoint,
    leaf_of_row,
)
from ledger.transparency.tree_rows import (
    Fetched,
    Wanted,
    read_edge,
    read_nodes,
    stream_heads,
    tree_head,
    write_leaves,
)
from ledger.writes import lock_for_writing

__all__ = [
    "CHECKPOINTS",
    "LEAVES",
    "METADATA",
    "NODES",
    "Leaf",
    "StoredCheckpoint",
    "TreeStore",
    "engine_of",
]
T = TypeVar("T")


def engine_of(store: LedgerStore) -> sa.Engine:
    """The SQLAlchemy engine the event store writes with (so both share one pool)."""
    return store.engine


class TreeStore(CheckpointTable):
    """The Merkle tree tables of one database; a NodeReader over its complete subtrees."""

    def __init__(self, database: str | sa.Engine) -> None:
        self._owned = isinstance(database, str)
        self.engine = sa.create_engine(database) if isinstance(database, str) else database
        self.node_reads = 0
        self.queries = 0

    def close(self) -> None:
        if self._owned:
            self.engine.dispose()

    def sync(
        self,
        store: LedgerStore,
        *,
        batch: int = 1000,
        on_leaf: Callable[[Leaf, Any], None] | None = None,
    ) -> int:
        """Append every log entry not yet in the tree; one transaction per ``batch``, each
        under the log's write lock (so no writer appends between the read and the write).

        ``on_leaf`` sees each appended leaf and its decoded event once its batch commits.
        """
        self.create()
        added = 0
        while True:
            with self.engine.begin() as connection:
                lock_for_writing(connection)
                size, last = tree_head(connection)
                records = list(islice(store.log(last + 1, batch), batch))
                events = [store.decode(record) for record in records]
                leaves = [
                    Leaf(
                        size + offset,
                        record.id,
                        str(record.originator_id),
                        record.originator_version,
                        leaf_hash(event.preimage()),
                        event.event_hash,
                    )
                    for offset, (record, event) in enumerate(zip(records, events, strict=True))
                ]
                write_leaves(connection, read_edge(connection, size), leaves)
            added += len(leaves)
            for leaf, event in zip(leaves, events, strict=True):
                if on_leaf is not None:
                    on_leaf(leaf, event)
            if len(records) < batch:
                return added

    def append(self, leaves: Sequence[Leaf]) -> None:
        """Append leaves (their indices must continue the tree) in one transaction.

        ``sync`` is the normal way in; this is for tools that build a tree directly.
        """
        self.create()
        with self.engine.begin() as connection:
            lock_for_writing(connection)
            size = tree_head(connection)[0]
            write_leaves(connection, read_edge(connection, size), list(leaves))

    def size(self) -> int:
        """The number of leaves in the tree."""
        with self.engine.connect() as connection:
            return tree_head(connection)[0]

    def node(self, level: int, index: int) -> bytes:
        """NodeReader: one complete subtree (a single query; proofs batch theirs)."""
        return self._batched(lambda reader: reader.node(level, index))

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (default: the whole tree)."""
        size = self._checked_size(size)
        return self._batched(lambda reader: tree_root(reader, size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        size = self._checked_size(size)
        return self._batched(lambda reader: inclusion_proof(reader, index, size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof from ``size1`` to ``size2`` leaves."""
        size2 = self._checked_size(size2)
        return self._batched(lambda reader: consistency_proof(reader, size1, size2))

    def leaf(self, index: int) -> Leaf:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(LEAVES).where(LEAVES.c.leaf_index == index)).first()
        if row is None:
            raise NotFound(f"the tree has no leaf {index}")
        return leaf_of_row(row)

    def leaves(self, start: int = 0, batch: int = 5000) -> Iterable[Leaf]:
        """Every leaf from ``start``, in order, read in batches."""
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(LEAVES)
                    .where(LEAVES.c.leaf_index >= start)
                    .order_by(LEAVES.c.leaf_index)
                    .limit(batch)
                ).all()
            yield from (leaf_of_row(row) for row in rows)
            if len(rows) < batch:
                return
            start = rows[-1].leaf_index + 1

    def leaf_hashes(self, batch: int = 5000) -> Iterator[tuple[int, int, bytes]]:
        """(leaf index, notification id, leaf hash) of every leaf, in order, in batches."""
        start = 0
        columns = (LEAVES.c.leaf_index, LEAVES.c.notification_id, LEAVES.c.leaf_hash)
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(*columns)
                    .where(LEAVES.c.leaf_index >= start)
                    .order_by(LEAVES.c.leaf_index)
                    .limit(batch)
                ).all()
            for index, notification_id, value in rows:
                yield index, notification_id, bytes(value)
            if len(rows) < batch:
                return
            start = rows[-1][0] + 1

    def find(self, stream: str, version: int) -> Leaf | None:
        """The leaf of one event (stream and version), if the tree holds it."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(LEAVES).where(LEAVES.c.stream == stream, LEAVES.c.version == version)
            ).first()
        return None if row is None else leaf_of_row(row)

    def find_event(self, event_hash: str) -> Leaf | None:
        """The leaf of the event with this hash, if the tree holds it."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(LEAVES).where(LEAVES.c.event_hash == event_hash)
            ).first()
        return None if row is None else leaf_of_row(row)

    def nodes_at(self, level: int, batch: int = 5000) -> Iterable[tuple[int, bytes]]:
        """Every stored node of one level, (index, hash) in index order, read in batches."""
        start = 0
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(NODES.c.idx, NODES.c.hash)
                    .where(NODES.c.level == level, NODES.c.idx >= start)
                    .order_by(NODES.c.idx)
                    .limit(batch)
                ).all()
            for index, value in rows:
                yield index, bytes(value)
            if len(rows) < batch:
                return
            start = rows[-1][0] + 1

    def heads(self, start: int, end: int, always: Sequence[str] = ()) -> list[StreamHead]:
        """T9: the last event among leaves [0, ``end``) of every stream with a leaf in
        [``start``, ``end``), and of each stream in ``always`` that has one."""
        with self.engine.connect() as connection:
            return stream_heads(connection, start, end, always)

    def levels(self) -> int:
        """How many levels hold nodes (0 for an empty tree)."""
        with self.engine.connect() as connection:
            top = connection.execute(sa.select(sa.func.max(NODES.c.level))).scalar()
        return 0 if top is None else int(top) + 1

    def leaf_index_of(self, notification_id: int) -> int:
        """The leaf index of the log entry with this notification id (log index)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(LEAVES.c.leaf_index).where(LEAVES.c.notification_id == notification_id)
            ).scalar()
        if found is None:
            raise NotFound(f"log index {notification_id} is not in the tree (yet)")
        return int(found)

    def _checked_size(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise InvalidInput(f"tree size must be in [0, {current}], found {size}")
        return size

    def _batched(self, compute: Callable[[NodeReader], T]) -> T:
        """Run ``compute`` once to learn its nodes, read them in one query, run it again."""
        wanted = Wanted()
        compute(wanted)
        with self.engine.connect() as connection:
            nodes = read_nodes(connection, wanted.keys)
        if wanted.keys:
            self.queries += 1
        self.node_reads += len(nodes)
        return compute(Fetched(nodes))
