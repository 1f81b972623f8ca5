"""Registry commands and their rules: parties, keys, revocations, the official calendar (S2).

Only the registration authority registers; its own genesis is self-signed by the key it
registers. A key's id is derived from the key as documented (signing and receipt keys:
``ed25519:`` + 16 bytes of SHA-256, encryption keys ``x25519:`` + the same, note keys
``note:`` + the C2SP key id), never chosen by the signer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from ledger.clock import format_time, parse_time
from ledger.crypto.certificates import check_certificate
from ledger.crypto.signing import key_id_of
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.notes import NoteVerifier
from ledger.procedure.base import Command, Context, Guard, applies, decides
from ledger.procedure.calendar import YearSchedule
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import (
    REGISTRY_STREAM,
    ROLES,
    KeyRecord,
    Party,
    RegistryState,
    check_signature,
)
from ledger.procedure.schema import arg
from ledger.rules import catalogue as rules

Purpose = Literal["sign", "encrypt", "log", "receipt"]
_PARTY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_AUTHORITY = Guard(role="authority", sender="authority")


@dataclass(frozen=True)
class EstablishRegistry(Command):
    """Genesis: the registration authority registers itself with a self-signed command."""

    guard: ClassVar[Guard] = _AUTHORITY
    name: str = arg(max_length=200)
    public_key: str = arg(max_length=64)


@dataclass(frozen=True)
class RegisterParty(Command):
    """The authority registers a party with its roles and attributes."""

    guard: ClassVar[Guard] = _AUTHORITY
    party: str = arg(max_length=64)
    name: str = arg(max_length=200)
    roles: tuple[str, ...] = arg(max_items=8, choices=tuple(sorted(ROLES)))
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterKey(Command):
    """The authority registers a party's key for some of its roles, from ``valid_from``."""

    guard: ClassVar[Guard] = _AUTHORITY
    party: str = arg(max_length=64)
    public_key: str = arg(max_length=64)
    purpose: Purpose = arg()
    roles: tuple[str, ...] = arg(max_items=8, choices=tuple(sorted(ROLES)))
    valid_from: datetime = arg()
    valid_until: datetime | None = None
    certificate: str | None = arg(default=None, max_length=8000)
    note_key: str | None = arg(default=None, max_length=300)


@dataclass(frozen=True)
class RevokeKey(Command):
    """The authority revokes a key: it signs nothing from then on."""

    guard: ClassVar[Guard] = _AUTHORITY
    key_id: str = arg(max_length=100)
    reason: str = arg(max_length=2000)


@dataclass(frozen=True)
class RecordCalendar(Command):
    """The official calendar of one year, from the State Council's notice (``source``)."""

    guard: ClassVar[Guard] = _AUTHORITY
    year: int = arg(minimum=2000, maximum=2200)
    days_off: tuple[date, ...] = arg(max_items=100)
    source: str = arg(max_length=500)
    make_up_days: tuple[date, ...] = arg(default=(), max_items=50)


@decides(EstablishRegistry)
def establish_registry(
    registry: RegistryState | None, command: EstablishRegistry, ctx: Context
) -> Decision:
    """Genesis: signed, as the authority, by the very key it registers."""
    if registry is not None:
        raise RuleViolation(rules.PUBLISH_ONCE, "the registry is already established")
    public_key = _key_bytes(command.public_key, "public_key")
    if key_id_of(public_key) != ctx.signed.key_id or ctx.signed.role != "authority":
        raise RuleViolation(rules.KEY_NOT_VALID, "genesis must be signed by the key it registers")
    check_signature(ctx.signed, public_key)
    if ctx.signed.stream != str(REGISTRY_STREAM):
        raise InvalidInput(f"the registry stream is {REGISTRY_STREAM}")
    return Decision("AuthorityEstablished")


@decides(RegisterParty)
def register_party(registry: RegistryState, command: RegisterParty, ctx: Context) -> Decision:
    if not _PARTY_ID.match(command.party):
        raise InvalidInput(f"party id {command.party!r}: use 2-64 of a-z, 0-9, '.', '_', '-'")
    if command.party in registry.parties:
        raise InvalidInput(f"party {command.party!r} is already registered")
    return Decision("PartyRegistered")


@decides(RegisterKey)
def register_key(registry: RegistryState, command: RegisterKey, ctx: Context) -> Decision:
    party = registry.party(command.party)
    public_key = _key_bytes(command.public_key, "public_key")
    roles = frozenset(command.roles)
    if not roles <= party.roles:
        raise RuleViolation(rules.ROLE_NOT_HELD, f"{party.party} does not hold {sorted(roles)}")
    if command.valid_from < ctx.now:
        earliest = ctx.now.replace(microsecond=0)
        if earliest < ctx.now:  # signed times are to the second: the next whole one
            earliest += timedelta(seconds=1)
        raise RuleViolation(
            rules.NO_BACKDATED_KEY,
            f"valid_from {format_time(command.valid_from)} is before the registration at "
            f"{ctx.now.isoformat()}; the earliest a key registered then can be valid from is "
            f"{format_time(earliest)}",
        )
    key_id = derived_key_id(command.purpose, public_key, command.note_key)
    if key_id in registry.keys:
        raise InvalidInput(f"key {key_id} is already registered")
    if command.certificate:
        authority_key = registry.keys[ctx.signed.key_id].public_key
        try:
            check_certificate(
                command.certificate,
                authority_key=authority_key,
                subject_key=public_key,
                at=command.valid_from,
            )
        except VerificationFailure as exc:  # R1: a refusal names its rule
            raise RuleViolation(rules.REGISTRATION_AUTHORITY_ONLY, str(exc)) from None
    return Decision("KeyRegistered", {"key_id": key_id})


@decides(RevokeKey)
def revoke_key(registry: RegistryState, command: RevokeKey, ctx: Context) -> Decision:
    key = registry.keys.get(command.key_id)
    if key is None:
        raise InvalidInput(f"key {command.key_id!r} is not registered")
    if key.revoked_at is not None:
        raise InvalidInput(f"key {key.key_id} was already revoked")
    return Decision("KeyRevoked")


@decides(RecordCalendar)
def record_calendar(registry: RegistryState, command: RecordCalendar, ctx: Context) -> Decision:
    if command.year in registry.calendar.years:
        raise InvalidInput(f"the official calendar of {command.year} is already recorded")
    days = [*command.days_off, *command.make_up_days]
    if any(day.year != command.year for day in days):
        raise InvalidInput(f"every day of the {command.year} calendar lies in {command.year}")
    if set(command.days_off) & set(command.make_up_days):
        raise InvalidInput("a day cannot be both a day off and a make-up working day")
    return Decision("CalendarRecorded")


def derived_key_id(purpose: str, public_key: bytes, note_key: str | None) -> str:
    """A key's id as the registry derives it from the key itself (never chosen)."""
    if purpose == "encrypt":
        return "x25519:" + key_id_of(public_key)[8:]
    if purpose == "log":
        return _note_key_id(note_key, public_key)
    return key_id_of(public_key)


@applies("AuthorityEstablished", stream="registry")
def _established(registry: RegistryState, event: EventRecord) -> None:
    public_key = bytes.fromhex(event.args["public_key"])
    registry.authority = event.actor
    registry.genesis_key = public_key
    registry.parties[event.actor] = Party(event.actor, event.args["name"], frozenset({"authority"}))
    registry.keys[event.command.key_id] = KeyRecord(
        event.command.key_id,
        event.actor,
        public_key,
        "sign",
        frozenset({"authority"}),
        event.time,
        None,
    )


@applies("PartyRegistered", stream="registry")
def _party_registered(registry: RegistryState, event: EventRecord) -> None:
    args = event.args
    registry.parties[args["party"]] = Party(
        args["party"], args["name"], frozenset(args["roles"]), dict(args.get("attributes", {}))
    )


@applies("KeyRegistered", stream="registry")
def _key_registered(registry: RegistryState, event: EventRecord) -> None:
    args = event.args
    until = args.get("valid_until")
    key_id = event.facts["key_id"]
    registry.keys[key_id] = KeyRecord(
        key_id=key_id,
        party=args["party"],
        public_key=bytes.fromhex(args["public_key"]),
        purpose=args["purpose"],
        roles=frozenset(args["roles"]),
        valid_from=parse_time(args["valid_from"]),
        valid_until=parse_time(until) if until else None,
        certificate=args.get("certificate"),
        note_key=args.get("note_key"),
    )


@applies("KeyRevoked", stream="registry")
def _key_revoked(registry: RegistryState, event: EventRecord) -> None:
    registry.keys[event.args["key_id"]].revoked_at = event.time


@applies("CalendarRecorded", stream="registry")
def _calendar_recorded(registry: RegistryState, event: EventRecord) -> None:
    args = event.args
    schedule = YearSchedule(
        args["year"],
        frozenset(date.fromisoformat(d) for d in args["days_off"]),
        frozenset(date.fromisoformat(d) for d in args.get("make_up_days", [])),
        args["source"],
    )
    registry.calendar = registry.calendar.with_year(schedule)


def _note_key_id(note_key: str | None, public_key: bytes) -> str:
    """A log or witness key is named by its C2SP vkey; its key id is "note:" + the vkey's id."""
    if note_key is None:
        raise InvalidInput("field 'note_key' must be the C2SP vkey of a 'log' key")
    verifier = NoteVerifier.from_vkey(note_key)
    if verifier.public_key != public_key:
        raise InvalidInput("field 'note_key' names another public key than 'public_key'")
    return f"note:{verifier.key_id:08x}"


def _key_bytes(value: str, name: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise InvalidInput(f"field {name!r} must be hex") from None
    if len(raw) != 32 or raw.hex() != value:
        raise InvalidInput(f"field {name!r} must be a 32-byte key in lower-case hex")
    return raw


__all__ = [
    "EstablishRegistry",
    "RecordCalendar",
    "RegisterKey",
    "RegisterParty",
    "RevokeKey",
    "derived_key_id",
]
