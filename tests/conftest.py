"""Shared fixtures: a real SQLite ledger with the seed's parties, keys and tender."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commands import seed
from commands.messages import ObtainDocuments
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore
from tests.support.cli import demo_files  # noqa: F401  (a fixture, for every test)
from tests.support.postgres import pg_url  # noqa: F401  (a fixture, for every test)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """The seed's parties registered on a fresh SQLite file, clock at 2020-12-20 09:00."""
    clock = FixedClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(database_url)
    world = World(
        LedgerService(store, clock, platform=Signer.generate(), platform_id=seed.PLATFORM), clock
    )
    seed.register_seed_parties(world)
    yield world
    store.close()


@pytest.fixture
def published(world: World) -> World:
    """The seed tender published on 2020-12-25 and the documents obtained by every bidder."""
    world.act(seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00"))
    world.clock.set(seed.beijing("2020-12-26 09:00"))
    for bidder in (
        seed.QXD,
        seed.RUNHUA,
        seed.SUPPLIER_A,
        seed.SUPPLIER_B,
        seed.SUPPLIER_C,
        seed.SUPPLIER_D,
    ):
        world.act(bidder, "bidder", ObtainDocuments(seed.CODE))
    return world


def tender_of(world: World) -> TenderState:
    return world.service.tender(tender_stream(seed.CODE))
