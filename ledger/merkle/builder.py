"""Proof generation from a store of complete subtrees, in O(log n) node reads.

A store keeps, for every *complete* subtree of the log, its hash: ``node(level, index)``
is the root of the 2**level leaves starting at leaf ``index * 2**level`` (level 0 holds
the leaf hashes). Any RFC 9162 subtree that is not complete lies on the right edge of
the tree and is rebuilt from at most log2(n) complete pieces, so every function here
reads O(log n) nodes and never walks the whole tree.
"""

from __future__ import annotations

from typing import Protocol

from ledger.errors import InvalidInput, NotFound
from ledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, node_hash

Node = tuple[int, int, bytes]
"""A complete subtree: (level, index, hash)."""


def _check_leaf(leaf_hash: bytes) -> None:
    if len(leaf_hash) != HASH_SIZE:
        raise InvalidInput(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf_hash)}")


class NodeReader(Protocol):
    """Read access to the hashes of complete subtrees."""

    def node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree of 2**level leaves from leaf index*2**level."""
        ...


def _range_hash(reader: NodeReader, start: int, end: int) -> bytes:
    """MTH of leaves [start, end), start a multiple of the largest power of two <= end-start."""
    pieces: list[bytes] = []
    position = start
    for level in reversed(range((end - start).bit_length())):
        if (end - start) >> level & 1:
            pieces.append(reader.node(level, position >> level))
            position += 1 << level
    result = pieces.pop()
    while pieces:
        result = node_hash(pieces.pop(), result)
    return result


def _path(reader: NodeReader, level: int, index: int, size: int) -> list[bytes]:
    """The path from the node (level, index) up to the root of a tree of ``size`` leaves."""
    last = (size - 1) >> level
    inner = (index ^ last).bit_length()
    proof: list[bytes] = []
    for step in range(inner):
        height = level + step
        start = ((index >> step) ^ 1) << height
        proof.append(_range_hash(reader, start, min(start + (1 << height), size)))
    for step in range(inner, last.bit_length()):
        if index >> step & 1:
            proof.append(reader.node(level + step, (index >> step) ^ 1))
    return proof


def root(reader: NodeReader, size: int) -> bytes:
    """The root hash of the first ``size`` leaves (SHA-256 of "" when ``size`` is 0)."""
    if size < 0:
        raise InvalidInput(f"tree size must not be negative, found {size}")
    return EMPTY_ROOT if size == 0 else _range_hash(reader, 0, size)


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """The RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``size``."""
    if not 0 <= index < size:
        raise InvalidInput(f"leaf index must be in [0, {size}), found {index}")
    return _path(reader, 0, index, size)


def consistency_proof(reader: NodeReader, size1: int, size2: int) -> list[bytes]:
    """The RFC 9162 §2.1.4.1 consistency proof from ``size1`` to ``size2``.

    Empty when the sizes are equal; ``size1`` must be at least 1.
    """
    if not 0 < size1 <= size2:
        raise InvalidInput(f"consistency needs 0 < size1 <= size2, found {size1} and {size2}")
    if size1 == size2:
        return []
    shift = (size1 & -size1).bit_length() - 1
    index = (size1 - 1) >> shift
    proof = _path(reader, shift, index, size2)
    if size1 != 1 << shift:
        proof.insert(0, reader.node(shift, index))
    return proof


def nodes_completed_by_append(reader: NodeReader, size_before: int, leaf_hash: bytes) -> list[Node]:
    """The complete subtrees that appending ``leaf_hash`` as leaf ``size_before`` creates.

    The first is the leaf itself (level 0); each further one is the parent of the
    previous one and its left sibling, read from ``reader``.
    """
    if size_before < 0:
        raise InvalidInput(f"tree size must not be negative, found {size_before}")
    _check_leaf(leaf_hash)
    created: list[Node] = [(0, size_before, leaf_hash)]
    level, index, current = created[0]
    while index & 1:
        current = node_hash(reader.node(level, index - 1), current)
        level, index = level + 1, index >> 1
        created.append((level, index, current))
    return created


class CompactRange:
    """The right edge of a tree: the hashes of its maximal complete subtrees, largest first.

    Enough to compute the root and to append leaves without any other node.
    """

    def __init__(self, size: int, peaks: list[bytes]) -> None:
        if len(peaks) != size.bit_count():
            raise InvalidInput(
                f"a tree of size {size} has {size.bit_count()} peaks, not {len(peaks)}"
            )
        self.size = size
        self.peaks = list(peaks)

    @classmethod
    def from_reader(cls, reader: NodeReader, size: int) -> CompactRange:
        """Read the peaks of the first ``size`` leaves from a store."""
        peaks, position = [], 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                peaks.append(reader.node(level, position >> level))
                position += 1 << level
        return cls(size, peaks)

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Append one leaf; return the complete subtrees it creates (leaf first)."""
        _check_leaf(leaf_hash)
        created: list[Node] = [(0, self.size, leaf_hash)]
        level, index, current = created[0]
        while index & 1:
            current = node_hash(self.peaks.pop(), current)
            level, index = level + 1, index >> 1
            created.append((level, index, current))
        self.peaks.append(current)
        self.size += 1
        return created

    def root(self) -> bytes:
        """The root hash of the tree this range describes."""
        if not self.peaks:
            return EMPTY_ROOT
        result = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            result = node_hash(peak, result)
        return result


class MemoryNodeStore:
    """An in-memory NodeReader that grows by appending leaf hashes (tests, small logs)."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}
        self._range = CompactRange(0, [])

    @property
    def size(self) -> int:
        return self._range.size

    def node(self, level: int, index: int) -> bytes:
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise NotFound(f"no complete subtree at level {level}, index {index}") from None

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Append one leaf hash, store and return the complete subtrees it creates."""
        created = self._range.append(leaf_hash)
        for level, index, value in created:
            self._nodes[(level, index)] = value
        return created

    def root(self) -> bytes:
        return self._range.root()
