"""An exported event's preimage read back as its record, and checked against its signed bytes.

The preimage is ``bidledger/event/v1\\n`` followed by the RFC 8785 bytes of the record; the
signed bytes are ``bidledger/command/v1\\n`` followed by the RFC 8785 bytes of the command
without its signature. Both must be exactly canonical, and the command inside the record
must be the one signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nacl.exceptions
import nacl.signing

from ledger.bundle.format import (
    COMMAND_DOMAIN,
    COMMAND_FIELDS,
    EVENT_DOMAIN,
    RECORD_FIELDS,
    BundleFormatError,
    canonical_json,
    decode_b64,
    decode_hex,
    exact_fields,
    field,
    loads_strict,
    parse_time,
)
from ledger.errors import VerificationFailure

BEIJING_OFFSET = timedelta(hours=8)


@dataclass(frozen=True)
class Record:
    """What an event's preimage says: position, type, time, the signed command and facts."""

    stream: str
    version: int
    type: str
    class_version: int
    time: datetime
    command: Mapping[str, Any]
    facts: Mapping[str, Any]
    prev_hash: str

    @property
    def actor(self) -> str:
        return str(self.command["actor"])

    @property
    def role(self) -> str:
        return str(self.command["role"])

    @property
    def key_id(self) -> str:
        return str(self.command["key_id"])

    @property
    def name(self) -> str:
        """The command's name (``SubmitBid``, ``RegisterKey``, ...)."""
        return str(self.command["command"])

    @property
    def args(self) -> Mapping[str, Any]:
        args: Mapping[str, Any] = self.command["args"]
        return args


def read_record(preimage: bytes, where: str) -> Record:
    """Parse a preimage; it must be the event domain and a canonical record object."""
    if not preimage.startswith(EVENT_DOMAIN):
        raise BundleFormatError(where, "preimage does not start with 'bidledger/event/v1\\n'")
    body = preimage[len(EVENT_DOMAIN) :]
    data = exact_fields(loads_strict(body, f"{where} preimage"), RECORD_FIELDS, f"{where} record")
    if canonical_json(data) != body:
        raise BundleFormatError(where, "preimage is not in canonical (RFC 8785) form")
    command = exact_fields(data["command"], COMMAND_FIELDS, f"{where} record.command")
    for name in COMMAND_FIELDS - {"v", "args"}:
        field(command, name, str, f"{where} record.command")
    field(command, "args", dict, f"{where} record.command")
    if command["v"] != 1:
        raise BundleFormatError(f"{where} record.command.v", "must be 1")
    prev_hash = field(data, "prev_hash", str, f"{where} record")
    decode_hex(prev_hash, f"{where} record.prev_hash")
    time = parse_time(data["time"], f"{where} record.time")
    if time.utcoffset() != BEIJING_OFFSET or time.isoformat() != data["time"]:
        raise BundleFormatError(
            f"{where} record.time",
            f"must be ISO 8601 in Beijing time (+08:00) as the ledger writes it, found "
            f"{data['time']!r}",
        )
    return Record(
        stream=field(data, "stream", str, f"{where} record"),
        version=field(data, "version", int, f"{where} record"),
        type=field(data, "type", str, f"{where} record"),
        class_version=field(data, "class_version", int, f"{where} record"),
        time=time,
        command=command,
        facts=field(data, "facts", dict, f"{where} record"),
        prev_hash=prev_hash,
    )


def check_signed_bytes(signed: bytes, record: Record, where: str) -> None:
    """The signed bytes must be the canonical form of the record's command minus signature."""
    if not signed.startswith(COMMAND_DOMAIN):
        raise VerificationFailure(where, "signed bytes do not start with 'bidledger/command/v1\\n'")
    body = signed[len(COMMAND_DOMAIN) :]
    try:
        parsed = loads_strict(body, "signed bytes")
        canonical = canonical_json(parsed) == body
    except BundleFormatError as exc:
        raise VerificationFailure(where, f"signed bytes are not JSON: {exc.detail}") from None
    if not canonical:
        raise VerificationFailure(where, "signed bytes are not in canonical (RFC 8785) form")
    expected = {k: v for k, v in record.command.items() if k != "signature"}
    if canonical_json(expected) != body:  # bytes, not values: 1 and true are not one value
        differs = _first_difference(parsed, expected)
        raise VerificationFailure(
            where,
            f"the command in the preimage is not the command signed: {differs} differs "
            "(the event was edited after it was signed)",
        )


def verify_signature(public_key: bytes, record: Record, signed: bytes, where: str) -> None:
    """The command's Ed25519 signature over the signed bytes, under ``public_key``."""
    try:
        signature = decode_b64(record.command["signature"], "signature")
    except BundleFormatError:
        raise VerificationFailure(where, "the command's signature is not base64") from None
    if len(signature) != 64:
        raise VerificationFailure(where, f"signature has {len(signature)} bytes, expected 64")
    try:
        nacl.signing.VerifyKey(public_key).verify(signed, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        raise VerificationFailure(
            where,
            f"the signature of {record.actor} does not verify under key {record.key_id} "
            "(a forged or altered command)",
        ) from None


def _first_difference(found: Any, expected: Mapping[str, Any]) -> str:
    if not isinstance(found, dict):
        return "the whole command"
    for key in sorted(set(found) | set(expected)):
        if found.get(key) != expected.get(key):
            if key == "args" and isinstance(found.get(key), dict):
                args = found[key]
                inner = sorted(set(args) | set(expected["args"]))
                changed = [k for k in inner if args.get(k) != expected["args"].get(k)]
                return f"args.{changed[0]}" if changed else "args"
            return key
    return "the command"
