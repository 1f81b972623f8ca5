"""Who is who on the ledger, which keys speak for them, and the official calendar (S1, S2).

The registry is one stream. Its state is plain data rebuilt from its events; a command is
authenticated against the registry as it stood at the command's position in the log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.clock import format_time
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.notes import COSIGNATURE_V1, ED25519, NoteVerifier
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.records import StreamState
from ledger.rules import catalogue as rules

REGISTRY_STREAM = uuid.uuid5(uuid.NAMESPACE_URL, "bidledger:registry")
ROLES = frozenset(
    {"authority", "platform", "agency", "purchaser", "regulator", "bidder", "evaluator", "official"}
    | {"centre", "supervisor"}  # a trading centre keeping a region's expert pool; a venue's
)


@dataclass
class Party:
    party: str
    name: str
    roles: frozenset[str]
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class KeyRecord:
    key_id: str
    party: str
    public_key: bytes
    purpose: str  # sign, encrypt, log (a C2SP note key: checkpoints or cosignatures), receipt
    roles: frozenset[str]
    valid_from: datetime
    valid_until: datetime | None
    certificate: str | None = None
    revoked_at: datetime | None = None
    note_key: str | None = None  # purpose "log": the C2SP vkey (name, key id, type, key)

    def valid_at(self, at: datetime) -> bool:
        if self.revoked_at is not None and at >= self.revoked_at:
            return False
        return self.valid_from <= at and (self.valid_until is None or at <= self.valid_until)


class RegistryState(StreamState):
    """The registry as its events leave it."""

    def __init__(self, stream: str = str(REGISTRY_STREAM)) -> None:
        super().__init__(stream)
        self.authority = ""
        self.genesis_key = b""  # the authority's own key, as the registry's genesis named it
        self.parties: dict[str, Party] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.calendar = WorkingCalendar()

    def party(self, party: str) -> Party:
        try:
            return self.parties[party]
        except KeyError:
            raise InvalidInput(f"party {party!r} is not registered") from None

    def authenticate(self, command: SignedCommand, at: datetime, role: str) -> Party:
        """Check S1/S2 for ``command`` at ``at``: a registered, valid key of the actor, in role."""
        if command.role != role:
            raise RuleViolation(
                rules.ROLE_NOT_HELD, f"{command.command} is for a {role}, signed as {command.role}"
            )
        key = self.keys.get(command.key_id)
        if key is None or key.party != command.actor or key.purpose != "sign":
            raise RuleViolation(
                rules.KEY_NOT_VALID,
                f"key {command.key_id} is not a registered signing key of {command.actor}",
            )
        party = self.party(command.actor)
        if role not in key.roles or role not in party.roles:
            raise RuleViolation(rules.ROLE_NOT_HELD, f"{command.actor} is not registered as {role}")
        if key.revoked_at is not None and at >= key.revoked_at:
            raise RuleViolation(
                rules.KEY_REVOKED, f"key {key.key_id} was revoked at {format_time(key.revoked_at)}"
            )
        if not key.valid_at(at):
            raise RuleViolation(
                rules.KEY_NOT_VALID, f"key {key.key_id} is not valid at {format_time(at)}"
            )
        check_signature(command, key.public_key)
        return party

    def log_verifier(self, origin: str, at: datetime | None = None) -> NoteVerifier:
        """The registered Ed25519 note key that signs ``origin``'s checkpoints (at ``at``)."""
        for key in reversed(list(self.keys.values())):
            verifier = note_verifier(key)
            if verifier is None or verifier.name != origin or verifier.algorithm != ED25519:
                continue
            if at is None or key.valid_at(at):
                return verifier
        when = f" valid at {format_time(at)}" if at is not None else ""
        raise VerificationFailure(f"log key for {origin}", f"no log key registered{when}")

    def note_key(self, vkey: str) -> KeyRecord | None:
        """The registered note key (a log's or a witness's) whose C2SP vkey is ``vkey``."""
        for key in self.keys.values():
            if key.purpose == "log" and key.note_key == vkey:
                return key
        return None

    def witness_verifiers(self) -> list[NoteVerifier]:
        """Every registered witness (cosignature/v1) key."""
        found = (note_verifier(key) for key in self.keys.values())
        return [v for v in found if v is not None and v.algorithm == COSIGNATURE_V1]

    def receipt_key(self, key_id: str, at: datetime) -> KeyRecord:
        """The platform's registered receipt key ``key_id``, valid at ``at`` (T3)."""
        key = self.keys.get(key_id)
        if key is None or key.purpose != "receipt" or not key.valid_at(at):
            raise VerificationFailure(
                f"receipt key {key_id}", f"no receipt key {key_id} registered and valid then"
            )
        return key

    def encryption_key(self, party: str, public_key: bytes) -> KeyRecord:
        """The registered, unrevoked encryption key ``public_key`` of ``party``."""
        for key in self.keys.values():
            mine = key.party == party and key.purpose == "encrypt"
            if mine and key.public_key == public_key and key.revoked_at is None:
                return key
        raise RuleViolation(rules.KEY_NOT_VALID, f"{party} has no such registered encryption key")


def note_verifier(key: KeyRecord) -> NoteVerifier | None:
    if key.purpose != "log" or key.note_key is None:
        return None
    return NoteVerifier.from_vkey(key.note_key)


def check_signature(command: SignedCommand, public_key: bytes) -> None:
    try:
        command.verify_with(public_key, where=f"command {command.command_id}")
    except VerificationFailure as exc:
        raise RuleViolation(rules.UNSIGNED, exc.detail) from None
