"""Signed commands and the hash that chains events (S1, S3, T1).

A signed command is what an actor asked for: its canonical body (RFC 8785) prefixed by
``bidledger/command/v1\\n`` is what the actor's Ed25519 key signs. An event stores that
body and signature, what the ledger derived from it (``facts``), and the hash of the
previous event of its stream; its own hash covers all of it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.canonical import canonical_bytes, loads_strict
from ledger.clock import to_beijing
from ledger.crypto.signing import Signer, decode_signature, encode_signature, verify_signature
from ledger.errors import InvalidInput
from ledger.limits import MAX_COMMAND_BYTES

_TEXT_FIELDS = ("command", "command_id", "stream", "actor", "role", "key_id", "signature")
COMMAND_DOMAIN = b"bidledger/command/v1\n"
EVENT_DOMAIN = b"bidledger/event/v1\n"
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class SignedCommand:
    """A command as its actor signed it; ``stream`` is the target tender or registry id."""

    command: str
    command_id: str
    stream: str
    actor: str
    role: str
    key_id: str
    args: Mapping[str, Any] = field(default_factory=dict)
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """The canonical body that is signed (everything but the signature)."""
        return {
            "v": 1,
            "command": self.command,
            "command_id": self.command_id,
            "stream": self.stream,
            "actor": self.actor,
            "role": self.role,
            "key_id": self.key_id,
            "args": dict(self.args),
        }

    def signed_bytes(self) -> bytes:
        return COMMAND_DOMAIN + canonical_bytes(self.body())

    def content_digest(self) -> str:
        """Hex SHA-256 of the signed bytes: tells a retry from a reuse of a command id."""
        return hashlib.sha256(self.signed_bytes()).hexdigest()

    def verify_with(self, public_key: bytes, *, where: str) -> None:
        """Raise unless the signature holds under ``public_key``."""
        signature = decode_signature(self.signature, where=where)
        verify_signature(public_key, self.signed_bytes(), signature, where=where)

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_text(cls, text: bytes | str) -> SignedCommand:
        """Parse a signed command's JSON text strictly, then as :meth:`from_json`."""
        return cls.from_json(loads_strict(text, "signed command", max_bytes=MAX_COMMAND_BYTES))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedCommand:
        """Parse a signed command: exactly :meth:`to_json`'s fields, each of its type, and
        canonical as a whole (no lone surrogate, float or integer beyond 2**53 - 1); a
        missing, unknown or mistyped field is named in the error."""
        if not isinstance(data, Mapping):
            raise InvalidInput("signed command: must be a JSON object")
        if unknown := sorted(set(data) - {*_TEXT_FIELDS, "v", "args"}, key=str):
            raise InvalidInput(f"signed command: unknown field {unknown[0]!r}")
        for name in _TEXT_FIELDS:
            if not isinstance(data.get(name), str) or not data[name]:
                raise InvalidInput(f"signed command: field {name!r} must be a non-empty string")
        if not isinstance(data.get("args"), Mapping):
            raise InvalidInput("signed command: field 'args' must be an object")
        if "v" not in data:
            raise InvalidInput("signed command: field 'v' is missing")
        if type(data["v"]) is not int or data["v"] != 1:
            raise InvalidInput(f"signed command: unsupported version {data['v']!r}")
        try:
            encoded = canonical_bytes(data)
        except InvalidInput as exc:
            raise InvalidInput(f"signed command: {exc}") from None
        if len(encoded) > MAX_COMMAND_BYTES:
            raise InvalidInput(
                f"signed command: {len(encoded)} bytes is more than the limit of "
                f"{MAX_COMMAND_BYTES}"
            )
        return cls(**{name: data[name] for name in _TEXT_FIELDS}, args=dict(data["args"]))


def sign_command(
    signer: Signer,
    *,
    command: str,
    stream: str,
    actor: str,
    role: str,
    args: Mapping[str, Any],
    command_id: str | None = None,
) -> SignedCommand:
    """Build and sign a command with ``signer``; a fresh command id unless one is given."""
    unsigned = SignedCommand(
        command=command,
        command_id=command_id or str(uuid.uuid4()),
        stream=stream,
        actor=actor,
        role=role,
        key_id=signer.key_id,
        args=dict(args),
    )
    canonical_bytes(unsigned.body())  # refuse floats and the like before signing
    signature = encode_signature(signer.sign(unsigned.signed_bytes()))
    return SignedCommand(**{**unsigned.__dict__, "signature": signature})


def event_hash(
    *,
    stream: str,
    version: int,
    event_type: str,
    class_version: int,
    time: datetime,
    command: SignedCommand,
    facts: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """Hex SHA-256 over the event's canonical form: position, type, time, command, facts, chain."""
    preimage = event_preimage(
        stream=stream,
        version=version,
        event_type=event_type,
        class_version=class_version,
        time=time,
        command=command,
        facts=facts,
        prev_hash=prev_hash,
    )
    return hashlib.sha256(preimage).hexdigest()


def event_preimage(
    *,
    stream: str,
    version: int,
    event_type: str,
    class_version: int,
    time: datetime,
    command: SignedCommand,
    facts: Mapping[str, Any],
    prev_hash: str,
) -> bytes:
    """The exact bytes an event's hash is taken over; also its Merkle leaf data."""
    record = {
        "stream": stream,
        "version": version,
        "type": event_type,
        "class_version": class_version,
        "time": to_beijing(time).isoformat(),
        "command": command.to_json(),
        "facts": dict(facts),
        "prev_hash": prev_hash,
    }
    return EVENT_DOMAIN + canonical_bytes(record)
