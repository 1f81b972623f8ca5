"""A key store: one folder of key files, a private and a public file per key (docs/deployment.md).

Each key is named after its party and its purpose::

    <party>.<purpose>.key   the private key, PKCS#8 PEM, encrypted with the passphrase
    <party>.<purpose>.pub   the public key, PEM SubjectPublicKeyInfo (RFC 8410)
    <party>.log.vkey        for a note key (purpose ``log``): its C2SP verifier key

Purposes: ``sign`` (Ed25519, signs the party's commands), ``encrypt`` (X25519, an opening
official's key shares are sealed to it), ``receipt`` (Ed25519, the platform's bid receipts)
and ``log`` (Ed25519, the C2SP note key that signs checkpoints). The passphrase comes from
``BIDLEDGER_KEY_PASSPHRASE`` or, at a terminal, from a prompt; a key is written in the clear
only when that is asked for explicitly, with a warning (:mod:`ledger.keyfile`).
"""

from __future__ import annotations

import getpass
import re
import secrets
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import nacl.public

from ledger.crypto.signing import Signer
from ledger.errors import InvalidInput
from ledger.keyfile import (
    PASSPHRASE_ENV,
    load_ed25519_key,
    load_public_key,
    load_x25519_key,
    passphrase_from_env,
    save_ed25519_key,
    save_public_key,
    save_x25519_key,
)
from ledger.notes import ED25519, NoteSigner

PURPOSES = ("sign", "encrypt", "receipt", "log")
PARTY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_ENCRYPTED = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"

__all__ = ["PURPOSES", "KeyStore", "Passphrase", "check_party_id", "party_of_key_file"]


def check_party_id(party: str) -> str:
    """A party id as the registry takes it (2-64 of a-z, 0-9, '.', '_', '-'); also a file name."""
    if not PARTY_ID.match(party):
        raise InvalidInput(f"party id {party!r}: use 2-64 of a-z, 0-9, '.', '_', '-'")
    return party


def party_of_key_file(path: str | Path) -> str | None:
    """The party a key store file names (``<party>.<purpose>.key``); None for another name."""
    parts = Path(path).name.split(".")
    if len(parts) >= 3 and parts[-1] == "key" and parts[-2] in PURPOSES:
        party = ".".join(parts[:-2])
        return party if PARTY_ID.match(party) else None
    return None


class Passphrase:
    """Where key passphrases come from: the environment, else a prompt at a terminal.

    ``clear`` (asked for explicitly) writes new keys unencrypted; reading an encrypted key
    still needs its passphrase.
    """

    def __init__(
        self,
        *,
        clear: bool = False,
        environ: Mapping[str, str] | None = None,
        prompt: Callable[[str], str] = getpass.getpass,
        interactive: Callable[[], bool] | None = None,
    ) -> None:
        self.clear = clear
        self._environ = environ
        self._prompt = prompt
        self._interactive = interactive or _at_a_terminal
        self._value: bytes | None = None

    def for_writing(self) -> bytes | None:
        """The passphrase that encrypts new keys (asked twice at a prompt); None: in the clear."""
        if self.clear:
            return None
        return self._get(confirm=True)

    def for_reading(self) -> bytes:
        """The passphrase of an encrypted key file."""
        return self._get(confirm=False)

    def _get(self, *, confirm: bool) -> bytes:
        if self._value is None:
            self._value = passphrase_from_env(self._environ) or self._asked(confirm)
        return self._value

    def _asked(self, confirm: bool) -> bytes:
        if not self._interactive():
            raise InvalidInput(
                f"key files are encrypted: set {PASSPHRASE_ENV} (no terminal to ask for it)"
            )
        first = self._prompt("key passphrase: ")
        if not first:
            raise InvalidInput("an empty passphrase encrypts nothing")
        if confirm and self._prompt("key passphrase again: ") != first:
            raise InvalidInput("the two passphrases differ")
        return first.encode("utf-8")


class KeyStore:
    """The key files of one folder."""

    def __init__(self, folder: str | Path, passphrase: Passphrase | None = None) -> None:
        self.folder = Path(folder)
        self.passphrase = passphrase or Passphrase()

    def private_path(self, party: str, purpose: str) -> Path:
        return self.folder / f"{check_party_id(party)}.{_purpose(purpose)}.key"

    def public_path(self, party: str, purpose: str) -> Path:
        return self.folder / f"{check_party_id(party)}.{_purpose(purpose)}.pub"

    def vkey_path(self, party: str) -> Path:
        return self.folder / f"{check_party_id(party)}.log.vkey"

    def create_signer(self, party: str, purpose: str = "sign") -> Signer:
        """A new Ed25519 key for ``party``'s ``purpose`` (sign or receipt), written to files."""
        seed = secrets.token_bytes(32)
        signer = Signer.from_seed(seed)
        self._write(party, purpose, seed, signer.public_key, "ed25519")
        return signer

    def create_box_key(self, party: str) -> nacl.public.PrivateKey:
        """A new X25519 encryption key for ``party``, written to files."""
        key = nacl.public.PrivateKey.generate()
        self._write(party, "encrypt", bytes(key), bytes(key.public_key), "x25519")
        return key

    def create_note_signer(self, party: str, name: str, algorithm: int = ED25519) -> NoteSigner:
        """A new C2SP note key named ``name`` for ``party`` (purpose ``log``), with its vkey."""
        seed = secrets.token_bytes(32)
        signer = NoteSigner(name, seed, algorithm)  # checks the name before any file is written
        self._write(party, "log", seed, signer.public_key, "ed25519")
        self.vkey_path(party).write_text(signer.verifier().vkey() + "\n", encoding="utf-8")
        return signer

    def signer(self, party: str, purpose: str = "sign") -> Signer:
        return Signer.from_seed(self.load_seed(self.private_path(party, purpose)))

    def box_key(self, party: str) -> nacl.public.PrivateKey:
        path = self.private_path(party, "encrypt")
        return nacl.public.PrivateKey(load_x25519_key(path, passphrase=self._for(path)))

    def note_signer(self, party: str, name: str, algorithm: int = ED25519) -> NoteSigner:
        return NoteSigner(name, self.load_seed(self.private_path(party, "log")), algorithm)

    def public_key(self, party: str, purpose: str) -> bytes:
        return load_public_key(self.public_path(party, purpose))[1]

    def load_seed(self, path: str | Path) -> bytes:
        """The Ed25519 seed in the key file ``path`` (asking for the passphrase if needed)."""
        return load_ed25519_key(path, passphrase=self._for(Path(path)))

    def passphrase_for(self, path: str | Path) -> bytes | None:
        """The passphrase the key file ``path`` needs (None: it is not encrypted)."""
        return self._for(Path(path))

    def _for(self, path: Path) -> bytes | None:
        try:
            with open(path, "rb") as handle:
                encrypted = _ENCRYPTED in handle.read(len(_ENCRYPTED) + 64)
        except OSError:
            return None  # the loader names the file and the reason
        return self.passphrase.for_reading() if encrypted else None

    def _write(self, party: str, purpose: str, raw: bytes, public: bytes, algorithm: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        private, public_file = self.private_path(party, purpose), self.public_path(party, purpose)
        for path in (private, public_file):
            if path.exists():
                raise InvalidInput(f"key file {path} already exists; not overwriting it")
        passphrase = self.passphrase.for_writing()
        if algorithm == "x25519":
            save_x25519_key(private, raw, passphrase=passphrase)
        else:
            save_ed25519_key(private, raw, passphrase=passphrase)
        save_public_key(public_file, public, algorithm)


def _at_a_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise InvalidInput(f"key purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    return purpose
