"""Private key files: Ed25519 and X25519 keys as PKCS#8 PEM, written and read with `cryptography`.

A key file is encrypted with a passphrase (PKCS#8 ``ENCRYPTED PRIVATE KEY``, the best
encryption `cryptography` offers) when one is given; commands take it from the environment
variable ``BIDLEDGER_KEY_PASSPHRASE`` (:func:`passphrase_from_env`). Without one the key is
written in the clear, readable by its owner only, and a warning goes to stderr. Keys come
back as their 32 raw private bytes (the Ed25519 seed), which ``Signer.from_seed``,
``NoteSigner`` and PyNaCl's ``PrivateKey`` all take.

Public keys are files too: PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo, RFC 8410), readable by
anyone, read back as their 32 raw bytes with the algorithm named.
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
_PUBLIC_FILE_MODE = 0o644
_MAX_KEY_FILE = 1 << 14
PrivateKey = ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey
PublicKey = ed25519.Ed25519PublicKey | x25519.X25519PublicKey
ALGORITHMS = ("ed25519", "x25519")


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


def save_public_key(path: str | Path, raw: bytes, algorithm: str) -> None:
    """Write a new public key file (PEM SubjectPublicKeyInfo) for a raw Ed25519 or X25519 key."""
    _check_raw(raw, f"{algorithm} public key")
    key: PublicKey
    if algorithm == "ed25519":
        key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
    elif algorithm == "x25519":
        key = x25519.X25519PublicKey.from_public_bytes(raw)
    else:
        raise InvalidInput(
            f"key algorithm must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}"
        )
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(Path(path), pem, _PUBLIC_FILE_MODE)


def load_public_key(path: str | Path) -> tuple[str, bytes]:
    """The algorithm (``ed25519`` or ``x25519``) and 32 raw bytes of a public key file."""
    pem = _read(Path(path))
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidInput(f"cannot load public key file {path}: not a PEM public key") from None
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519", key.public_bytes(*raw)
    if isinstance(key, x25519.X25519PublicKey):
        return "x25519", key.public_bytes(*raw)
    raise InvalidInput(f"public key file {path} holds a {_kind(key)} key, not Ed25519 or X25519")


def _check_raw(value: bytes, what: str) -> None:
    if len(value) != _RAW_SIZE:
        raise InvalidInput(f"an {what} has 32 bytes, not {len(value)}")


def _kind(key: object) -> str:
    name = type(key).__name__.removesuffix("PrivateKey").removesuffix("PublicKey")
    return name.removeprefix("_") or "unknown"


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
    _write_new(path, pem, 0o600)
    if passphrase is None:
        print(
            f"warning: {path} is not encrypted; set {PASSPHRASE_ENV} to encrypt key files",
            file=sys.stderr,
        )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``data`` and ``mode``; never overwrite an existing file."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise InvalidInput(f"key file {path} already exists; not overwriting it") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write key file {path}: {exc.strerror}") from None
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _read(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(_MAX_KEY_FILE)
    except IsADirectoryError:
        raise InvalidInput(f"cannot read key file {path}: it is a directory") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read key file {path}: {exc.strerror}") from None


def _load(path: Path, passphrase: bytes | None) -> object:
    pem = _read(path)
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
