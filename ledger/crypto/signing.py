"""Ed25519 signing keys (pynacl) and the signature check every event goes through (S1)."""

from __future__ import annotations

import base64
import binascii
import hashlib

import nacl.exceptions
import nacl.signing

from ledger.errors import InvalidInput, VerificationFailure

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


def key_id_of(public_key: bytes) -> str:
    """The key id: ``ed25519:`` and the first 16 bytes of SHA-256 of the raw public key, hex."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise InvalidInput(f"an Ed25519 public key has 32 bytes, not {len(public_key)}")
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:32]


class Signer:
    """A party's Ed25519 private key; it never leaves the party's own process."""

    def __init__(self, signing_key: nacl.signing.SigningKey) -> None:
        self._key = signing_key

    @classmethod
    def generate(cls) -> Signer:
        return cls(nacl.signing.SigningKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Signer:
        """Rebuild a key from its 32-byte seed (known-answer tests, key files)."""
        if len(seed) != 32:
            raise InvalidInput("an Ed25519 seed has 32 bytes")
        return cls(nacl.signing.SigningKey(seed))

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The detached 64-byte signature of ``message``."""
        return bytes(self._key.sign(message).signature)


def verify_signature(public_key: bytes, message: bytes, signature: bytes, *, where: str) -> None:
    """Raise :class:`VerificationFailure` at ``where`` unless ``signature`` holds."""
    if len(signature) != SIGNATURE_SIZE:
        raise VerificationFailure(where, f"signature has {len(signature)} bytes, expected 64")
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError) as exc:
        raise VerificationFailure(
            where, "signature does not verify under the registered key"
        ) from exc


def encode_signature(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def decode_signature(text: str, *, where: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise VerificationFailure(where, "signature is not valid base64") from exc
