"""A deployment: its key store, its configuration file, and the platform service it runs.

``bidledger init`` writes ``deployment.json`` into the key store folder: the log's origin,
the authority's and the platform's party ids, and each witness's vkey and URL. Every command
that writes opens the platform's service from it (:func:`platform_service`): the receipt key
and the log key from the key store, the witnesses over HTTP, and the clock.

The clock is the machine's. ``BIDLEDGER_CLOCK`` (an ISO 8601 time) sets it instead, for tests
and rehearsals only: it is refused unless the ledger was founded as a rehearsal
(``init --rehearsal``, which the registry records in the platform's attributes for anyone to
see), and even then the service refuses a time earlier than the log's last event (T6).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commands.keystore import KeyStore
from commands.registration import REHEARSAL
from commands.service import LedgerService
from ledger.clock import Clock, FixedClock, SystemClock, parse_time
from ledger.errors import InvalidInput
from ledger.files import read_json, write_file
from ledger.notes import NoteVerifier
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from ledger.transparency.witnessing import HttpWitness

CONFIG_FILE = "deployment.json"
FORMAT = "bidledger/deployment/v1"
CLOCK_ENV = "BIDLEDGER_CLOCK"
_MAX_CONFIG = 1 << 16

__all__ = [
    "CLOCK_ENV",
    "CONFIG_FILE",
    "Deployment",
    "WitnessAt",
    "deployment_clock",
    "is_rehearsal",
    "platform_service",
    "rehearsal_platform",
    "rehearsal_time",
    "this_second",
]


@dataclass(frozen=True)
class WitnessAt:
    """A witness: its C2SP vkey and the URL of its add-checkpoint endpoint."""

    vkey: str
    url: str

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier.from_vkey(self.vkey)


@dataclass(frozen=True)
class Deployment:
    """What ``init`` set up, kept beside the keys (``deployment.json``)."""

    origin: str
    authority: str
    platform: str
    witnesses: tuple[WitnessAt, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "origin": self.origin,
            "authority": self.authority,
            "platform": self.platform,
            "witnesses": [{"vkey": w.vkey, "url": w.url} for w in self.witnesses],
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> Deployment:
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise InvalidInput(f"{where}: not a {FORMAT} file")
        try:
            witnesses = tuple(WitnessAt(str(w["vkey"]), str(w["url"])) for w in data["witnesses"])
            found = cls(str(data["origin"]), str(data["authority"]), str(data["platform"]))
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"{where}: missing or malformed {exc}") from None
        return cls(found.origin, found.authority, found.platform, witnesses)

    def save(self, folder: Path) -> Path:
        path = folder / CONFIG_FILE
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"
        write_file(path, text.encode("utf-8"), "the deployment file")
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Deployment:
        path = Path(folder) / CONFIG_FILE
        if not path.exists():
            raise InvalidInput(
                f"no {CONFIG_FILE} in {folder}: give the key store folder `bidledger init` made"
            )
        return cls.from_json(read_json(path, "deployment file", _MAX_CONFIG), str(path))


def rehearsal_time(environ: Mapping[str, str]) -> FixedClock | None:
    """The clock ``BIDLEDGER_CLOCK`` sets, if it is set (an ISO 8601 time with an offset)."""
    text = environ.get(CLOCK_ENV, "").strip()
    if not text:
        return None
    try:
        return FixedClock(parse_time(text))
    except InvalidInput:
        raise InvalidInput(
            f"{CLOCK_ENV} must be an ISO 8601 time with an offset, such as "
            f"2021-01-15T09:00:00+08:00; found {text[:60]!r}"
        ) from None


def is_rehearsal(registry: RegistryState, platform: str) -> bool:
    """Whether the registry records ``platform`` as a rehearsal's (its clock may be set)."""
    party = registry.parties.get(platform)
    return party is not None and party.attributes.get(REHEARSAL) is True


def rehearsal_platform(store: LedgerStore) -> str | None:
    """The platform a ledger's registry records as a rehearsal's, if any (its times are set)."""
    from ledger.errors import NotFound
    from ledger.procedure.registry_state import REGISTRY_STREAM

    try:
        registry = store.state(RegistryState, REGISTRY_STREAM)
    except NotFound:
        return None
    found = sorted(p for p in registry.parties if is_rehearsal(registry, p))
    return found[0] if found else None


def deployment_clock(
    registry: RegistryState,
    platform: str,
    environ: Mapping[str, str],
    *,
    one_moment: bool = False,
) -> Clock:
    """The machine's clock, or ``BIDLEDGER_CLOCK``'s on a ledger founded as a rehearsal.

    ``one_moment``: the machine's time now, to the second, for the whole run: a key
    registered with ``valid_from`` that moment is registered at it, not a tick later.
    """
    fixed = rehearsal_time(environ)
    if fixed is None:
        return this_second() if one_moment else SystemClock()
    if not is_rehearsal(registry, platform):
        raise InvalidInput(
            f"{CLOCK_ENV} is for tests and rehearsals only, and this ledger was not founded as "
            "a rehearsal (bidledger init --rehearsal): unset it"
        )
    return fixed


def this_second() -> FixedClock:
    """The machine's time now, to the second (signed times are), standing still."""
    return FixedClock(SystemClock().now().replace(microsecond=0))


def platform_service(
    store: LedgerStore, keys: KeyStore, deployment: Deployment, clock: Clock
) -> LedgerService:
    """The platform's service on ``store``: its receipt and log keys, its witnesses, ``clock``."""
    return LedgerService(
        store,
        clock,
        platform=keys.signer(deployment.platform, "receipt"),
        platform_id=deployment.platform,
        log=keys.note_signer(deployment.platform, deployment.origin),
        origin=deployment.origin,
        witnesses=[HttpWitness(w.url, w.verifier) for w in deployment.witnesses],
    )
