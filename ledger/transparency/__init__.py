"""The verifiable log: the global Merkle tree in the database, checkpoints, proofs (T1-T4)."""

from __future__ import annotations

from ledger.notes.claims import REASONS, CheckpointClaim
from ledger.transparency.checkpoints import TransparencyLog, issue_checkpoint
from ledger.transparency.proofs import consistency_json, inclusion_json, prove
from ledger.transparency.tree_store import Leaf, StoredCheckpoint, TreeStore, engine_of

__all__ = [
    "REASONS",
    "CheckpointClaim",
    "Leaf",
    "StoredCheckpoint",
    "TransparencyLog",
    "TreeStore",
    "consistency_json",
    "engine_of",
    "inclusion_json",
    "issue_checkpoint",
    "prove",
]
