"""Parties, roles and keys as signed events of one registry stream (S1, S2).

The registration authority establishes the registry with its own key, then registers
parties, their signing and encryption keys (optionally with an X.509 certificate), and
revokes keys. A command is authenticated against the registry as it stood at that time.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.clock import format_time, parse_time
from ledger.crypto.certificates import check_certificate
from ledger.crypto.signing import key_id_of
from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.events import LedgerCreated, LedgerEvent, SignedAggregate
from ledger.notes import COSIGNATURE_V1, ED25519, NoteVerifier
from ledger.rules import catalogue as rules

REGISTRY_STREAM = uuid.uuid5(uuid.NAMESPACE_URL, "bidledger:registry")
ROLES = frozenset(
    {"authority", "platform", "agency", "purchaser", "regulator", "bidder", "evaluator", "official"}
)
_PARTY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


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
    purpose: str
    roles: frozenset[str]
    valid_from: datetime
    valid_until: datetime | None
    certificate: str | None = None
    revoked_at: datetime | None = None
    note_key: str | None = None  # purpose "log": the C2SP vkey (name, key id, type, key)


class AuthorityEstablished(LedgerCreated):
    def update(self, aggregate: Registry) -> None:
        public_key = bytes.fromhex(self.args["public_key"])
        aggregate.authority = self.actor
        aggregate.parties[self.actor] = Party(
            self.actor, self.args["name"], frozenset({"authority"})
        )
        aggregate.keys[self.key_id] = KeyRecord(
            self.key_id,
            self.actor,
            public_key,
            "sign",
            frozenset({"authority"}),
            self.timestamp,
            None,
        )


class PartyRegistered(LedgerEvent):
    def update(self, aggregate: Registry) -> None:
        args = self.args
        aggregate.parties[args["party"]] = Party(
            args["party"], args["name"], frozenset(args["roles"]), dict(args.get("attributes", {}))
        )


class KeyRegistered(LedgerEvent):
    def update(self, aggregate: Registry) -> None:
        args = self.args
        until = args.get("valid_until")
        aggregate.keys[self.facts["key_id"]] = KeyRecord(
            key_id=self.facts["key_id"],
            party=args["party"],
            public_key=bytes.fromhex(args["public_key"]),
            purpose=args["purpose"],
            roles=frozenset(args["roles"]),
            valid_from=parse_time(args["valid_from"]),
            valid_until=parse_time(until) if until else None,
            certificate=args.get("certificate"),
            note_key=args.get("note_key"),
        )


class KeyRevoked(LedgerEvent):
    def update(self, aggregate: Registry) -> None:
        aggregate.keys[self.args["key_id"]].revoked_at = self.timestamp


class Registry(SignedAggregate):
    """Who is who on the ledger, and which keys speak for them."""

    def __init__(self) -> None:
        super().__init__()
        self.authority = ""
        self.parties: dict[str, Party] = {}
        self.keys: dict[str, KeyRecord] = {}

    @classmethod
    def establish(cls, command: SignedCommand, now: datetime) -> Registry:
        """Genesis: the authority registers itself with a self-signed command."""
        public_key = _hex_bytes(command.args, "public_key")
        if key_id_of(public_key) != command.key_id or command.role != "authority":
            raise RuleViolation(
                rules.KEY_NOT_VALID, "genesis must be signed by the key it registers"
            )
        _require_text(command.args, "name")
        _check_signature(command, public_key)
        if command.stream != str(REGISTRY_STREAM):
            raise InvalidInput(f"the registry stream is {REGISTRY_STREAM}")
        return cls.start(AuthorityEstablished, command, now, REGISTRY_STREAM)

    def register_party(self, command: SignedCommand, now: datetime) -> None:
        self._authenticate_authority(command, now)
        party = _require_text(command.args, "party")
        if not _PARTY_ID.match(party):
            raise InvalidInput(f"party id {party!r}: use 2-64 of a-z, 0-9, '.', '_', '-'")
        if party in self.parties:
            raise InvalidInput(f"party {party!r} is already registered")
        _require_text(command.args, "name")
        _check_roles(command.args.get("roles"))
        if not isinstance(command.args.get("attributes", {}), dict):
            raise InvalidInput("attributes must be an object")
        self.record(PartyRegistered, command, now)

    def register_key(self, command: SignedCommand, now: datetime) -> None:
        self._authenticate_authority(command, now)
        args = command.args
        party = self.party(_require_text(args, "party"))
        public_key = _hex_bytes(args, "public_key")
        purpose = _require_text(args, "purpose")
        if purpose not in ("sign", "encrypt", "log"):
            raise InvalidInput("purpose must be 'sign', 'encrypt' or 'log'")
        roles = _check_roles(args.get("roles"))
        if not roles <= party.roles:
            raise RuleViolation(rules.ROLE_NOT_HELD, f"{party.party} does not hold {sorted(roles)}")
        valid_from = parse_time(_require_text(args, "valid_from"))
        if valid_from < now:
            raise RuleViolation(
                rules.NO_BACKDATED_KEY,
                f"valid_from {format_time(valid_from)} is before registration {format_time(now)}",
            )
        key_id = (
            "x25519:" + key_id_of(public_key)[8:] if purpose == "encrypt" else key_id_of(public_key)
        )
        if purpose == "log":
            key_id = _note_key_id(args.get("note_key"), public_key)
        if key_id in self.keys:
            raise InvalidInput(f"key {key_id} is already registered")
        if args.get("certificate"):
            authority_key = self.keys[command.key_id].public_key
            try:
                check_certificate(
                    str(args["certificate"]),
                    authority_key=authority_key,
                    subject_key=public_key,
                    at=valid_from,
                )
            except VerificationFailure as exc:  # R1: a refusal names its rule
                raise RuleViolation(rules.REGISTRATION_AUTHORITY_ONLY, str(exc)) from None
        self.record(KeyRegistered, command, now, {"key_id": key_id})

    def revoke_key(self, command: SignedCommand, now: datetime) -> None:
        self._authenticate_authority(command, now)
        key = self.keys.get(_require_text(command.args, "key_id"))
        if key is None:
            raise InvalidInput(f"key {command.args['key_id']!r} is not registered")
        if key.revoked_at is not None:
            raise InvalidInput(f"key {key.key_id} was already revoked")
        _require_text(command.args, "reason")
        self.record(KeyRevoked, command, now)

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
        if at < key.valid_from or (key.valid_until is not None and at > key.valid_until):
            raise RuleViolation(
                rules.KEY_NOT_VALID, f"key {key.key_id} is not valid at {format_time(at)}"
            )
        _check_signature(command, key.public_key)
        return party

    def log_verifier(self, origin: str, at: datetime | None = None) -> NoteVerifier:
        """The registered Ed25519 note key that signs ``origin``'s checkpoints (at ``at``)."""
        for key in reversed(list(self.keys.values())):
            verifier = _note_verifier(key)
            if verifier is None or verifier.name != origin or verifier.algorithm != ED25519:
                continue
            if at is None or _valid_at(key, at):
                return verifier
        when = f" valid at {format_time(at)}" if at is not None else ""
        raise VerificationFailure(f"log key for {origin}", f"no log key registered{when}")

    def witness_verifiers(self) -> list[NoteVerifier]:
        """Every registered witness (cosignature/v1) key."""
        found = (_note_verifier(key) for key in self.keys.values())
        return [v for v in found if v is not None and v.algorithm == COSIGNATURE_V1]

    def encryption_key(self, party: str, public_key: bytes) -> KeyRecord:
        """The registered, unrevoked encryption key ``public_key`` of ``party``."""
        for key in self.keys.values():
            mine = key.party == party and key.purpose == "encrypt"
            if mine and key.public_key == public_key and key.revoked_at is None:
                return key
        raise RuleViolation(rules.KEY_NOT_VALID, f"{party} has no such registered encryption key")

    def _authenticate_authority(self, command: SignedCommand, now: datetime) -> None:
        if command.actor != self.authority:
            raise RuleViolation(
                rules.REGISTRATION_AUTHORITY_ONLY,
                f"{command.actor} is not the registration authority",
            )
        self.authenticate(command, now, "authority")


def _note_key_id(note_key: Any, public_key: bytes) -> str:
    """A log or witness key is named by its C2SP vkey; its key id is "note:" + the vkey's id."""
    if not isinstance(note_key, str):
        raise InvalidInput("field 'note_key' must be the C2SP vkey of a 'log' key")
    verifier = NoteVerifier.from_vkey(note_key)
    if verifier.public_key != public_key:
        raise InvalidInput("field 'note_key' names another public key than 'public_key'")
    return f"note:{verifier.key_id:08x}"


def _note_verifier(key: KeyRecord) -> NoteVerifier | None:
    if key.purpose != "log" or key.note_key is None:
        return None
    return NoteVerifier.from_vkey(key.note_key)


def _valid_at(key: KeyRecord, at: datetime) -> bool:
    if key.revoked_at is not None and at >= key.revoked_at:
        return False
    return key.valid_from <= at and (key.valid_until is None or at <= key.valid_until)


def _check_signature(command: SignedCommand, public_key: bytes) -> None:
    try:
        command.verify_with(public_key, where=f"command {command.command_id}")
    except VerificationFailure as exc:
        raise RuleViolation(rules.UNSIGNED, exc.detail) from None


def _require_text(args: Any, name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"field {name!r} must be a non-empty string")
    return value


def _hex_bytes(args: Any, name: str) -> bytes:
    try:
        value = bytes.fromhex(_require_text(args, name))
    except ValueError:
        raise InvalidInput(f"field {name!r} must be hex") from None
    if len(value) != 32:
        raise InvalidInput(f"field {name!r} must be a 32-byte key")
    return value


def _check_roles(roles: Any) -> frozenset[str]:
    if not isinstance(roles, list) or not roles or not set(roles) <= ROLES:
        raise InvalidInput(f"roles must be a non-empty list drawn from {sorted(ROLES)}")
    return frozenset(roles)
