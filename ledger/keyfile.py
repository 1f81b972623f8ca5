"""Private key files: Ed25519 and X25519 keys as PKCS#8 PEM, written and read with `cryptography`.

A key file is encrypted with a passphrase (PKCS#8 ``ENCRYPTED PRIVATE KEY``, the best
encryption `cryptography` offers) when one is given; commands take it from the environment
variable ``BIDLEDGER_KEY_PASSPHRASE`` (:func:`passphrase_from_env`). Without one the key is
written in the clear, readable by its owner only, and a warning goes to stderr. Keys come
back as their 32 raw private bytes (the Ed25519 seed), which ``Signer.from_seed``,
``NoteSigner`` and PyNaCl's ``PrivateKey`` all take.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from ledger.errors import InvalidInput

PASSPHRASE_ENV = "BIDLEDGER_KEY_PASSPHRASE"
_RAW_SIZE = 32
PrivateKey = ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey


def passphrase_from_env(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The key file passphrase from ``BIDLEDGER_KEY_PASSPHRASE``; None when unset or empty."""
    value = (os.environ if environ is None else environ).get(PASSPHRASE_ENV, "")
    return value.encode("utf-8") if value else None


def save_ed25519_key(path: str | Path, seed: bytes, *, passphrase: bytes | None) -> None:
    """Write a new key file for the Ed25519 key with this 32-byte seed (never overwrites)."""
    _check_raw(seed, "Ed25519 seed")
    _save(Path(path), ed25519.Ed25519PrivateKey.from_private_bytes(seed), passphrase)


def load_ed25519_key(path: str | Path, *, passphrase: bytes | None) -> bytes:
    """The 32-byte seed of the Ed25519 key in a key file."""
    key = _load(Path(path), passphrase)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise InvalidInput(f"key file {path} holds a {_kind(key)} key, not Ed25519")
    return _raw(key)


def save_x25519_key(path: str | Path, private: bytes, *, passphrase: bytes | None) -> None:
    """Write a new key file for the X25519 key with these 32 private bytes (never overwrites)."""
    _check_raw(private, "X25519 private key")
    _save(Path(path), x25519.X25519PrivateKey.from_private_bytes(private), passphrase)


def load_x25519_key(path: str | Path, *, passphrase: bytes | None) -> bytes:
    """The 32 private bytes of the X25519 key in a key file."""
    key = _load(Path(path), passphrase)
    if not isinstance(key, x25519.X25519PrivateKey):
        raise InvalidInput(f"key file {path} holds a {_kind(key)} key, not X25519")
    return _raw(key)


def _check_raw(value: bytes, what: str) -> None:
    if len(value) != _RAW_SIZE:
        raise InvalidInput(f"an {what} has 32 bytes, not {len(value)}")


def _kind(key: object) -> str:
    return type(key).__name__.removesuffix("PrivateKey").removeprefix("_") or "unknown"


def _raw(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def _save(path: Path, key: PrivateKey, passphrase: bytes | None) -> None:
    if passphrase == b"":
        raise InvalidInput("an empty passphrase encrypts nothing: pass None or a passphrase")
    encryption: serialization.KeySerializationEncryption = serialization.NoEncryption()
    if passphrase is not None:
        encryption = serialization.BestAvailableEncryption(passphrase)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(f"key file {path} already exists; not overwriting it") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write key file {path}: {exc.strerror}") from None
    with os.fdopen(handle, "wb") as stream:
        stream.write(pem)
        stream.flush()
        os.fsync(stream.fileno())
    if passphrase is None:
        print(
            f"warning: {path} is not encrypted; set {PASSPHRASE_ENV} to encrypt key files",
            file=sys.stderr,
        )


def _load(path: Path, passphrase: bytes | None) -> object:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read key file {path}: {exc.strerror}") from None
    encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in pem
    if encrypted and passphrase is None:
        raise InvalidInput(f"key file {path} is encrypted: set {PASSPHRASE_ENV}")
    try:
        return serialization.load_pem_private_key(pem, passphrase if encrypted else None)
    except ValueError:
        detail = "wrong passphrase or damaged file" if encrypted else "not a PKCS#8 PEM key"
        raise InvalidInput(f"cannot load key file {path}: {detail}") from None
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidInput(f"cannot load key file {path}: {exc}") from None
