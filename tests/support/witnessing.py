"""Real RFC 6962 trees and log-signed checkpoints to feed a witness, and forks of them.

log = TestLog("bidledger.test/log", seed=b"log")   # a log key and an empty tree
log.grow(4); note = log.checkpoint()                 # a signed checkpoint of size 4
log.proof(4, 9)                                      # a consistency proof between sizes
fork = TestLog().grow(6).grow(9, label="forked")     # same key, diverges after leaf 5
"""

from __future__ import annotations

import hashlib

from ledger.merkle import MemoryNodeStore, consistency_proof, leaf_hash
from ledger.notes import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteSigner,
    NoteVerifier,
    sign_checkpoint,
)
from ledger.witness import AddCheckpoint

ORIGIN = "bidledger.test/log"
WITNESS_NAME = "witness.test/regulator"


def seed_of(label: str) -> bytes:
    """A deterministic 32-byte seed named by ``label``."""
    return hashlib.sha256(label.encode()).digest()


def witness_signer(label: str = "witness") -> NoteSigner:
    return NoteSigner(WITNESS_NAME, seed_of(label), COSIGNATURE_V1)


class TestLog:
    """A log: its signing key (named after the origin) and an in-memory Merkle tree."""

    __test__ = False  # not a test class

    def __init__(self, origin: str = ORIGIN, *, key: str = "log", leaves: str = "entry") -> None:
        self.signer = NoteSigner(origin, seed_of(key))
        self.tree = MemoryNodeStore()
        self._leaves = leaves

    @property
    def verifier(self) -> NoteVerifier:
        return self.signer.verifier()

    @property
    def size(self) -> int:
        return self.tree.size

    def grow(self, to_size: int, label: str | None = None) -> TestLog:
        """Append leaves ``<label> <i>`` until the tree has ``to_size`` (a fork: other label)."""
        while self.tree.size < to_size:
            data = f"{label or self._leaves} {self.tree.size}".encode()
            self.tree.append(leaf_hash(data))
        return self

    def checkpoint(self, *extensions: str) -> str:
        """The log-signed checkpoint note of the tree as it stands."""
        body = Checkpoint(self.signer.name, self.size, self.tree.root(), extensions)
        return sign_checkpoint(self.signer, body)

    def proof(self, old_size: int, new_size: int) -> list[bytes]:
        return consistency_proof(self.tree, old_size, new_size)

    def request(self, old_size: int, note: str | None = None) -> bytes:
        """An add-checkpoint body for ``note`` (default: the latest) with the right proof."""
        note = note or self.checkpoint()
        proof = self.proof(old_size, self.size) if 0 < old_size < self.size else []
        return AddCheckpoint(old_size, tuple(proof), note).encode()
