"""The stored Merkle tree (a read model of the log) against the tree recomputed from the log.

The stored tree may lag the log (a writer without the log key saves no leaves) but never
disagree with it. :class:`StoredTreeCheck` compares each stored leaf and node as the walk
recomputes it, reading the stored tree in batches beside the walk (memory stays flat), and
keeps the first disagreement; :meth:`StoredTreeCheck.finish` names it: an event deleted
(also at the end), inserted, reordered, rewritten after it was logged (the stored tree
still matches a signed checkpoint there), or the tree's own rows edited (leaves or nodes).
Problems are reported in the order a full comparison would meet them: leaves first, then
nodes level by level.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

import sqlalchemy as sa

from ledger.errors import LedgerError, NotFound, VerificationFailure
from ledger.merkle import verify_inclusion
from ledger.merkle.builder import Node
from ledger.store import LedgerStore
from ledger.transparency.tree_store import Leaf, TreeStore

if TYPE_CHECKING:
    from ledger.transparency.tree_audit import LogTree, SignedHead

_READ_MODEL = "the stored Merkle tree (a read model) disagrees with the log"


@dataclass(frozen=True)
class _LeafProblem:
    """The first stored leaf that differs: the log's entry there, and whether it is missing."""

    index: int
    log_index: int
    leaf_hash: bytes
    missing: bool


class _Peeking:
    """An iterator one can look one item ahead in."""

    def __init__(self, items: Iterator[tuple[int, bytes]]) -> None:
        self._items = items
        self.next: tuple[int, bytes] | None = next(items, None)

    def advance(self) -> None:
        self.next = next(self._items, None)


class _Level:
    """The stored nodes of one level, compared in index order with the ones the log gives."""

    def __init__(self, stored: TreeStore, level: int, count: int) -> None:
        self.level = level
        self.count = count  # complete subtrees of this level within the stored tree
        self._stored = _Peeking(iter(stored.nodes_at(level)))
        self.problem: VerificationFailure | None = None

    def node(self, index: int, value: bytes) -> None:
        if self.problem is not None or index >= self.count:
            return
        found = self._stored.next
        if found is not None and found[0] >= self.count:
            self.problem = _no_such_node(self.level, found[0])
        elif found is None or found[0] != index:
            self.problem = VerificationFailure(
                _node_where(self.level, index), f"{_READ_MODEL}: missing"
            )
        elif not hmac.compare_digest(found[1], value):
            self.problem = VerificationFailure(
                _spanning(self.level, index),
                f"{_READ_MODEL}: stored {found[1].hex()}, the log gives {value.hex()}",
            )
        else:
            self._stored.advance()

    def finish(self) -> None:
        found = self._stored.next
        if self.problem is None and found is not None:
            self.problem = _no_such_node(self.level, found[0])


class StoredTreeCheck:
    """The stored tree, compared leaf by leaf and node by node as the walk rebuilds it."""

    def __init__(self, stored: TreeStore) -> None:
        self.stored = stored
        self.size = stored.size()
        self._leaves = stored.leaf_hashes()
        self._levels = [
            _Level(stored, level, self.size >> level) for level in range(self.size.bit_length())
        ]
        self.problem: _LeafProblem | None = None

    def leaf(self, index: int, log_index: int, leaf_hash: bytes, nodes: Sequence[Node]) -> None:
        """Leaf ``index`` of the log is entry ``log_index``; ``nodes`` what it completes."""
        if index >= self.size:
            return
        if self.problem is None:
            stored = next(self._leaves, None)
            if stored is None or stored[0] != index:
                self.problem = _LeafProblem(index, log_index, leaf_hash, True)
            elif stored[1] != log_index or not hmac.compare_digest(stored[2], leaf_hash):
                self.problem = _LeafProblem(index, log_index, leaf_hash, False)
        for level, node_index, value in nodes:
            if level < len(self._levels):
                self._levels[level].node(node_index, value)

    def finish(self, tree: LogTree, heads: list[SignedHead], store: LedgerStore) -> int:
        """Raise the first disagreement; the stored tree's size."""
        if self.size > tree.size:
            first = self.stored.leaf(tree.size)
            raise VerificationFailure(
                f"leaf {tree.size} (log index {first.notification_id})",
                f"an event was deleted from the end of the log: the stored tree has {self.size} "
                f"leaves, the log {tree.size}; leaf {tree.size} was stream {first.stream} "
                f"v{first.version}",
            )
        if self.problem is not None:
            if self.problem.missing:
                where = f"stored Merkle leaf {self.problem.index}"
                raise VerificationFailure(where, f"{_READ_MODEL}: missing")
            _diagnose(self.stored, heads, store, self.problem)
        for level in self._levels:
            level.finish()
            if level.problem is not None:
                raise level.problem
        if self.stored.levels() > self.size.bit_length():
            raise VerificationFailure(
                "stored Merkle nodes", f"{_READ_MODEL}: levels above the root"
            )
        return self.size


def _node_where(level: int, index: int) -> str:
    return f"stored Merkle node (level {level}, index {index})"


def _spanning(level: int, index: int) -> str:
    """Where a stored node is, with the leaves it covers."""
    return f"{_node_where(level, index)}, leaves {index << level} to {((index + 1) << level) - 1}"


def _no_such_node(level: int, index: int) -> VerificationFailure:
    return VerificationFailure(_spanning(level, index), f"{_READ_MODEL}: the tree has no such node")


def _entry(store: LedgerStore, log_index: int) -> tuple[str, int]:
    """(stream, version) of the log entry at a notification id."""
    record = next(iter(store.log(log_index, 1)))
    return str(record.originator_id), int(record.originator_version)


def _position(store: LedgerStore, log_index: int) -> int:
    """The leaf index of the log entry with notification id ``log_index``."""
    table = store.events_table
    with store.engine.connect() as connection:
        before = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.id < log_index)
        ).scalar()
    return int(before or 0)


def _diagnose(
    stored: TreeStore, heads: list[SignedHead], store: LedgerStore, problem: _LeafProblem
) -> None:
    leaf = stored.leaf(problem.index)
    index, log_index = leaf.leaf_index, problem.log_index
    stream, version = _entry(store, log_index)
    where = f"leaf {index} (log index {log_index}, stream {stream} v{version})"
    if (stream, version) == (leaf.stream, leaf.version):
        _changed(stored, heads, leaf, problem.leaf_hash, where)
    if stored.find(stream, version) is None:
        raise VerificationFailure(
            where,
            f"an event was inserted: this event is not in the stored tree, which has stream "
            f"{leaf.stream} v{leaf.version} (log index {leaf.notification_id}) at leaf {index}",
        )
    try:
        moved: int | None = _position(store, store.log_index_of(UUID(leaf.stream), leaf.version))
    except NotFound:
        moved = None
    if moved is None:
        raise VerificationFailure(
            where,
            f"an event was deleted: stream {leaf.stream} v{leaf.version} (log index "
            f"{leaf.notification_id}), leaf {index} of the stored tree, is missing from the log",
        )
    raise VerificationFailure(
        where,
        f"events were reordered: the stored tree has stream {leaf.stream} v{leaf.version} at "
        f"leaf {index}; the log has it at leaf {moved}",
    )


def _changed(
    stored: TreeStore, heads: list[SignedHead], leaf: Leaf, found: bytes, where: str
) -> None:
    index = leaf.leaf_index
    for head in sorted(heads, key=lambda h: h.size):
        size = head.size
        if index < size <= stored.size() and _signed(stored, leaf, head):
            raise VerificationFailure(
                where,
                f"the event was rewritten after it was logged: it hashes to leaf {found.hex()}, "
                f"the stored tree (as signed by {head.label}) holds {leaf.leaf_hash.hex()}",
            )
    raise VerificationFailure(
        where,
        f"{_READ_MODEL}: the stored leaf is {leaf.leaf_hash.hex()}, the event gives {found.hex()}",
    )


def _signed(stored: TreeStore, leaf: Leaf, head: SignedHead) -> bool:
    """Whether the stored leaf is provably in the tree a checkpoint signed."""
    size = head.size
    try:
        proof = stored.inclusion_proof(leaf.leaf_index, size)
        verify_inclusion(leaf.leaf_hash, leaf.leaf_index, size, proof, head.root)
    except LedgerError:
        return False
    return True
