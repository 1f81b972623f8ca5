"""Inclusion and consistency proof verification, RFC 9162 §2.1.3.2 and §2.1.4.2.

Verifiers recompute the root(s) from the proof and compare; they raise
:class:`~ledger.errors.VerificationFailure` (never return a boolean). Preconditions come
first, each with its own message: sizes in range, every hash exactly 32 bytes, and the
proof exactly as long as the sizes imply. As in transparency-dev/merkle, a consistency
proof from the empty tree is refused (it proves nothing).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from ledger.errors import VerificationFailure
from ledger.merkle.hashing import HASH_SIZE, node_hash


def _where_inclusion(index: int, size: int) -> str:
    return f"inclusion proof of leaf {index} in a tree of size {size}"


def _where_consistency(size1: int, size2: int) -> str:
    return f"consistency proof from size {size1} to size {size2}"


def _check_hash(where: str, what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationFailure(where, f"{what} has {len(value)} bytes, expected {HASH_SIZE}")


def _check_proof(where: str, proof: Sequence[bytes], expected: int) -> None:
    if len(proof) != expected:
        raise VerificationFailure(
            where, f"proof has length {len(proof)}, expected {expected} for these sizes"
        )
    for position, value in enumerate(proof):
        _check_hash(where, f"proof hash {position}", value)


def _check_equal(where: str, what: str, computed: bytes, expected: bytes) -> None:
    if not hmac.compare_digest(computed, expected):
        raise VerificationFailure(
            where, f"computed {what} {computed.hex()}, expected {expected.hex()}"
        )


def inclusion_proof_size(index: int, size: int) -> int:
    """How many hashes the inclusion proof of leaf ``index`` in a tree of ``size`` has."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(size1: int, size2: int) -> int:
    """How many hashes the consistency proof from ``size1`` to ``size2`` has (0 < size1 < size2)."""
    shift = (size1 & -size1).bit_length() - 1
    seed = 0 if size1 == 1 << shift else 1
    return seed + inclusion_proof_size((size1 - 1) >> shift, ((size2 - 1) >> shift) + 1)


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` yields for ``leaf_hash`` at ``index`` (RFC 9162 §2.1.3.2)."""
    where = _where_inclusion(index, size)
    if not 0 <= index < size:
        raise VerificationFailure(where, f"leaf index must be in [0, {size}), found {index}")
    _check_hash(where, "leaf hash", leaf_hash)
    _check_proof(where, proof, inclusion_proof_size(index, size))
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise VerificationFailure(where, "proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationFailure(where, "proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise unless ``proof`` puts ``leaf_hash`` at ``index`` in the tree (``size``, ``root``)."""
    where = _where_inclusion(index, size)
    computed = root_from_inclusion(leaf_hash, index, size, proof)
    _check_hash(where, "root", root)
    _check_equal(where, "root", computed, root)


def _consistency_preconditions(
    where: str, size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    if size1 < 1:
        raise VerificationFailure(where, f"size1 must be at least 1, found {size1}")
    if size2 < size1:
        raise VerificationFailure(where, f"size2 must be at least size1 {size1}, found {size2}")
    _check_hash(where, "root1", root1)
    _check_hash(where, "root2", root2)
    expected = 0 if size1 == size2 else consistency_proof_size(size1, size2)
    _check_proof(where, proof, expected)


def roots_from_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """(first root, second root) recomputed from a proof, RFC 9162 §2.1.4.2 steps 2-6.

    Needs 0 < size1 < size2 and a well-formed proof (see :func:`verify_consistency`).
    """
    where = _where_consistency(size1, size2)
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationFailure(where, "proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationFailure(where, "proof is shorter than the path to the root")
    return fr, sr


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise unless ``proof`` shows the tree (size1, root1) is a prefix of (size2, root2).

    Equal sizes need an empty proof and equal roots; size1 = 0 is always refused.
    """
    where = _where_consistency(size1, size2)
    _consistency_preconditions(where, size1, size2, proof, root1, root2)
    if size1 == size2:
        if not hmac.compare_digest(root1, root2):
            raise VerificationFailure(
                where, f"equal sizes need equal roots: root1 {root1.hex()}, root2 {root2.hex()}"
            )
        return
    fr, sr = roots_from_consistency(size1, size2, proof, root1)
    _check_equal(where, "root1", fr, root1)
    _check_equal(where, "root2", sr, root2)
