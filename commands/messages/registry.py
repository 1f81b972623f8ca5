"""Registry commands: parties and keys, signed by the registration authority (S2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commands.messages.base import Command


@dataclass(frozen=True)
class EstablishRegistry(Command):
    name: str
    public_key: str


@dataclass(frozen=True)
class RegisterParty(Command):
    party: str
    name: str
    roles: tuple[str, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterKey(Command):
    party: str
    public_key: str
    purpose: str
    roles: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None = None
    certificate: str | None = None
    note_key: str | None = None  # purpose "log": the C2SP vkey of a checkpoint or witness key


@dataclass(frozen=True)
class RevokeKey(Command):
    key_id: str
    reason: str
