"""A set of parties with real keys acting through one service: the demo's and tests' stage.

Each participant holds its own Ed25519 signing key (and, for opening officials, an X25519
encryption key); the registration authority registers them all, each key with an X.509
certificate it issues.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import nacl.public

from commands import registration
from commands.client import Actor
from commands.messages import Command, RegisterParty
from commands.service import LedgerService, Outcome
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.notes import NoteSigner

AUTHORITY = registration.AUTHORITY


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
        return self.as_authority(registration.genesis(self.authority.signer, self.authority.name))

    def found(
        self,
        platform: str,
        platform_name: str,
        years: tuple[int, ...],
        log: NoteSigner | None = None,
    ) -> None:
        """A new ledger as ``bidledger init`` founds it: genesis, calendars, the platform with
        its signing key, the service's receipt key and the ``log`` key
        (:func:`registration.found_ledger`)."""
        participant = Participant(platform, platform_name, ("platform",), Signer.generate(), None)
        registration.found_ledger(
            self.service.execute,
            self.authority.as_role("authority"),
            self.authority.name,
            now=self.clock.now(),
            platform=platform,
            platform_name=platform_name,
            receipt=self.service.receipt_key,
            log=None if log is None else log.verifier(),
            years=years,
            signing=participant.signer.public_key,
        )
        self.parties[platform] = participant

    def record_calendar(self, year: int) -> Outcome:
        """The authority records year ``year`` of the official calendar (from the package)."""
        return self.as_authority(registration.calendar_year(year))

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
        self.as_authority(
            registration.signing_key(
                self.authority.signer,
                self.authority.name,
                party=party,
                subject_name=name,
                public_key=participant.signer.public_key,
                roles=roles,
                valid_from=now,
                serial=self._next_serial(),
            )
        )
        if participant.box_key is not None:
            public = bytes(participant.box_key.public_key)
            self.as_authority(registration.encryption_key(party, public, roles, now))
        self.parties[party] = participant
        return participant

    def register_receipt_key(self, party: str) -> Outcome | None:
        """Register the service's receipt key for the platform ``party`` (T3)."""
        key = self.service.receipt_key
        if key is None:
            return None
        return self.as_authority(registration.receipt_key(party, key, self.clock.now()))

    def register_note_key(
        self, party: str, key: NoteSigner, roles: tuple[str, ...] | None = None
    ) -> Outcome:
        """Register ``party``'s checkpoint (log) or witness key, purpose "log", by its vkey."""
        if roles is None:
            roles = tuple(sorted(self.service.registry().party(party).roles))
        return self.as_authority(
            registration.note_key(party, key.verifier(), roles, self.clock.now())
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
