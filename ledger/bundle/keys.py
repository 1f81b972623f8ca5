"""The registry replayed from a bundle's registry events, in log order (S1, S2).

A standalone twin of ``ledger.identity.registry``: parties, their keys and revocations,
and the check every signed event goes through, judged by the registry as it stood at that
point of the log. Certificates are checked with ``cryptography``; signatures with PyNaCl.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.bundle.format import BundleFormatError, decode_hex, field, parse_time
from ledger.bundle.records import Record, verify_signature
from ledger.crypto.certificates import check_certificate
from ledger.errors import LedgerError, VerificationFailure
from ledger.notes import NoteVerifier

REGISTRY_EVENTS = {
    "AuthorityEstablished": "EstablishRegistry",
    "PartyRegistered": "RegisterParty",
    "KeyRegistered": "RegisterKey",
    "KeyRevoked": "RevokeKey",
}
PURPOSES = ("sign", "encrypt", "log")


@dataclass
class Key:
    key_id: str
    party: str
    public_key: bytes
    purpose: str
    roles: frozenset[str]
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None = None
    note_key: str | None = None  # purpose "log": the C2SP vkey of a log or witness key


def ed25519_key_id(public_key: bytes) -> str:
    """``ed25519:`` and the first 16 bytes of SHA-256 of the raw key, lower-case hex."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:32]


def key_id_for(purpose: str, public_key: bytes, note_key: Any = None) -> str:
    """The registry's id of a key: ``ed25519:``/``x25519:`` + 16 bytes of SHA-256 of the key
    for signing/encryption keys, ``note:`` + the vkey's 8 hex key id for log keys."""
    if purpose == "log":
        if not isinstance(note_key, str):
            raise ValueError("a log key needs its C2SP vkey in 'note_key'")
        verifier = NoteVerifier.from_vkey(note_key)
        if verifier.public_key != public_key:
            raise ValueError("'note_key' names another public key than 'public_key'")
        return f"note:{verifier.key_id:08x}"
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return ("x25519:" if purpose == "encrypt" else "ed25519:") + digest


def check_back_dated(record: Record, where: str) -> None:
    """S2: a KeyRegistered whose validity starts before its own registration time is refused."""
    if record.type != "KeyRegistered":
        return
    valid_from = parse_time(field(record.args, "valid_from", str, "args"), "args.valid_from")
    if valid_from < record.time:
        raise VerificationFailure(
            where,
            f"back-dated key: {record.args.get('party')!r} key registered at "
            f"{record.time.isoformat()} claims validity from {valid_from.isoformat()} "
            "(S2: a key's validity cannot start before it was registered)",
        )


class KeyBook:
    """Parties and keys as the registry events so far made them."""

    def __init__(self) -> None:
        self.authority = ""
        self.parties: dict[str, frozenset[str]] = {}
        self.keys: dict[str, Key] = {}

    def authenticate(self, record: Record, signed: bytes, where: str) -> None:
        """S1/S2: a registered signing key of the actor, in role, valid and unrevoked, signed."""
        if not self.authority:
            raise VerificationFailure(where, "signed event before the registry was established")
        key = self.keys.get(record.key_id)
        if key is None or key.party != record.actor or key.purpose != "sign":
            raise VerificationFailure(
                where,
                f"key {record.key_id} is not a registered signing key of {record.actor} at "
                "this point of the log (a forged event, or one signed by an unknown key)",
            )
        roles = self.parties.get(record.actor, frozenset())
        if record.role not in key.roles or record.role not in roles:
            raise VerificationFailure(where, f"{record.actor} is not registered as {record.role}")
        if key.revoked_at is not None and record.time >= key.revoked_at:
            raise VerificationFailure(
                where, f"key {key.key_id} was revoked at {key.revoked_at.isoformat()}"
            )
        late = key.valid_until is not None and record.time > key.valid_until
        if record.time < key.valid_from or late:
            raise VerificationFailure(
                where, f"key {key.key_id} is not valid at {record.time.isoformat()}"
            )
        verify_signature(key.public_key, record, signed, where)

    def apply(self, record: Record, signed: bytes, where: str) -> None:
        """Check and apply one registry event (the genesis checks its own signature)."""
        expected = REGISTRY_EVENTS.get(record.type)
        if expected is None or expected != record.name:
            raise VerificationFailure(
                where, f"{record.type} ({record.name}) is not a registry event"
            )
        if record.type == "AuthorityEstablished":
            self._establish(record, signed, where)
            return
        if record.actor != self.authority or record.role != "authority":
            raise VerificationFailure(where, f"{record.actor} is not the registration authority")
        self.authenticate(record, signed, where)
        try:
            if record.type == "PartyRegistered":
                self._party(record.args)
            elif record.type == "KeyRegistered":
                self._key(record)
            else:
                self._revoke(record)
        except (BundleFormatError, LedgerError, KeyError, ValueError) as exc:
            raise VerificationFailure(where, f"registry event is invalid: {exc}") from None

    def note_key(self, vkey: str) -> Key | None:
        """The registered ``log`` key (a log's or a witness's) whose vkey is ``vkey``."""
        for key in self.keys.values():
            if key.purpose == "log" and key.note_key == vkey:
                return key
        return None

    def _establish(self, record: Record, signed: bytes, where: str) -> None:
        if self.authority:
            raise VerificationFailure(where, "a second registry genesis")
        try:
            public_key = decode_hex(record.args.get("public_key"), "args.public_key")
        except BundleFormatError as exc:
            raise VerificationFailure(where, f"genesis key unreadable: {exc}") from None
        if ed25519_key_id(public_key) != record.key_id or record.role != "authority":
            raise VerificationFailure(where, "genesis must be signed by the key it registers")
        verify_signature(public_key, record, signed, where)
        self.authority = record.actor
        self.parties[record.actor] = frozenset({"authority"})
        self.keys[record.key_id] = Key(
            record.key_id,
            record.actor,
            public_key,
            "sign",
            frozenset({"authority"}),
            record.time,
            None,
        )

    def _party(self, args: Mapping[str, Any]) -> None:
        party = field(args, "party", str, "args")
        if party in self.parties:
            raise ValueError(f"party {party!r} is registered twice")
        self.parties[party] = _roles(args)

    def _key(self, record: Record) -> None:
        args = record.args
        party = field(args, "party", str, "args")
        if party not in self.parties:
            raise ValueError(f"party {party!r} is not registered")
        public_key = decode_hex(args.get("public_key"), "args.public_key")
        purpose = field(args, "purpose", str, "args")
        if purpose not in PURPOSES:
            raise ValueError(f"purpose {purpose!r} is not one of {PURPOSES}")
        roles = _roles(args)
        if not roles <= self.parties[party]:
            raise ValueError(f"{party} does not hold the roles {sorted(roles)}")
        key_id = key_id_for(purpose, public_key, args.get("note_key"))
        if record.facts.get("key_id") != key_id or key_id in self.keys:
            raise ValueError(f"key id {record.facts.get('key_id')!r}: expected a new {key_id}")
        valid_from = parse_time(field(args, "valid_from", str, "args"), "args.valid_from")
        until = args.get("valid_until")
        certificate = args.get("certificate")
        if certificate:
            check_certificate(
                str(certificate),
                authority_key=self.keys[record.key_id].public_key,
                subject_key=public_key,
                at=valid_from,
            )
        note_key = args.get("note_key") if purpose == "log" else None
        self.keys[key_id] = Key(
            key_id,
            party,
            public_key,
            purpose,
            roles,
            valid_from,
            parse_time(until, "args.valid_until") if until else None,
            note_key=note_key,
        )

    def _revoke(self, record: Record) -> None:
        key = self.keys.get(field(record.args, "key_id", str, "args"))
        if key is None:
            raise ValueError(f"key {record.args['key_id']!r} is not registered")
        if key.revoked_at is not None:
            raise ValueError(f"key {key.key_id} was already revoked")
        key.revoked_at = record.time


def _roles(args: Mapping[str, Any]) -> frozenset[str]:
    roles = args.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise ValueError("roles must be a non-empty list of strings")
    return frozenset(roles)
