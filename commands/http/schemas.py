"""The JSON Schemas the API publishes, derived from the typed commands (never written by hand).

A request to ``POST /commands/{Name}`` is the signed command exactly as
:meth:`SignedCommand.to_json` writes it; its ``args`` follow :func:`args_schema` of the
command's class, and ``command``, ``role`` and (for registry commands) ``stream`` can take
one value only. The answer to an accepted command is :data:`OUTCOME_SCHEMA`.
"""

from __future__ import annotations

from typing import Any

from ledger.procedure.base import Command, Guard
from ledger.procedure.json_schema import args_schema
from ledger.procedure.registry_state import REGISTRY_STREAM

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
BASE64_PATTERN = r"^[A-Za-z0-9+/]*={0,2}$"
_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}


def signed_command_schema(name: str, command: type[Command]) -> dict[str, Any]:
    """The schema of command ``name`` as its actor signs it."""
    tender = command.target is not Command.target  # a tender's command (or its publication)
    stream: dict[str, Any] = (
        {"type": "string", "pattern": UUID_PATTERN, "description": "the tender's stream id"}
        if tender
        else {"const": str(REGISTRY_STREAM), "description": "the registry's stream id"}
    )
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            *("v", "command", "command_id", "stream", "actor", "role", "key_id", "args"),
            "signature",
        ],
        "properties": {
            "v": {"const": 1},
            "command": {"const": name},
            "command_id": {**_TEXT, "description": "unique per command: a retry reuses it (S3)"},
            "stream": stream,
            "actor": {**_TEXT, "description": "the party id of the signer"},
            "role": {"const": command.guard.role},
            "key_id": {**_TEXT, "description": "the id of the registered signing key"},
            "args": args_schema(command),
            "signature": {
                "type": "string",
                "pattern": BASE64_PATTERN,
                "description": "Ed25519, base64, over bidledger/command/v1 and the RFC 8785 "
                "bytes of every other field",
            },
        },
    }


def guard_text(guard: Guard) -> str:
    """Who may send a command and when, in one sentence for its documentation."""
    sender = {
        "any": f"any registered {guard.role}",
        "agency": "the tender's agency",
        "purchaser": "the tender's purchaser",
        "regulator": "the tender's regulator",
        "committee": "a member of the tender's committee",
        "official": "one of the tender's opening officials",
        "authority": "the registration authority",
    }[guard.sender]
    phases = ", ".join(sorted(guard.phases))
    return f"Sent by {sender}, signing as {guard.role}; in the phases: {phases}."


RECEIPT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "the platform's signed receipt (T3): no log position, no stream version",
    "required": [
        *("v", "tender", "lot", "bidder", "command_id", "event_hash", "time", "platform"),
        *("key_id", "signature"),
    ],
    "properties": {
        "v": {"type": "integer"},
        **{
            name: {"type": "string"}
            for name in ("tender", "lot", "bidder", "command_id", "event_hash", "time")
        },
        **{name: {"type": "string"} for name in ("platform", "key_id", "signature")},
    },
}

OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        *("command", "event", "command_id", "stream", "event_hash", "facts", "replayed"),
        "receipt",
    ],
    "properties": {
        "command": {"type": "string"},
        "event": {"type": "string", "description": "the type of the event recorded"},
        "command_id": {"type": "string"},
        "stream": {"type": "string", "pattern": UUID_PATTERN},
        "event_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "facts": {"type": "object", "description": "what the ledger derived, e.g. a question id"},
        "replayed": {
            "type": "boolean",
            "description": "true when this command id was already recorded: the first result",
        },
        "receipt": {"anyOf": [RECEIPT_SCHEMA, {"type": "null"}]},
    },
}
