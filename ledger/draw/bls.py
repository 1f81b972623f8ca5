"""BLS12-381 signature checks for drand beacons, through ``py_ecc``'s ready-made ciphersuite.

Why ``py_ecc``: it is the Ethereum Foundation's BLS12-381 library (the executable Ethereum
consensus specification uses it), maintained, typed, pure Python (no compiler, no binary
wheel to trust), and it implements the IETF BLS signature ciphersuites and RFC 9380
hash-to-curve. The other BLS libraries on the package index are bindings to native code
(``pyblst``, ``py-arkworks-bls12381``, ``milagro-bls-binding``): faster, but each a compiled
extension to build or trust. Pure Python is slow but enough here: a draw verifies one beacon
(timings in ``docs/draw.md``, measured by ``bench/draw.py``).

Only signatures on G2 under a public key on G1 are supported: drand's ``pedersen-bls-chained``
(the League of Entropy "default" chain) and ``pedersen-bls-unchained``, whose check is the
IETF ciphersuite ``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_``, that is ``py_ecc``'s
``G2Basic.Verify`` unchanged. The chains that sign on G1 (quicknet) are not: ``py_ecc`` offers
no ready-made call for them, and this module assembles no verification equation of its own.

:func:`sign_on_g2` (``G2Basic.Sign``) exists for a demonstration beacon chain whose key the
caller holds; nothing on the ledger signs a real beacon.
"""

from __future__ import annotations

from typing import Any, cast

from py_ecc.bls.ciphersuites import G2Basic

from ledger.errors import InvalidInput, VerificationFailure

G1_SIZE = 48
G2_SIZE = 96
# py_ecc's key and signature types are eth_typing NewTypes of bytes and int (cast, not imported).


def verify_signature_on_g2(where: str, public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check a G2 signature under a G1 public key (the IETF G2 ciphersuite); raise if it fails."""
    _check_size(where, "public key (G1)", public_key, G1_SIZE)
    _check_size(where, "signature (G2)", signature, G2_SIZE)
    if not G2Basic.KeyValidate(cast(Any, public_key)):
        raise VerificationFailure(where, "the public key is not a valid G1 point of the subgroup")
    if not G2Basic.Verify(cast(Any, public_key), message, cast(Any, signature)):
        raise VerificationFailure(
            where,
            f"the BLS signature does not verify over message {message.hex()} under public key "
            f"{public_key.hex()[:16]}…",
        )


def secret_key_from_seed(seed: bytes) -> int:
    """A BLS secret key from at least 32 bytes of seed (``G2Basic.KeyGen``, IETF KeyGen)."""
    if len(seed) < 32:
        raise InvalidInput(f"a BLS key seed has at least 32 bytes, got {len(seed)}")
    return int(G2Basic.KeyGen(seed))


def public_key_of(secret_key: int) -> bytes:
    """The compressed G1 public key of ``secret_key`` (``G2Basic.SkToPk``)."""
    return bytes(G2Basic.SkToPk(secret_key))


def sign_on_g2(secret_key: int, message: bytes) -> bytes:
    """The compressed G2 signature of ``message`` (``G2Basic.Sign``), for a demonstration chain."""
    return bytes(G2Basic.Sign(secret_key, message))


def _check_size(where: str, what: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise VerificationFailure(where, f"{what} has {len(value)} bytes, expected {size}")
