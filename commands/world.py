"""A set of parties with real keys acting through one service: the demo's and tests' stage.

Each participant holds its own Ed25519 signing key (and, for opening officials, an X25519
encryption key); the registration authority registers them all, each key with an X.509
certificate it issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import nacl.public

from commands.client import Actor
from commands.messages import (
    Command,
    EstablishRegistry,
    RecordCalendar,
    RegisterKey,
    RegisterParty,
)
from commands.service import LedgerService, Outcome
from ledger.clock import FixedClock
from ledger.crypto.certificates import issue_certificate
from ledger.crypto.signing import Signer
from ledger.notes import NoteSigner
from ledger.workdays import package_schedule

AUTHORITY = "registration-authority"
CERTIFICATE_YEARS = 5


@dataclass
class Participant:
    """A registered party and its private keys."""

    party: str
    name: str
    roles: tuple[str, ...]
    signer: Signer
    box_key: nacl.public.PrivateKey | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def as_role(self, role: str) -> Actor:
        return Actor(self.party, role, self.signer)


class World:
    """Parties acting on one ledger service, on one fixed clock."""

    def __init__(
        self,
        service: LedgerService,
        clock: FixedClock,
        authority_name: str = "Registration authority",
    ) -> None:
        self.service = service
        self.clock = clock
        self.authority = Participant(AUTHORITY, authority_name, ("authority",), Signer.generate())
        self.parties: dict[str, Participant] = {}
        self._serial = 1

    def establish(self) -> Outcome:
        """Genesis of the registry, self-signed by the authority."""
        command = EstablishRegistry(self.authority.name, self.authority.signer.public_key.hex())
        return self.service.execute(self.authority.as_role("authority").sign(command))

    def record_calendar(self, year: int) -> Outcome:
        """The authority records year ``year`` of the official calendar (from the package)."""
        schedule = package_schedule(year)
        return self.as_authority(
            RecordCalendar(
                year=year,
                days_off=tuple(sorted(schedule.days_off)),
                source=schedule.source,
                make_up_days=tuple(sorted(schedule.make_up_days)),
            )
        )

    def register(
        self,
        party: str,
        name: str,
        roles: tuple[str, ...],
        attributes: Mapping[str, Any] | None = None,
        *,
        encryption: bool = False,
    ) -> Participant:
        """Register a party with a fresh signing key (with certificate), and an encryption key."""
        participant = Participant(
            party,
            name,
            roles,
            Signer.generate(),
            nacl.public.PrivateKey.generate() if encryption else None,
            dict(attributes or {}),
        )
        self.as_authority(RegisterParty(party, name, roles, participant.attributes))
        now = self.clock.now()
        certificate = issue_certificate(
            self.authority.signer,
            authority_name=self.authority.name,
            subject_name=name,
            subject_key=participant.signer.public_key,
            serial=self._next_serial(),
            not_before=now,
            not_after=now + timedelta(days=365 * CERTIFICATE_YEARS),
        )
        self.as_authority(
            RegisterKey(
                party,
                participant.signer.public_key.hex(),
                "sign",
                roles,
                now,
                certificate=certificate,
            )
        )
        if participant.box_key is not None:
            self.as_authority(
                RegisterKey(
                    party, bytes(participant.box_key.public_key).hex(), "encrypt", roles, now
                )
            )
        self.parties[party] = participant
        return participant

    def register_receipt_key(self, party: str) -> Outcome | None:
        """Register the service's receipt key for the platform ``party`` (T3)."""
        key = self.service.receipt_key
        if key is None:
            return None
        return self.as_authority(
            RegisterKey(party, key.hex(), "receipt", ("platform",), self.clock.now())
        )

    def register_note_key(
        self, party: str, key: NoteSigner, roles: tuple[str, ...] | None = None
    ) -> Outcome:
        """Register ``party``'s checkpoint (log) or witness key, purpose "log", by its vkey."""
        participant = self.parties[party]
        return self.as_authority(
            RegisterKey(
                party,
                key.public_key.hex(),
                "log",
                roles or participant.roles,
                self.clock.now(),
                note_key=key.verifier().vkey(),
            )
        )

    def as_authority(self, command: Command) -> Outcome:
        return self.service.execute(self.authority.as_role("authority").sign(command))

    def act(
        self,
        party: str,
        role: str,
        command: Command,
        at: datetime | None = None,
        command_id: str | None = None,
    ) -> Outcome:
        """``party`` signs ``command`` in ``role`` and the service executes it (at ``at``)."""
        if at is not None:
            self.clock.set(at)
        actor = self.parties[party].as_role(role)
        return self.service.execute(actor.sign(command, command_id=command_id))

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial
