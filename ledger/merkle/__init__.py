"""RFC 6962 / RFC 9162 Merkle tree: hashing, proof generation and proof verification."""

from __future__ import annotations

from ledger.merkle.builder import (
    CompactRange,
    MemoryNodeStore,
    Node,
    NodeReader,
    consistency_proof,
    inclusion_proof,
    nodes_completed_by_append,
    root,
)
from ledger.merkle.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from ledger.merkle.proofs import (
    consistency_proof_size,
    inclusion_proof_size,
    root_from_inclusion,
    roots_from_consistency,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "MemoryNodeStore",
    "Node",
    "NodeReader",
    "consistency_proof",
    "consistency_proof_size",
    "inclusion_proof",
    "inclusion_proof_size",
    "leaf_hash",
    "node_hash",
    "nodes_completed_by_append",
    "root",
    "root_from_inclusion",
    "roots_from_consistency",
    "verify_consistency",
    "verify_inclusion",
]
