"""The benchmark's parties, with keys derived from their names.

Every key is Ed25519 or X25519 from a seed that is SHA-256 of a label, so a log generated
once can be reopened later (cached) and extended, or written to, by the same parties.
The keys are for benchmarking only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import nacl.public

from commands.bidder import seal_for_tender
from commands.client import Actor
from commands.messages import (
    Command,
    EstablishRegistry,
    OfficialTerms,
    RecordCalendar,
    RegisterKey,
    RegisterParty,
)
from commands.service import LedgerService
from ledger.clock import FixedClock
from ledger.crypto.certificates import issue_certificate
from ledger.crypto.signing import Signer
from ledger.notes import NoteSigner
from ledger.numerals import format_capital_amount
from ledger.store import LedgerStore
from ledger.workdays import package_schedule

AUTHORITY = "registration-authority"
CALENDAR_YEARS = range(2020, 2027)  # the official calendars the generated tenders need
RECEIPTS = "platform-receipts"  # the label of the platform's receipt key (not its signing key)
AUTHORITY_NAME = "Benchmark registration authority"
PLATFORM = "bench-platform"
AGENCY = "bench-agency"
PURCHASER = "bench-purchaser"
REGULATOR = "bench-regulator"
OFFICIALS = (AGENCY, PURCHASER, REGULATOR)
THRESHOLD = 2
LOG_ORIGIN = "bench.bidledger.example/log"
CERTIFICATE_DAYS = 5 * 365
REGISTRATION_START = datetime.fromisoformat("2021-03-01T09:00:00+08:00")
_SEED_PREFIX = b"bidledger-bench/v1/"
_ORGANISATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (AGENCY, ("agency", "official")),
    (PURCHASER, ("purchaser", "official")),
    (REGULATOR, ("regulator", "official")),
)


def _seed(label: str) -> bytes:
    return hashlib.sha256(_SEED_PREFIX + label.encode()).digest()


@cache
def signer(party: str) -> Signer:
    """``party``'s Ed25519 signing key."""
    return Signer.from_seed(_seed("sign/" + party))


@cache
def box_key(party: str) -> nacl.public.PrivateKey:
    """An opening official's X25519 key."""
    return nacl.public.PrivateKey(_seed("box/" + party))


def log_key() -> NoteSigner:
    """The key that signs the log's checkpoints."""
    return NoteSigner(LOG_ORIGIN, _seed("log"))


def actor(party: str, role: str) -> Actor:
    return Actor(party, role, signer(party))


def bidder(index: int) -> str:
    return f"bench-bidder-{index:04d}"


def officials() -> tuple[OfficialTerms, ...]:
    """The opening officials of every benchmark tender, with their X25519 keys."""
    return tuple(OfficialTerms(p, bytes(box_key(p).public_key).hex()) for p in OFFICIALS)


def service(store: LedgerStore, clock: FixedClock) -> LedgerService:
    """The ledger service as deployed: platform receipts and a signed Merkle log."""
    return LedgerService(
        store, clock, platform=signer(RECEIPTS), platform_id=PLATFORM, log=log_key()
    )


def registration(bidders: int) -> list[Command]:
    """The registry's commands, all signed by the authority, one second apart.

    Command number ``n`` (from 0) must run at ``REGISTRATION_START`` plus ``n`` seconds:
    a key is registered valid from the moment its own command runs.
    """
    commands: list[Command] = [
        EstablishRegistry(AUTHORITY_NAME, signer(AUTHORITY).public_key.hex())
    ]
    for year in CALENDAR_YEARS:
        schedule = package_schedule(year)
        days_off, make_up = sorted(schedule.days_off), sorted(schedule.make_up_days)
        commands.append(RecordCalendar(year, tuple(days_off), schedule.source, tuple(make_up)))
    _register(commands, PLATFORM, ("platform",))
    receipts = signer(RECEIPTS).public_key.hex()
    commands.append(RegisterKey(PLATFORM, receipts, "receipt", ("platform",), _next(commands)))
    log = log_key()
    vkey = log.verifier().vkey()
    key = log.public_key.hex()
    commands.append(
        RegisterKey(PLATFORM, key, "log", ("platform",), _next(commands), note_key=vkey)
    )
    for party, roles in _ORGANISATIONS:
        _register(commands, party, roles)
        key = bytes(box_key(party).public_key).hex()
        commands.append(RegisterKey(party, key, "encrypt", roles, _next(commands)))
    for index in range(bidders):
        _register(commands, bidder(index), ("bidder",))
    return commands


def _next(commands: list[Command]) -> datetime:
    """When the next command of the registration runs."""
    return REGISTRATION_START + timedelta(seconds=len(commands))


def _register(commands: list[Command], party: str, roles: tuple[str, ...]) -> None:
    """Register ``party`` and its signing key, with a certificate from the authority."""
    commands.append(RegisterParty(party, party, roles))
    at = _next(commands)
    certificate = _certificate(party, at, len(commands))
    key = signer(party).public_key.hex()
    commands.append(RegisterKey(party, key, "sign", roles, at, certificate=certificate))


def _certificate(party: str, not_before: datetime, serial: int) -> str:
    return issue_certificate(
        signer(AUTHORITY),
        authority_name=AUTHORITY_NAME,
        subject_name=party,
        subject_key=signer(party).public_key,
        serial=serial + 1,
        not_before=not_before,
        not_after=not_before + timedelta(days=CERTIFICATE_DAYS),
    )


def bid_document(lot: str, bidder: str, total: str, technical: str = "") -> dict[str, Any]:
    """A well-formed bid document; ``technical`` pads it to the size wanted."""
    return {
        "v": "bidledger/bid-document/v1",
        "lot": lot,
        "bidder": bidder,
        "total_figures": total,
        "total_capital": format_capital_amount(Decimal(total)),
        "lines": [],
        "brand": None,
        "small_or_micro": False,
        "consortium_sme_share": None,
        "business": "交货期30日, 质保一年",
        "technical": technical or "满足全部★参数",
    }


def sealed_bid(code: str, lot: str, bidder: str, total: str, technical: str = "") -> dict[str, Any]:
    """A bid sealed to the benchmark officials, as the bidder's own machine would seal it."""
    return seal_for_tender(
        bid_document(lot, bidder, total, technical),
        tender_code=code,
        lot=lot,
        bidder=bidder,
        officials=[(o.party, o.encryption_key) for o in officials()],
        threshold=THRESHOLD,
    )
