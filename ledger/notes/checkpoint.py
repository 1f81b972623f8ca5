"""C2SP tlog-checkpoints and tlog-cosignature/v1 (Ed25519, type 0x04) witness cosignatures.

A checkpoint is a signed note whose text is the log's origin, its tree size (decimal, no
leading zeroes) and its RFC 6962 root hash (base64), then optional non-empty extension
lines. The log signs it with a type 0x01 key whose name is the origin; a witness adds
a cosignature line over ``cosignature/v1``, a time line and the same text.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from ledger.errors import InvalidInput, VerificationFailure
from ledger.notes.signed_note import (
    COSIGNATURE_V1,
    ED25519,
    MAX_TIMESTAMP,
    NoteSigner,
    NoteVerifier,
    cosignature_message,
    open_note,
    parse_note,
    parse_signature_line,
    sign_note,
)

_HASH_SIZE = 32
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_WHERE = "checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size, root hash and optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in [("origin", self.origin)] + [("extension", e) for e in self.extensions]:
            if not line or "\n" in line:
                raise InvalidInput(f"checkpoint {what} must be one non-empty line, found {line!r}")
        if self.size < 0:
            raise InvalidInput(f"checkpoint tree size must not be negative, found {self.size}")
        if len(self.root) != _HASH_SIZE:
            raise InvalidInput(f"checkpoint root hash has 32 bytes, not {len(self.root)}")

    def body(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in newline."""
        root = base64.b64encode(self.root).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text; VerificationFailure names the first bad line."""
        if not text.endswith("\n"):
            raise VerificationFailure(_WHERE, "text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise VerificationFailure(_WHERE, f"needs at least 3 lines, found {len(lines)}")
        if "" in lines:
            raise VerificationFailure(_WHERE, f"line {lines.index('') + 1} is empty")
        origin, size, encoded, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise VerificationFailure(_WHERE, f"tree size must be decimal, found {size!r}")
        try:
            root = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as exc:
            raise VerificationFailure(_WHERE, f"root hash is not base64: {encoded!r}") from exc
        if len(root) != _HASH_SIZE or base64.b64encode(root).decode("ascii") != encoded:
            raise VerificationFailure(_WHERE, f"root hash must be 32 bytes, found {encoded!r}")
        return cls(origin, int(size), root, tuple(extensions))


def sign_checkpoint(signer: NoteSigner, checkpoint: Checkpoint) -> str:
    """The signed note of ``checkpoint``, signed by the log key named after its origin."""
    if signer.name != checkpoint.origin:
        raise InvalidInput(f"log key {signer.name} cannot sign for origin {checkpoint.origin}")
    return sign_note(checkpoint.body(), signer)


def open_checkpoint(note: str, log_verifier: NoteVerifier) -> Checkpoint:
    """Verify the log's signature on a checkpoint note and parse it.

    The log key must be Ed25519 (type 0x01) and named after the checkpoint's origin.
    """
    if log_verifier.algorithm != ED25519:
        raise InvalidInput(f"log key {log_verifier.name} must be an Ed25519 (0x01) key")
    checkpoint = Checkpoint.parse(open_note(note, [log_verifier]).text)
    if checkpoint.origin != log_verifier.name:
        raise VerificationFailure(
            _WHERE, f"origin must be {log_verifier.name!r}, found {checkpoint.origin!r}"
        )
    return checkpoint


def cosign(witness_signer: NoteSigner, checkpoint: Checkpoint, timestamp: int) -> str:
    """A witness's cosignature/v1 line over ``checkpoint`` at ``timestamp`` (POSIX seconds)."""
    if witness_signer.algorithm != COSIGNATURE_V1:
        raise InvalidInput(f"witness key {witness_signer.name} must be a cosignature (0x04) key")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidInput(f"cosignature time must be in [0, 2**63 - 1], found {timestamp}")
    message = cosignature_message(checkpoint.body(), timestamp)
    signature = timestamp.to_bytes(8, "big") + witness_signer.sign_message(message)
    return witness_signer.signature_line(signature)


def add_cosignature(note: str, line: str) -> str:
    """Append a cosignature line to a signed checkpoint note, refusing a second one by a key."""
    if not line.endswith("\n") or "\n" in line[:-1]:
        raise InvalidInput("a cosignature is exactly one line ending in a newline")
    added = parse_signature_line(line[:-1])
    _, signatures = parse_note(note)
    if any((s.name, s.key_id) == (added.name, added.key_id) for s in signatures):
        raise InvalidInput(f"the note already has a signature by {added.name}+{added.key_id:08x}")
    return note + line


def verify_cosignature(note: str, witness: NoteVerifier) -> int:
    """Verify ``witness``'s cosignature on a checkpoint note; return its timestamp."""
    if witness.algorithm != COSIGNATURE_V1:
        raise InvalidInput(f"witness key {witness.name} must be a cosignature (0x04) key")
    opened = open_note(note, [witness])
    Checkpoint.parse(opened.text)
    _, signatures = parse_note(note)
    line = next(s for s in signatures if (s.name, s.key_id) == (witness.name, witness.key_id))
    return int.from_bytes(line.signature[:8], "big")
