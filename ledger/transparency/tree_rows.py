"""The Merkle tables read and written on a given connection (inside a writer's transaction).

:class:`TreeWriter` keeps the tree's right edge (a compact range) between one writer's
transactions: appending a leaf then writes its row and the nodes it completes and reads
nothing, unless another writer moved the tree since (the edge is read again, O(log n)
nodes in one query). The root of the whole tree comes from the edge, in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ledger.errors import InvalidInput, NotFound
from ledger.merkle import CompactRange
from ledger.notes.claims import StreamHead
from ledger.transparency.tables import CHECKPOINTS, LEAVES, NODES, Leaf

_PLACEHOLDER = bytes(32)


class Wanted:
    """A NodeReader that only notes which nodes a computation reads."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int]] = set()

    def node(self, level: int, index: int) -> bytes:
        self.keys.add((level, index))
        return _PLACEHOLDER


class Fetched:
    """A NodeReader over nodes read beforehand."""

    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self.nodes = nodes

    def node(self, level: int, index: int) -> bytes:
        try:
            return self.nodes[(level, index)]
        except KeyError:
            raise NotFound(f"the tree has no node at level {level}, index {index}") from None


def read_nodes(
    connection: sa.Connection, keys: set[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The stored nodes at ``keys``, in one query (one index search per node)."""
    if not keys:
        return {}
    by_level: dict[int, list[int]] = {}
    for level, index in sorted(keys):
        by_level.setdefault(level, []).append(index)
    wanted = [  # a row-value IN would scan the table on SQLite
        sa.and_(NODES.c.level == level, NODES.c.idx.in_(indices))
        for level, indices in by_level.items()
    ]
    rows = connection.execute(
        sa.select(NODES.c.level, NODES.c.idx, NODES.c.hash).where(sa.or_(*wanted))
    ).all()
    return {(row.level, row.idx): bytes(row.hash) for row in rows}


def tree_head(connection: sa.Connection) -> tuple[int, int]:
    """(tree size, notification id of its last leaf); (0, 0) for an empty tree."""
    last = sa.select(sa.func.max(LEAVES.c.leaf_index)).scalar_subquery()
    row = connection.execute(
        sa.select(LEAVES.c.leaf_index, LEAVES.c.notification_id).where(LEAVES.c.leaf_index == last)
    ).first()
    return (0, 0) if row is None else (row.leaf_index + 1, row.notification_id)


def read_edge(connection: sa.Connection, size: int) -> CompactRange:
    """The right edge of the stored tree of ``size`` leaves."""
    wanted = Wanted()
    CompactRange.from_reader(wanted, size)
    return CompactRange.from_reader(Fetched(read_nodes(connection, wanted.keys)), size)


def write_leaves(connection: sa.Connection, edge: CompactRange, leaves: Sequence[Leaf]) -> None:
    """Append ``leaves`` (continuing ``edge``, which they extend) and the nodes they complete."""
    if not leaves:
        return
    for offset, leaf in enumerate(leaves):
        if leaf.leaf_index != edge.size + offset:
            raise InvalidInput(f"leaf {leaf.leaf_index} does not continue a tree of {edge.size}")
    nodes = [node for leaf in leaves for node in edge.append(leaf.leaf_hash)]
    connection.execute(sa.insert(LEAVES), [_leaf_row(leaf) for leaf in leaves])
    connection.execute(
        sa.insert(NODES), [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes]
    )


def _leaf_row(leaf: Leaf) -> dict[str, Any]:
    return {
        "leaf_index": leaf.leaf_index,
        "notification_id": leaf.notification_id,
        "stream": leaf.stream,
        "version": leaf.version,
        "leaf_hash": leaf.leaf_hash,
        "event_hash": leaf.event_hash or None,
    }


def stream_heads(
    connection: sa.Connection, start: int, end: int, always: Sequence[str] = ()
) -> list[StreamHead]:
    """T9: the last event among leaves [0, ``end``) of every stream with a leaf in
    [``start``, ``end``), and of each stream in ``always`` that has one."""
    leaves = LEAVES.c
    latest: dict[str, tuple[int, str]] = {}
    rows = connection.execute(
        sa.select(leaves.stream, leaves.version, leaves.event_hash).where(
            leaves.leaf_index >= start, leaves.leaf_index < end
        )
    )
    for stream, version, event_hash in rows:
        if stream not in latest or version > latest[stream][0]:
            latest[stream] = (int(version), event_hash)
    for stream in set(always) - set(latest):
        found = connection.execute(
            sa.select(leaves.version, leaves.event_hash)
            .where(leaves.stream == stream, leaves.leaf_index < end)
            .order_by(leaves.version.desc())
            .limit(1)
        ).first()
        if found is not None:
            latest[stream] = (int(found.version), found.event_hash)
    heads = []
    for stream, (version, event_hash) in sorted(latest.items()):
        if not event_hash:
            raise NotFound(f"the tree holds no event hash for stream {stream} v{version}")
        heads.append(StreamHead(stream, version, str(event_hash)))
    return heads


def latest_checkpoint(connection: sa.Connection) -> tuple[int, int]:
    """(sequence number, tree size) of the latest checkpoint; (0, 0) if none."""
    row = connection.execute(
        sa.select(CHECKPOINTS.c.seq, CHECKPOINTS.c.size).order_by(CHECKPOINTS.c.seq.desc()).limit(1)
    ).first()
    return (0, 0) if row is None else (int(row.seq), int(row.size))


class TreeWriter:
    """One writer's view of the tree's right edge, kept between its transactions."""

    def __init__(self) -> None:
        self._edge: CompactRange | None = None
        self.last_id = 0  # the notification id of the last leaf

    @property
    def size(self) -> int:
        return 0 if self._edge is None else self._edge.size

    def open(self, connection: sa.Connection) -> None:
        """Read the tree's head; read its edge again only if another writer moved it."""
        size, self.last_id = tree_head(connection)
        if self._edge is None or self._edge.size != size:
            self._edge = read_edge(connection, size)

    def append(self, connection: sa.Connection, leaves: Sequence[Leaf]) -> None:
        edge = self._require()
        write_leaves(connection, edge, leaves)
        if leaves:
            self.last_id = leaves[-1].notification_id

    def root(self) -> bytes:
        return self._require().root()

    def forget(self) -> None:
        """After a rolled-back transaction: read everything again next time."""
        self._edge = None

    def _require(self) -> CompactRange:
        if self._edge is None:
            raise InvalidInput("the tree writer was not opened in this transaction")
        return self._edge
