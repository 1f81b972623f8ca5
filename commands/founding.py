"""``bidledger init``: a new ledger, its keys, its deployment file and its trust policy.

The registration authority's signing key and the platform's signing, receipt and log keys
are made in the key store; the ledger is founded with them
(:func:`commands.registration.found_ledger`: genesis, the official calendar of the years
given, the platform and its keys, the witnesses);
a first checkpoint is issued, so the log's origin is on record; then ``deployment.json`` and
the trust policy (:func:`ledger.trust.policy_of`) are written. A database that already holds
a ledger is refused, and no key file is ever overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from commands.client import Actor
from commands.deployment import Deployment, WitnessAt
from commands.keystore import KeyStore, check_party_id
from commands.platform import catch_up_read_models
from commands.registration import AUTHORITY, REHEARSAL, found_ledger, witness_party
from commands.service import LedgerService
from ledger.clock import Clock
from ledger.database import EVENTS_TABLE, label, read_only_url, recognise
from ledger.errors import InvalidInput
from ledger.files import write_file
from ledger.notes import COSIGNATURE_V1
from ledger.store import LedgerStore
from ledger.transparency.witnessing import HttpWitness
from ledger.trust import policy_of
from ledger.workdays import package_years

__all__ = ["Founded", "Founding", "default_years", "found"]


@dataclass(frozen=True)
class Founding:
    """What ``init`` is asked to set up."""

    origin: str
    platform: str = "platform"
    platform_name: str = "Platform"
    authority_name: str = "Registration authority"
    witnesses: tuple[WitnessAt, ...] = ()
    years: tuple[int, ...] = ()
    rehearsal: bool = False


@dataclass(frozen=True)
class Founded:
    """What ``init`` made: the deployment, the files written, the first checkpoint."""

    deployment: Deployment
    policy: Path
    config: Path
    checkpoint: str
    log_vkey: str
    key_files: tuple[Path, ...] = field(default=())
    unwitnessed: tuple[str, ...] = field(default=())  # witnesses that did not cosign, and why


def default_years(year: int) -> tuple[int, ...]:
    """This year and the next, as far as the ``chinesecalendar`` package has them."""
    return tuple(y for y in (year, year + 1) if y in package_years())


def found(url: str, keys: KeyStore, founding: Founding, clock: Clock, policy: Path) -> Founded:
    """Make the keys and a new ledger at ``url``; write the deployment file and the policy."""
    _check_founding(founding)
    ensure_no_ledger(url)
    deployment = Deployment(founding.origin, AUTHORITY, founding.platform, founding.witnesses)
    if (keys.folder / "deployment.json").exists():
        raise InvalidInput(f"{keys.folder} already holds a deployment: give a new folder")
    authority = Actor(AUTHORITY, "authority", keys.create_signer(AUTHORITY))
    receipt = keys.create_signer(founding.platform, "receipt")
    signing = keys.create_signer(founding.platform)  # its own signature (draw commitments)
    log = keys.create_note_signer(founding.platform, founding.origin)
    store = LedgerStore(url)
    try:
        service = LedgerService(
            store,
            clock,
            platform=receipt,
            platform_id=founding.platform,
            log=log,
            origin=founding.origin,
            witnesses=[HttpWitness(w.url, w.verifier) for w in founding.witnesses],
        )
        _first_events(service, authority, founding, signing.public_key)
        note = service.checkpoint("manual")
        assert service.transparency is not None
        unwitnessed = tuple(f"{name}: {why}" for _, name, why in service.transparency.unwitnessed)
        text = policy_of(service.registry(), founding.origin).to_text()
        config = deployment.save(keys.folder)
        write_file(policy, text.encode("utf-8"), "the trust policy")
        catch_up_read_models(store)
    finally:
        store.close()
    files = tuple(sorted(keys.folder.glob("*.key")))
    return Founded(deployment, policy, config, note, log.verifier().vkey(), files, unwitnessed)


def _first_events(
    service: LedgerService, authority: Actor, founding: Founding, signing: bytes
) -> None:
    """Genesis, calendars, the platform with its signing key and the service's receipt and
    log keys, the witnesses."""
    assert service.transparency is not None
    assert service.receipt_key is not None
    found_ledger(
        service.execute,
        authority,
        founding.authority_name,
        now=service.clock.now(),
        platform=founding.platform,
        platform_name=founding.platform_name,
        receipt=service.receipt_key,
        log=service.transparency.signer.verifier(),
        years=founding.years,
        witnesses=[w.verifier for w in founding.witnesses],
        attributes={REHEARSAL: True} if founding.rehearsal else {},
        signing=signing,
    )


def ensure_no_ledger(url: str) -> None:
    """Refuse a database that holds a ledger, or that cannot be one (a directory, not SQLite)."""
    name = label(url)
    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database or "")
        if not path.exists():
            if not path.parent.is_dir():
                raise InvalidInput(f"cannot create {name}: there is no folder {path.parent}")
            return
    try:
        recognise(url)
    except InvalidInput:
        if not _empty(url):
            raise
        return
    raise InvalidInput(f"{name} already holds a ledger: init makes a new one (give a new --db)")


def _empty(url: str) -> bool:
    """Whether the database opens and holds no ledger events (an empty file or schema)."""
    try:
        engine = sa.create_engine(read_only_url(url))
    except (sa.exc.SQLAlchemyError, ImportError, InvalidInput):
        return False
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(EVENTS_TABLE):
                return True
            count = connection.execute(sa.text(f"SELECT count(*) FROM {EVENTS_TABLE}")).scalar()
            return count == 0
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _check_founding(founding: Founding) -> None:
    check_party_id(founding.platform)
    if founding.platform == AUTHORITY:
        raise InvalidInput(f"the platform cannot be called {AUTHORITY!r}: that is the authority")
    parties = [witness_party(w.verifier) for w in founding.witnesses]
    _unique([AUTHORITY, founding.platform, *parties], "witness party")
    for witness in founding.witnesses:
        if witness.verifier.algorithm != COSIGNATURE_V1:
            raise InvalidInput(f"witness key {witness.vkey[:60]!r} is not a cosignature/v1 key")


def _unique(names: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInput(f"{what} {name!r} would be registered twice: rename a witness key")
        seen.add(name)
