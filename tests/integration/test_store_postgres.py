"""The ledger on PostgreSQL beside its contracts (tests/contract): the seed's world, a version
clash, and the gaps it leaves in the log. A fresh database per test (tests/support/postgres).

Skipped with a reason when BIDLEDGER_TEST_PG_URL is unset; ``make test`` always sets it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from commands import seed
from commands.messages import CheckIn, SubmitBid
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.errors import ConcurrencyConflict
from ledger.procedure.state import tender_stream
from ledger.store import LedgerStore
from ledger.verification import verify_log
from projections.examples import EventCounts
from projections.positions import status
from projections.runner import ProjectionRunner, engine_for
from tests.conftest import tender_of
from tests.support.bids import sealed_bid
from tests.support.projection_runs import log_ids, rows
from tests.support.racing import stale_event

STREAM = tender_stream(seed.CODE)


@pytest.fixture
def database_url(pg_url: str) -> str:
    """Runs the shared ``world`` and ``published`` fixtures on PostgreSQL."""
    return pg_url


@pytest.fixture
def bidding(published: World) -> World:
    """The published seed tender with three sealed bids."""
    tender = tender_of(published)
    published.clock.set(seed.beijing("2021-01-10 10:00"))
    for lot, bidder, total in (
        ("1", seed.QXD, "334860.00"),
        ("1", seed.SUPPLIER_A, "398000.00"),
        ("2", seed.RUNHUA, "540000.00"),
    ):
        published.act(
            bidder, "bidder", SubmitBid(seed.CODE, lot, sealed_bid(tender, lot, bidder, total))
        )
    return published


@pytest.fixture
def engine(bidding: World) -> Iterator[sa.Engine]:
    engine = engine_for(bidding.service.store)
    assert engine.dialect.name == "postgresql"
    yield engine
    engine.dispose()


def test_the_ledger_keeps_registry_tender_and_bids_on_postgresql_and_verifies(
    bidding: World,
) -> None:
    store = bidding.service.store
    assert store.url.startswith("postgresql+psycopg://")
    lots = tender_of(bidding).lots
    assert set(lots["1"].bids) == {seed.QXD, seed.SUPPLIER_A}
    assert set(lots["2"].bids) == {seed.RUNHUA}
    summary = verify_log(store)
    assert summary.events == len(log_ids(store)) == store.head()
    assert summary.streams[STREAM] == tender_of(bidding).version


def _racing_check_ins(world: World) -> None:
    """Two stores load the tender and check a bidder in each: the second save must clash."""
    now = seed.beijing("2021-01-14 10:00")
    world.clock.set(now)
    second_store = LedgerStore(world.service.store.url)
    try:
        second = LedgerService(second_store, FixedClock(now))
        first_copy, second_copy = world.service.tender(STREAM), second.tender(STREAM)
        qxd = world.parties[seed.QXD].as_role("bidder").sign(CheckIn(seed.CODE, "1"))
        other = world.parties[seed.SUPPLIER_A].as_role("bidder").sign(CheckIn(seed.CODE, "1"))
        first = stale_event(first_copy, qxd, now, world.service.registry())
        late = stale_event(second_copy, other, now, second.registry())
        world.service.store.append([first])
        with pytest.raises(ConcurrencyConflict, match="changed by another writer"):
            second_store.append([late])
        assert second.execute(other).version == first_copy.version + 2
        verify_log(second_store)
    finally:
        second_store.close()


def test_two_concurrent_writers_on_postgresql_get_a_concurrency_conflict(
    bidding: World,
) -> None:
    _racing_check_ins(bidding)
    assert tender_of(bidding).lots["1"].checked_in == {seed.QXD, seed.SUPPLIER_A}


def test_the_runner_follows_a_log_with_gaps_in_its_indexes(
    bidding: World, engine: sa.Engine
) -> None:
    """A refused save still consumes a PostgreSQL sequence number: the log skips it."""
    _racing_check_ins(bidding)
    store = bidding.service.store
    ids = log_ids(store)
    assert ids != list(range(1, len(ids) + 1)), "expected a gap in the notification ids"
    assert ProjectionRunner(store, engine, EventCounts()).catch_up(batch_size=3) == len(ids)
    assert [row[0] for row in rows(engine, EventCounts())["example_events"]] == ids
    assert status(engine, store, [EventCounts()])[0].lag == 0
