"""Proofs as JSON, the way ``bidledger prove`` prints them and receipts carry them.

Hashes are lower-case hex. By default a proof goes to the size of the latest checkpoint,
so it verifies against the root that checkpoint signs.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import InvalidInput
from ledger.transparency.tree_store import TreeStore


def inclusion_json(tree: TreeStore, index: int, size: int) -> dict[str, Any]:
    """{"leaf_index", "tree_size", "leaf_hash", "root", "proof"} for one leaf."""
    proof = tree.inclusion_proof(index, size)
    return {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": tree.leaf(index).leaf_hash.hex(),
        "root": tree.root(size).hex(),
        "proof": [item.hex() for item in proof],
    }


def consistency_json(tree: TreeStore, size1: int, size2: int) -> dict[str, Any]:
    """{"size1", "size2", "root1", "root2", "proof"} between two tree sizes."""
    proof = tree.consistency_proof(size1, size2)
    return {
        "size1": size1,
        "size2": size2,
        "root1": tree.root(size1).hex(),
        "root2": tree.root(size2).hex(),
        "proof": [item.hex() for item in proof],
    }


def prove(
    url: str,
    index: int | None,
    size: int | None = None,
    from_size: int | None = None,
    to_size: int | None = None,
) -> dict[str, Any]:
    """An inclusion proof of leaf ``index``, or a consistency proof from ``from_size``."""
    tree = TreeStore(url)
    try:
        if not tree.exists():
            raise InvalidInput(f"{url} holds no Merkle tree (was it written with a log key?)")
        latest = tree.latest_checkpoint()
        default = latest.size if latest is not None else tree.size()
        if from_size is not None:
            if index is not None or size is not None:
                raise InvalidInput("give either a leaf INDEX [--size N] or --from M [--to N]")
            return consistency_json(tree, from_size, default if to_size is None else to_size)
        if index is None or to_size is not None:
            raise InvalidInput("give either a leaf INDEX [--size N] or --from M [--to N]")
        return inclusion_json(tree, index, default if size is None else size)
    finally:
        tree.close()
