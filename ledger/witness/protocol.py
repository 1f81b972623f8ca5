"""The C2SP tlog-witness wire formats: the add-checkpoint request body and the response bodies.

Request: ``old <size>`` (canonical decimal), at most 63 consistency proof lines (one base64
hash each), an empty line, then the signed checkpoint note; every line ends in a newline.
Responses: 200 with cosignature lines, 409 with ``<size>\\n`` and content type
``text/x.tlog.size`` when the old size is not the witness's, other errors plain text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import InvalidInput

ADD_CHECKPOINT_PATH = "/add-checkpoint"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
MAX_PROOF_LINES = 63
MAX_BODY_BYTES = 1 << 20
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")
_HASH_SIZE = 32
_SIGNATURE_PREFIX = "— "


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request: the size the client believes the witness has, the proof
    from that size to the checkpoint's, and the signed checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def encode(self) -> bytes:
        """The request body."""
        if self.old_size < 0:
            raise InvalidInput(f"old size must not be negative, found {self.old_size}")
        if len(self.proof) > MAX_PROOF_LINES:
            raise InvalidInput(f"at most {MAX_PROOF_LINES} proof lines, found {len(self.proof)}")
        lines = [f"old {self.old_size}\n"]
        lines += [base64.b64encode(value).decode("ascii") + "\n" for value in self.proof]
        return ("".join(lines) + "\n" + self.note).encode("utf-8")

    @classmethod
    def decode(cls, body: bytes) -> AddCheckpoint:
        """Parse a request body; InvalidInput (400 Bad Request) names what is wrong."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("request body is not UTF-8") from None
        head, blank, note = text.partition("\n\n")
        if not blank:
            raise InvalidInput("request body needs an empty line before the checkpoint")
        first, *proof_lines = head.split("\n")
        size = first.removeprefix("old ")
        if size == first or not _DECIMAL.fullmatch(size):
            raise InvalidInput(f"first line must be 'old <decimal size>', found {first!r}")
        if len(proof_lines) > MAX_PROOF_LINES:
            raise InvalidInput(f"at most {MAX_PROOF_LINES} proof lines, found {len(proof_lines)}")
        proof = tuple(_hash(line, number) for number, line in enumerate(proof_lines, start=1))
        return cls(int(size), proof, note)


def _hash(line: str, number: int) -> bytes:
    try:
        value = base64.b64decode(line.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        value = b""
    if len(value) != _HASH_SIZE or base64.b64encode(value).decode("ascii") != line:
        raise InvalidInput(f"proof line {number} is not a base64 32-byte hash: {line!r}")
    return value


def encode_size(size: int) -> bytes:
    """The body of a 409 Conflict: the witness's latest cosigned size and a newline."""
    return f"{size}\n".encode("ascii")


def decode_size(body: bytes) -> int:
    """Parse a ``text/x.tlog.size`` body: canonical decimal and exactly one newline."""
    text = body.decode("ascii", errors="replace")
    if not text.endswith("\n") or not _DECIMAL.fullmatch(text[:-1]):
        raise InvalidInput(f"a tree size body is '<decimal>\\n', found {text[:40]!r}")
    return int(text[:-1])


def decode_cosignatures(body: bytes) -> list[str]:
    """Split a 200 response into its signature lines (each ``— <name> <base64>\\n``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("cosignature response is not UTF-8") from None
    if not text.endswith("\n"):
        raise InvalidInput("cosignature response must end in a newline")
    lines = [line + "\n" for line in text[:-1].split("\n")]
    for line in lines:
        if not line.startswith(_SIGNATURE_PREFIX) or line.count(" ") != 2:
            raise InvalidInput(f"not a note signature line: {line[:60]!r}")
    return lines


def encode_cosignatures(lines: Sequence[str]) -> bytes:
    """A 200 response body: the signature lines, each already ending in a newline."""
    return "".join(lines).encode("utf-8")
