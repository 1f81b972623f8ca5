"""The registration authority's commands, built one way for ``init``, ``register`` and the demo.

:func:`found_ledger` is a new ledger's first events: the authority's genesis, the official
calendar of the years given, the platform with its receipt and log keys, and the witnesses
whose cosignatures the trust policy will require. A signing key is registered with an X.509
certificate the authority issues (five years); every other key by its raw public key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509

from commands.client import Actor
from commands.keystore import KeyStore
from commands.service import LedgerService, Outcome
from ledger.crypto.certificates import issue_certificate
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.notes import NoteVerifier
from ledger.procedure.registry import (
    EstablishRegistry,
    RecordCalendar,
    RegisterKey,
    RegisterParty,
)
from ledger.workdays import package_schedule

AUTHORITY = "registration-authority"
CERTIFICATE_YEARS = 5
WITNESS_ROLES = ("regulator",)
REHEARSAL = "rehearsal"  # the platform attribute that lets a rehearsal set its clock
Execute = Callable[[SignedCommand], Outcome]

__all__ = [
    "AUTHORITY",
    "REHEARSAL",
    "calendar_year",
    "encryption_key",
    "enrol",
    "found_ledger",
    "genesis",
    "note_key",
    "receipt_key",
    "registration_time",
    "signing_key",
    "witness_party",
]


def genesis(authority: Signer, name: str) -> EstablishRegistry:
    """The registry's first command, self-signed by the authority key it registers."""
    return EstablishRegistry(name, authority.public_key.hex())


def calendar_year(year: int) -> RecordCalendar:
    """Year ``year`` of the official calendar, as the ``chinesecalendar`` package has it."""
    schedule = package_schedule(year)
    return RecordCalendar(
        year=year,
        days_off=tuple(sorted(schedule.days_off)),
        source=schedule.source,
        make_up_days=tuple(sorted(schedule.make_up_days)),
    )


def signing_key(
    authority: Signer,
    authority_name: str,
    *,
    party: str,
    subject_name: str,
    public_key: bytes,
    roles: tuple[str, ...],
    valid_from: datetime,
    serial: int | None = None,
) -> RegisterKey:
    """A party's Ed25519 signing key, with the authority's certificate for it."""
    certificate = issue_certificate(
        authority,
        authority_name=authority_name,
        subject_name=subject_name,
        subject_key=public_key,
        serial=x509.random_serial_number() if serial is None else serial,
        not_before=valid_from,
        not_after=valid_from + timedelta(days=365 * CERTIFICATE_YEARS),
    )
    return RegisterKey(party, public_key.hex(), "sign", roles, valid_from, certificate=certificate)


def encryption_key(
    party: str, public_key: bytes, roles: tuple[str, ...], valid_from: datetime
) -> RegisterKey:
    """An opening official's X25519 key, to which bidders seal its key shares."""
    return RegisterKey(party, public_key.hex(), "encrypt", roles, valid_from)


def receipt_key(party: str, public_key: bytes, valid_from: datetime) -> RegisterKey:
    """The platform's receipt key (T3)."""
    return RegisterKey(party, public_key.hex(), "receipt", ("platform",), valid_from)


def note_key(
    party: str, verifier: NoteVerifier, roles: tuple[str, ...], valid_from: datetime
) -> RegisterKey:
    """A log's checkpoint key or a witness's cosignature key, named by its C2SP vkey."""
    return RegisterKey(
        party, verifier.public_key.hex(), "log", roles, valid_from, note_key=verifier.vkey()
    )


def registration_time(now: datetime) -> datetime:
    """``now`` rounded up to a whole second: a key's ``valid_from`` when registered at once
    (signed times are to the second; a validity starting before now would be back-dated)."""
    whole = now.replace(microsecond=0)
    return whole if whole == now else whole + timedelta(seconds=1)


def enrol(
    service: LedgerService,
    authority: Actor,
    keys: KeyStore,
    party: str,
    name: str,
    roles: tuple[str, ...],
    *,
    attributes: Mapping[str, Any] | None = None,
    encryption: bool = False,
) -> None:
    """Make ``party``'s keys in ``keys`` and have the authority register it and them."""
    now = registration_time(service.clock.now())
    signer = keys.create_signer(party)
    authority_name = service.registry().party(authority.party).name
    commands: list[RegisterParty | RegisterKey] = [
        RegisterParty(party, name, roles, dict(attributes or {})),
        signing_key(
            authority.signer,
            authority_name,
            party=party,
            subject_name=name,
            public_key=signer.public_key,
            roles=roles,
            valid_from=now,
        ),
    ]
    if encryption:
        box = bytes(keys.create_box_key(party).public_key)
        commands.append(encryption_key(party, box, roles, now))
    for command in commands:
        service.execute(authority.sign(command))


def witness_party(verifier: NoteVerifier) -> str:
    """The party id a witness is registered under: its key name, made a party id."""
    word = re.sub(r"[^a-z0-9._-]+", "-", verifier.name.lower()).strip("-._")
    return (word or "witness")[:64].rstrip("-._").ljust(2, "0")


def found_ledger(
    execute: Execute,
    authority: Actor,
    authority_name: str,
    *,
    now: datetime,
    platform: str,
    platform_name: str,
    receipt: bytes | None,
    log: NoteVerifier | None = None,
    years: Iterable[int] = (),
    witnesses: Sequence[NoteVerifier] = (),
    attributes: Mapping[str, Any] | None = None,
    signing: bytes | None = None,
) -> None:
    """A new ledger's first events, each signed by the authority and executed in order.

    ``signing``: the platform's own Ed25519 signing key, for what it signs as a party (its
    commitment and reveal in an expert draw)."""

    def record(command: EstablishRegistry | RecordCalendar | RegisterParty | RegisterKey) -> None:
        execute(authority.sign(command))

    record(genesis(authority.signer, authority_name))
    for year in years:
        record(calendar_year(year))
    record(RegisterParty(platform, platform_name, ("platform",), dict(attributes or {})))
    if signing is not None:
        record(
            signing_key(
                authority.signer,
                authority_name,
                party=platform,
                subject_name=platform_name,
                public_key=signing,
                roles=("platform",),
                valid_from=registration_time(now),
            )
        )
    if receipt is not None:
        record(receipt_key(platform, receipt, now))
    if log is not None:
        record(note_key(platform, log, ("platform",), now))
    for witness in witnesses:
        party = witness_party(witness)
        record(RegisterParty(party, witness.name, WITNESS_ROLES))
        record(note_key(party, witness, WITNESS_ROLES, now))
