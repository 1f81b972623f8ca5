"""An unsigned command as a file, and signing it: what ``bidledger sign`` does.

The file names the command, its tender (for a command on a tender; none for the registry's),
and its arguments exactly as docs/commands.md lists them::

    {"command": "CheckIn", "tender": "XFZFCG-2020-33", "args": {"lot": "1"}}

``actor``, ``role`` and ``command_id`` may be given too. The arguments are parsed by the
command's own type before anything is signed, so a missing, unknown or mistyped field is
named at once. A field with a default may be left out, and a value need not be in canonical
form: what is signed is the arguments completed and written canonically. The signed command
(:meth:`SignedCommand.to_json`) is what ``submit`` takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand, sign_command
from ledger.errors import InvalidInput
from ledger.files import read_json
from ledger.limits import MAX_COMMAND_BYTES
from ledger.procedure import schema
from ledger.procedure.base import Command, TenderCommand
from ledger.procedure.dispatch import command_class
from ledger.procedure.registry_state import REGISTRY_STREAM
from ledger.procedure.state import stream_of

_FIELDS = frozenset({"command", "tender", "args", "actor", "role", "command_id"})

__all__ = ["Unsigned", "read_unsigned", "sign_unsigned", "unsigned_of"]


@dataclass(frozen=True)
class Unsigned:
    """A command ready to sign: its type, tender (None: the registry), arguments and more."""

    kind: type[Command]
    tender: str | None
    args: Mapping[str, Any]
    actor: str | None = None
    role: str | None = None
    command_id: str | None = None

    @property
    def stream(self) -> str:
        return str(REGISTRY_STREAM) if self.tender is None else str(stream_of(self.tender))


def read_unsigned(path: str | Path) -> Unsigned:
    """The unsigned command in the JSON file ``path``; InvalidInput names what is wrong."""
    return unsigned_of(read_json(path, "command file", MAX_COMMAND_BYTES), str(path))


def unsigned_of(data: Any, where: str = "command") -> Unsigned:
    """An unsigned command from its JSON object, its arguments checked by the command's type."""
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where}: must be a JSON object")
    if unknown := sorted(set(data) - _FIELDS):
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}")
    name = _text(data, "command", where)
    if name is None:
        raise InvalidInput(f"{where}: field 'command' is missing")
    kind = command_class(name)
    typed = schema.complete(kind, data.get("args", {}), f"{name}.args")  # its type checks it
    args = schema.to_args(typed)  # defaults written in, every value in canonical form
    tender = _tender(kind, typed, _text(data, "tender", where), where)
    return Unsigned(
        kind,
        tender,
        dict(args),
        _text(data, "actor", where),
        _text(data, "role", where),
        _text(data, "command_id", where),
    )


def sign_unsigned(
    unsigned: Unsigned, signer: Signer, *, actor: str | None = None, role: str | None = None
) -> SignedCommand:
    """``unsigned`` signed by ``signer`` for ``actor`` in ``role`` (default: the command's)."""
    who = actor or unsigned.actor
    if not who:
        raise InvalidInput("say who signs: --actor PARTY (or 'actor' in the command file)")
    return sign_command(
        signer,
        command=unsigned.kind.__name__,
        stream=unsigned.stream,
        actor=who,
        role=role or unsigned.role or unsigned.kind.guard.role,
        args=unsigned.args,
        command_id=unsigned.command_id,
    )


def _tender(kind: type[Command], typed: Command, given: str | None, where: str) -> str | None:
    """The tender a command acts on: the file's ``tender``, or PublishTender's own code."""
    name = kind.__name__
    own = None if issubclass(kind, TenderCommand) else typed.target()
    if own is not None:
        if given is not None and stream_of(given) != stream_of(own):
            raise InvalidInput(f"{where}: 'tender' {given!r} is not the code {own!r} it publishes")
        return own
    if issubclass(kind, TenderCommand):
        if given is None:
            raise InvalidInput(f"{where}: {name} acts on a tender: give its 'tender'")
        return given
    if given is not None:
        raise InvalidInput(f"{where}: {name} is a registry command: it names no 'tender'")
    return None


def _text(data: Mapping[str, Any], name: str, where: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: field {name!r} must be a non-empty string")
    return value
