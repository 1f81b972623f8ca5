"""BLS12-381 signature checks for drand beacons, on ``py_ecc`` (the only module importing it).

Why ``py_ecc``: it is the Ethereum Foundation's BLS12-381 library (the executable Ethereum
consensus specification uses it), maintained, typed, pure Python (no compiler, no binary
wheel to trust), and it implements the IETF BLS signature ciphersuites and RFC 9380
hash-to-curve. The other BLS libraries on the package index are bindings to native code
(``pyblst``, ``py-arkworks-bls12381``, ``milagro-bls-binding``): faster, but each a compiled
extension to build or trust; ``drand-verify`` there is a 2023 wrapper of a Rust crate with
the mainnet keys built in. Pure Python is slow but enough here: a draw verifies one beacon
(timings in ``docs/draw.md``, measured by ``bench/draw.py``).

- Signatures on G2, public key on G1 (drand ``pedersen-bls-chained``, the League of
  Entropy "default" chain, and ``pedersen-bls-unchained``): the IETF ciphersuite
  ``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_``, which is ``py_ecc``'s ``G2Basic.Verify``
  unchanged.
- Signatures on G1, public key on G2 (``bls-unchained-g1-rfc9380``, quicknet; and the
  retired ``bls-unchained-on-g1`` fastnet, which hashed to G1 under the G2 tag): ``py_ecc``
  has no ciphersuite object for this side, so this module writes the one equation
  e(signature, g2) = e(H(message), public key) with ``py_ecc``'s own point decoding,
  subgroup check, hash-to-G1 and pairing, the same steps its ``G2Basic`` runs with the
  groups swapped. No field or curve arithmetic is written here.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from py_ecc.bls.ciphersuites import G2Basic
from py_ecc.bls.g2_primitives import subgroup_check
from py_ecc.bls.hash_to_curve import hash_to_G1
from py_ecc.bls.point_compression import decompress_G1, decompress_G2
from py_ecc.bls.typing import G1Compressed, G2Compressed
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381.optimized_curve import G2, is_inf, neg
from py_ecc.optimized_bls12_381.optimized_pairing import final_exponentiate, pairing

from ledger.errors import VerificationFailure

DST_G2 = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
DST_G1 = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
G1_SIZE = 48
G2_SIZE = 96
# py_ecc annotates the hash parameter as a hash object but calls it as a constructor; its
# key and signature types are eth_typing NewTypes of bytes (cast below, not imported).
_SHA256 = cast(Any, hashlib.sha256)


def verify_signature_on_g2(where: str, public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check a G2 signature under a G1 public key (ciphersuite ``DST_G2``); raise if it fails."""
    _check_size(where, "public key (G1)", public_key, G1_SIZE)
    _check_size(where, "signature (G2)", signature, G2_SIZE)
    if not G2Basic.KeyValidate(cast(Any, public_key)):
        raise VerificationFailure(where, "the public key is not a valid G1 point of the subgroup")
    if not G2Basic.Verify(cast(Any, public_key), message, cast(Any, signature)):
        raise VerificationFailure(where, _failed(message, public_key))


def verify_signature_on_g1(
    where: str, public_key: bytes, message: bytes, signature: bytes, dst: bytes
) -> None:
    """Check a G1 signature under a G2 public key, hashing to G1 with ``dst``; raise if it fails."""
    _check_size(where, "public key (G2)", public_key, G2_SIZE)
    _check_size(where, "signature (G1)", signature, G1_SIZE)
    try:
        key = decompress_G2(
            G2Compressed((int.from_bytes(public_key[:48], "big"), int.from_bytes(public_key[48:])))
        )
    except (ValueError, AssertionError) as exc:
        raise VerificationFailure(where, f"the public key is not a G2 point: {exc}") from exc
    if is_inf(key) or not subgroup_check(key):
        raise VerificationFailure(where, "the public key is not a valid G2 point of the subgroup")
    try:
        point = decompress_G1(G1Compressed(int.from_bytes(signature, "big")))
    except (ValueError, AssertionError) as exc:
        raise VerificationFailure(where, f"the signature is not a G1 point: {exc}") from exc
    if not subgroup_check(point):
        raise VerificationFailure(where, "the signature is not in the G1 subgroup")
    hashed = hash_to_G1(message, dst, _SHA256)
    product = pairing(G2, point, final_exponentiate=False) * pairing(
        key, neg(hashed), final_exponentiate=False
    )
    if final_exponentiate(product) != FQ12.one():
        raise VerificationFailure(where, _failed(message, public_key))


def _check_size(where: str, what: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise VerificationFailure(where, f"{what} has {len(value)} bytes, expected {size}")


def _failed(message: bytes, public_key: bytes) -> str:
    return (
        f"the BLS signature does not verify over message {message.hex()} under public key "
        f"{public_key.hex()[:16]}…"
    )
