"""The fast Merkle builder against the slow RFC reference, on random trees and proofs.

Also: verifiers accept every generated proof and refuse any single flipped bit, the
append path yields exactly the complete subtrees, and proof generation reads O(log n)
nodes (counted on a sparse reader over trees of up to 10**5 leaves).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import NotFound, VerificationFailure
from ledger.merkle import (
    CompactRange,
    MemoryNodeStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_completed_by_append,
    root,
    verify_consistency,
    verify_inclusion,
)
from ledger.merkle import reference as ref

MAX_SIZE = 300
LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX_SIZE)]
STORE = MemoryNodeStore()
for _leaf in LEAVES:
    STORE.append(_leaf)

sizes = st.integers(min_value=1, max_value=MAX_SIZE)


class SparseReader:
    """Computes complete subtrees on demand, counts reads and refuses incomplete nodes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.reads = 0
        self._cache: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes:
        self.reads += 1
        assert (index + 1) << level <= self.size, f"node ({level}, {index}) is incomplete"
        return self._hash(level, index)

    def _hash(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._cache:
            if level == 0:
                self._cache[key] = leaf_hash(index.to_bytes(8, "big"))
            else:
                left, right = self._hash(level - 1, 2 * index), self._hash(level - 1, 2 * index + 1)
                self._cache[key] = node_hash(left, right)
        return self._cache[key]


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@settings(max_examples=150, deadline=None)
@given(size=sizes)
def test_the_root_of_every_size_matches_the_reference(size: int) -> None:
    assert root(STORE, size) == ref.mth(LEAVES[:size])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=sizes)
def test_inclusion_proofs_match_the_reference_and_verify(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = inclusion_proof(STORE, index, size)
    assert proof == ref.path(index, LEAVES[:size])
    verify_inclusion(LEAVES[index], index, size, proof, ref.mth(LEAVES[:size]))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size2=sizes)
def test_consistency_proofs_match_the_reference_and_verify(data: st.DataObject, size2: int) -> None:
    size1 = data.draw(st.integers(min_value=1, max_value=size2))
    proof = consistency_proof(STORE, size1, size2)
    assert proof == ref.proof(size1, LEAVES[:size2])
    verify_consistency(size1, size2, proof, ref.mth(LEAVES[:size1]), ref.mth(LEAVES[:size2]))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size=sizes)
def test_any_flipped_bit_in_an_inclusion_check_is_refused(data: st.DataObject, size: int) -> None:
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    parts = [LEAVES[index], *inclusion_proof(STORE, index, size), root(STORE, size)]
    bit = data.draw(st.integers(min_value=0, max_value=len(parts) * 256 - 1))
    parts[bit // 256] = _flip(parts[bit // 256], bit % 256)
    with pytest.raises(VerificationFailure, match=r"computed root [0-9a-f]{64}, expected"):
        verify_inclusion(parts[0], index, size, parts[1:-1], parts[-1])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), size2=st.integers(min_value=2, max_value=MAX_SIZE))
def test_any_flipped_bit_in_a_consistency_check_is_refused(data: st.DataObject, size2: int) -> None:
    size1 = data.draw(st.integers(min_value=1, max_value=size2 - 1))
    parts = [root(STORE, size1), root(STORE, size2), *consistency_proof(STORE, size1, size2)]
    bit = data.draw(st.integers(min_value=0, max_value=len(parts) * 256 - 1))
    parts[bit // 256] = _flip(parts[bit // 256], bit % 256)
    with pytest.raises(VerificationFailure, match=r"computed root[12] [0-9a-f]{64}, expected"):
        verify_consistency(size1, size2, parts[2:], parts[0], parts[1])


def test_appending_creates_exactly_the_complete_subtrees_and_tracks_the_root() -> None:
    nodes: dict[tuple[int, int], bytes] = {}

    class DictReader:
        def node(self, level: int, index: int) -> bytes:
            return nodes[(level, index)]

    compact = CompactRange(0, [])
    for size, leaf in enumerate(LEAVES):
        created = nodes_completed_by_append(DictReader(), size, leaf)
        assert created == compact.append(leaf)
        assert len(created) == 1 + (size ^ (size + 1)).bit_length() - 1
        nodes.update({(level, index): value for level, index, value in created})
        assert compact.root() == ref.mth(LEAVES[: size + 1])
    assert all(nodes[key] == STORE.node(*key) for key in nodes)
    assert CompactRange.from_reader(STORE, MAX_SIZE).peaks == compact.peaks


def test_the_memory_store_refuses_a_node_that_is_not_complete_yet() -> None:
    with pytest.raises(NotFound, match=r"^no complete subtree at level 2, index 75$"):
        STORE.node(2, 75)


BIG_SIZES = [1, 2, 3, 1023, 1024, 1025, 65_535, 65_536, 65_537, 99_999, 100_000]


def _bound(size: int) -> int:
    return 4 * math.ceil(math.log2(size)) + 4 if size > 1 else 4


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.sampled_from(BIG_SIZES))
def test_proof_generation_reads_logarithmically_many_nodes(data: st.DataObject, size: int) -> None:
    reader = SparseReader(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    size1 = data.draw(st.integers(min_value=1, max_value=size))
    for make in (
        lambda: root(reader, size),
        lambda: inclusion_proof(reader, index, size),
        lambda: consistency_proof(reader, size1, size),
        lambda: CompactRange.from_reader(reader, size),
        lambda: nodes_completed_by_append(reader, size, leaf_hash(b"next")),
    ):
        reader.reads = 0
        make()
        assert reader.reads <= _bound(size), f"{reader.reads} reads for size {size}"


def test_proofs_over_a_sparse_reader_of_100000_leaves_verify() -> None:
    size = 100_000
    reader = SparseReader(size)
    top = root(reader, size)
    for index in (0, 1, 65_535, 65_536, 99_998, 99_999):
        leaf = reader.node(0, index)
        verify_inclusion(leaf, index, size, inclusion_proof(reader, index, size), top)
    for size1 in (1, 3, 65_536, 70_001, 99_999):
        proof = consistency_proof(reader, size1, size)
        verify_consistency(size1, size, proof, root(reader, size1), top)
