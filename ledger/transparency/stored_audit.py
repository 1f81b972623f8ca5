"""The stored Merkle tree (a read model of the log) against the tree recomputed from the log.

The stored tree may lag the log (the service syncs it after each save) but never disagree
with it. A disagreement is named: an event deleted (also at the end), inserted, reordered,
rewritten after it was logged (the stored tree still matches a signed checkpoint there), or
the tree's own rows edited (leaves or nodes).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from uuid import UUID

from ledger.errors import LedgerError, NotFound, VerificationFailure
from ledger.merkle import node_hash, verify_inclusion
from ledger.store import LedgerStore
from ledger.transparency.tree_audit import HASH_SIZE, LogTree, SignedHead
from ledger.transparency.tree_store import Leaf, TreeStore

_READ_MODEL = "the stored Merkle tree (a read model) disagrees with the log"


def check_stored_tree(
    stored: TreeStore, tree: LogTree, heads: list[SignedHead], store: LedgerStore
) -> int:
    """Compare every stored leaf and node with the log; return the stored tree's size."""
    size = stored.size()
    if size > tree.size:
        first = stored.leaf(tree.size)
        raise VerificationFailure(
            f"leaf {tree.size} (log index {first.notification_id})",
            f"an event was deleted from the end of the log: the stored tree has {size} "
            f"leaves, the log {tree.size}; leaf {tree.size} was stream {first.stream} "
            f"v{first.version}",
        )
    for expected, leaf in enumerate(stored.leaves()):
        if leaf.leaf_index != expected:
            raise VerificationFailure(f"stored Merkle leaf {expected}", f"{_READ_MODEL}: missing")
        changed = leaf.notification_id != tree.ids[expected]
        if changed or not hmac.compare_digest(leaf.leaf_hash, tree.leaf(expected)):
            _diagnose(stored, tree, heads, store, leaf)
    _check_nodes(stored, tree, size)
    return size


def _entry(store: LedgerStore, log_index: int) -> tuple[str, int]:
    """(stream, version) of the log entry at a notification id."""
    record = next(iter(store.log(log_index, 1)))
    return str(record.originator_id), int(record.originator_version)


def _diagnose(
    stored: TreeStore, tree: LogTree, heads: list[SignedHead], store: LedgerStore, leaf: Leaf
) -> None:
    index = leaf.leaf_index
    log_index = tree.ids[index]
    stream, version = _entry(store, log_index)
    where = f"leaf {index} (log index {log_index}, stream {stream} v{version})"
    if (stream, version) == (leaf.stream, leaf.version):
        _changed(stored, tree, heads, leaf, where)
    if stored.find(stream, version) is None:
        raise VerificationFailure(
            where,
            f"an event was inserted: this event is not in the stored tree, which has stream "
            f"{leaf.stream} v{leaf.version} (log index {leaf.notification_id}) at leaf {index}",
        )
    try:
        moved = tree.position_of(store.log_index_of(UUID(leaf.stream), leaf.version))
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
    stored: TreeStore, tree: LogTree, heads: list[SignedHead], leaf: Leaf, where: str
) -> None:
    index = leaf.leaf_index
    found = tree.leaf(index).hex()
    for head in sorted(heads, key=lambda h: h.checkpoint.size):
        size = head.checkpoint.size
        if index < size <= stored.size() and _signed(stored, leaf, head):
            raise VerificationFailure(
                where,
                f"the event was rewritten after it was logged: it hashes to leaf {found}, the "
                f"stored tree (as signed by {head.label}) holds {leaf.leaf_hash.hex()}",
            )
    raise VerificationFailure(
        where, f"{_READ_MODEL}: the stored leaf is {leaf.leaf_hash.hex()}, the event gives {found}"
    )


def _signed(stored: TreeStore, leaf: Leaf, head: SignedHead) -> bool:
    """Whether the stored leaf is provably in the tree a checkpoint signed."""
    size = head.checkpoint.size
    try:
        proof = stored.inclusion_proof(leaf.leaf_index, size)
        verify_inclusion(leaf.leaf_hash, leaf.leaf_index, size, proof, head.checkpoint.root)
    except LedgerError:
        return False
    return True


def _levels(tree: LogTree, size: int) -> Iterator[bytes]:
    """The hashes of every complete subtree of the first ``size`` leaves, level by level."""
    level = bytes(tree.leaves[: size * HASH_SIZE])
    while level:
        yield level
        pairs = len(level) // (2 * HASH_SIZE)
        level = b"".join(
            node_hash(
                level[2 * i * HASH_SIZE : (2 * i + 1) * HASH_SIZE],
                level[(2 * i + 1) * HASH_SIZE : (2 * i + 2) * HASH_SIZE],
            )
            for i in range(pairs)
        )


def _check_nodes(stored: TreeStore, tree: LogTree, size: int) -> None:
    depth = 0
    for depth, level in enumerate(_levels(tree, size)):
        count = len(level) // HASH_SIZE
        position = 0
        for index, value in stored.nodes_at(depth):
            where = (
                f"stored Merkle node (level {depth}, index {index}), leaves "
                f"{index << depth} to {((index + 1) << depth) - 1}"
            )
            if index >= count:
                raise VerificationFailure(where, f"{_READ_MODEL}: the tree has no such node")
            if index != position:
                break
            expected = level[index * HASH_SIZE : (index + 1) * HASH_SIZE]
            if not hmac.compare_digest(value, expected):
                raise VerificationFailure(
                    where, f"{_READ_MODEL}: stored {value.hex()}, the log gives {expected.hex()}"
                )
            position += 1
        if position != count:
            raise VerificationFailure(
                f"stored Merkle node (level {depth}, index {position})", f"{_READ_MODEL}: missing"
            )
    if stored.levels() > (depth + 1 if size else 0):
        raise VerificationFailure("stored Merkle nodes", f"{_READ_MODEL}: levels above the root")
