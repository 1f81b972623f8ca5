"""XChaCha20-Poly1305-IETF authenticated encryption (libsodium, through PyNaCl).

The ciphertext returned by :func:`encrypt` is the encrypted bytes followed by the
16-byte Poly1305 tag, exactly as libsodium and draft-irtf-cfrg-xchacha lay it out.
"""

from __future__ import annotations

from nacl import bindings
from nacl.exceptions import CryptoError

from ledger.errors import InvalidInput, VerificationFailure

KEY_SIZE = 32
NONCE_SIZE = 24
TAG_SIZE = 16

__all__ = ["KEY_SIZE", "NONCE_SIZE", "TAG_SIZE", "decrypt", "encrypt"]


def encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt ``plaintext`` bound to ``aad``; return ciphertext followed by the tag.

    Preconditions: ``key`` is 32 bytes, ``nonce`` is 24 bytes and never reused with ``key``.
    """
    _check_sizes(key, nonce)
    return bytes(bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key))


def decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Return the plaintext, or raise :class:`VerificationFailure` if the tag does not check.

    A wrong key, nonce, associated data or any altered byte all fail the same way.
    """
    _check_sizes(key, nonce)
    if len(ciphertext) < TAG_SIZE:
        raise VerificationFailure(
            "aead", f"ciphertext is {len(ciphertext)} bytes, shorter than the {TAG_SIZE}-byte tag"
        )
    try:
        return bytes(
            bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, aad, nonce, key)
        )
    except CryptoError as exc:
        raise VerificationFailure(
            "aead", "authentication tag does not match the key, nonce, data and ciphertext"
        ) from exc


def _check_sizes(key: bytes, nonce: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise InvalidInput(f"aead key must be {KEY_SIZE} bytes, found {len(key)}")
    if len(nonce) != NONCE_SIZE:
        raise InvalidInput(f"aead nonce must be {NONCE_SIZE} bytes, found {len(nonce)}")
