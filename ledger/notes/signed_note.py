"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and their key formats.

A note is a text ending in a newline, a blank line, and signature lines
``— <key name> base64(key id (4 bytes) || signature)``. Keys travel as vkeys
``<name>+<key id hex>+base64(type || public key)`` and skeys ``PRIVATE+KEY+<name>+...``.
Two signature types: 0x01 (Ed25519 over the note text) and 0x04 (tlog-cosignature/v1,
Ed25519 over ``cosignature/v1``, a time line and the note text, with the time carried in
the signature). Written by hand: the format is small and no maintained Python package
implements it; pynacl does the cryptography.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from ledger.errors import InvalidInput, VerificationFailure

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "— "
MAX_SIGNATURES = 64
MAX_TIMESTAMP = 2**63 - 1
_KEY_SIZE = 32
_SIGNATURE_SIZES = {ED25519: 64, COSIGNATURE_V1: 72}
_NOTE = "signed note"
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # control characters other than newline


def key_id(name: str, algorithm: int, public_key: bytes) -> int:
    """SHA-256(name || "\\n" || type || public key)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def check_name(name: str) -> None:
    """Refuse a key name that is empty or has a space, a control character or a plus."""
    if not name or any(ch == "+" or ch.isspace() or ch < " " for ch in name):
        raise InvalidInput(f"key name {name!r} must be non-empty, without spaces or '+'")


def cosignature_message(text: str, timestamp: int) -> bytes:
    """The message a cosignature/v1 signs: header, time line, then the note text."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def _decode_base64(text: str, what: str) -> bytes:
    """Strict, canonical standard base64, or InvalidInput naming ``what``."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidInput(f"{what} is not valid base64: {text!r}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise InvalidInput(f"{what} is not canonical base64: {text!r}")
    return raw


def _parse_key(parts: list[str], what: str) -> tuple[str, int, int, bytes]:
    """(name, key id, type, key material) from the ``name+id+base64`` parts of a key."""
    name, hex_id, material = parts
    check_name(name)
    if len(hex_id) != 8 or any(ch not in "0123456789abcdef" for ch in hex_id):
        raise InvalidInput(f"{what} key id must be 8 lowercase hex digits, found {hex_id!r}")
    raw = _decode_base64(material, f"{what} key")
    if len(raw) != 1 + _KEY_SIZE or raw[0] not in _SIGNATURE_SIZES:
        found = f"type {raw[0]:#04x} and {len(raw) - 1} bytes" if raw else "nothing"
        raise InvalidInput(f"{what} key must be type 0x01 or 0x04 and 32 bytes, found {found}")
    return name, int(hex_id, 16), raw[0], raw[1:]


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted public key: its name, key id, signature type and Ed25519 public key."""

    name: str
    key_id: int
    public_key: bytes
    algorithm: int = ED25519

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<id>+<base64(type || key)>``, checking the id matches the key."""
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise InvalidInput(f"a vkey has three '+'-separated parts, found {len(parts)}")
        name, declared, algorithm, public_key = _parse_key(parts, "vkey")
        actual = key_id(name, algorithm, public_key)
        if declared != actual:
            raise InvalidInput(f"vkey declares key id {declared:08x}, its key gives {actual:08x}")
        return cls(name, declared, public_key, algorithm)

    def vkey(self) -> str:
        material = base64.b64encode(bytes([self.algorithm]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{material}"

    def verify(self, text: str, signature: bytes) -> None:
        """Raise unless ``signature`` (without the key id) signs ``text`` under this key."""
        where = f"signature by {self.name}+{self.key_id:08x}"
        expected = _SIGNATURE_SIZES[self.algorithm]
        if len(signature) != expected:
            raise VerificationFailure(where, f"has {len(signature)} bytes, expected {expected}")
        message = text.encode()
        if self.algorithm == COSIGNATURE_V1:
            timestamp = int.from_bytes(signature[:8], "big")
            if timestamp > MAX_TIMESTAMP:
                raise VerificationFailure(where, f"timestamp {timestamp} exceeds 2**63 - 1")
            message, signature = cosignature_message(text, timestamp), signature[8:]
        try:
            nacl.signing.VerifyKey(self.public_key).verify(message, signature)
        except (nacl.exceptions.BadSignatureError, ValueError) as exc:
            raise VerificationFailure(where, "does not verify over the note text") from exc


class NoteSigner:
    """A named Ed25519 private key that signs notes (type 0x01) or cosigns (type 0x04)."""

    def __init__(self, name: str, seed: bytes, algorithm: int = ED25519) -> None:
        check_name(name)
        if len(seed) != _KEY_SIZE:
            raise InvalidInput(f"an Ed25519 seed has 32 bytes, not {len(seed)}")
        if algorithm not in _SIGNATURE_SIZES:
            raise InvalidInput(f"signature type must be 0x01 or 0x04, found {algorithm:#04x}")
        self._key = nacl.signing.SigningKey(seed)
        self.name = name
        self.algorithm = algorithm
        self.public_key = bytes(self._key.verify_key)
        self.key_id = key_id(name, algorithm, self.public_key)

    @classmethod
    def from_skey(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<id>+<base64(type || seed)>``."""
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InvalidInput("an skey reads PRIVATE+KEY+<name>+<id>+<base64 key>")
        name, declared, algorithm, seed = _parse_key(parts[2:], "skey")
        signer = cls(name, seed, algorithm)
        if signer.key_id != declared:
            raise InvalidInput(
                f"skey declares key id {declared:08x}, its key gives {signer.key_id:08x}"
            )
        return signer

    def skey(self) -> str:
        material = base64.b64encode(bytes([self.algorithm]) + bytes(self._key)).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{material}"

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, self.key_id, self.public_key, self.algorithm)

    def sign_message(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of ``message``."""
        return bytes(self._key.sign(message).signature)

    def signature_line(self, signature: bytes) -> str:
        """``— <name> base64(key id || signature)\\n``."""
        payload = self.key_id.to_bytes(4, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(payload).decode('ascii')}\n"


@dataclass(frozen=True)
class NoteSignature:
    """One parsed signature line: key name, key id and the signature after the id."""

    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text verified: by which known keys, and which lines were not checked."""

    text: str
    verified_by: tuple[NoteVerifier, ...]
    unknown: tuple[NoteSignature, ...]


def check_text(text: str) -> None:
    """Refuse a note text that does not end in a newline or has control characters."""
    if not text.endswith("\n"):
        raise InvalidInput("a note text must end in a newline")
    if any(ch < " " and ch != "\n" for ch in text):
        raise InvalidInput("a note text must not contain control characters other than newline")


def sign_note(text: str, *signers: NoteSigner) -> str:
    """The signed note: ``text``, a blank line, one Ed25519 signature line per signer."""
    check_text(text)
    if not signers:
        raise InvalidInput("a signed note needs at least one signer")
    lines = []
    for signer in signers:
        if signer.algorithm != ED25519:
            raise InvalidInput(f"key {signer.name} is a cosignature key; cosign a checkpoint")
        lines.append(signer.signature_line(signer.sign_message(text.encode())))
    return text + "\n" + "".join(lines)


def parse_signature_line(line: str) -> NoteSignature:
    """Parse ``— <name> <base64>`` (without its newline); InvalidInput if malformed."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise InvalidInput(f"a signature line starts with '— ', found {line[:12]!r}")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    check_name(name)
    raw = _decode_base64(encoded, f"signature of {name}")
    if len(raw) < 5:
        raise InvalidInput(f"signature of {name} has {len(raw)} bytes, expected at least 5")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines, checking the format only."""
    if _CONTROL.search(note) is not None:
        raise VerificationFailure(_NOTE, "contains a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n") or split + 2 == len(note):
        raise VerificationFailure(_NOTE, "expected text, a blank line and signature lines")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationFailure(_NOTE, f"has {len(lines)} signatures, at most {MAX_SIGNATURES}")
    signatures = []
    for number, line in enumerate(lines, start=1):
        try:
            signatures.append(parse_signature_line(line))
        except InvalidInput as exc:
            raise VerificationFailure(f"{_NOTE}, signature line {number}", str(exc)) from exc
    return text, signatures


def open_note(note: str, verifiers: Sequence[NoteVerifier]) -> OpenedNote:
    """Verify a note against trusted keys; return its text and the keys that signed it.

    Lines from unknown keys (name and id not both known) are skipped; a bad signature
    from a known key, two from the same key, or none from any known key is refused.
    """
    text, signatures = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[NoteVerifier] = []
    unknown: list[NoteSignature] = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            unknown.append(signature)
            continue
        if verifier in verified:
            raise VerificationFailure(_NOTE, f"two signatures by {verifier.vkey()}")
        verifier.verify(text, signature.signature)
        verified.append(verifier)
    if not verified:
        names = ", ".join(f"{v.name}+{v.key_id:08x}" for v in verifiers) or "(none)"
        found = ", ".join(f"{s.name}+{s.key_id:08x}" for s in signatures)
        raise VerificationFailure(_NOTE, f"no signature by a trusted key ({names}); found {found}")
    return OpenedNote(text, tuple(verified), tuple(unknown))
