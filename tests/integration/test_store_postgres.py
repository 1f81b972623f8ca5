"""The same ledger and runner on PostgreSQL: a fresh database per test (tests/support/postgres).

Skipped with a reason when BIDLEDGER_TEST_PG_URL is unset; ``make test`` always sets it.
"""

from __future__ import annotations

import threading
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
from projections.runner import ProjectionFailed, ProjectionRunner, engine_for
from tests.conftest import tender_of
from tests.support.bids import sealed_bid
from tests.support.projection_runs import FailingOn, log_ids, rows, stream_counts
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


def test_the_runner_catches_up_on_postgresql_and_a_rebuild_gives_identical_rows(
    bidding: World, engine: sa.Engine
) -> None:
    store = bidding.service.store
    runner = ProjectionRunner(store, engine, EventCounts())
    assert runner.catch_up(batch_size=4) == len(log_ids(store))
    incremental = rows(engine, EventCounts())
    counted = {stream: events for stream, events, _ in incremental["example_streams"]}
    assert counted == stream_counts(store)
    assert runner.rebuild(batch_size=50) == len(log_ids(store))
    assert rows(engine, EventCounts()) == incremental
    (shown,) = status(engine, store, [EventCounts()])
    assert (shown.position, shown.lag, shown.error) == (store.head(), 0, None)


def test_a_failing_projection_on_postgresql_stops_at_its_last_good_event(
    bidding: World, engine: sa.Engine
) -> None:
    store = bidding.service.store
    ids = log_ids(store)
    bad = next(n.id for n in store.log() if n.topic.endswith(":BidSubmitted"))
    last_good = max(i for i in ids if i < bad)
    with pytest.raises(ProjectionFailed, match=r"type BidSubmitted\): RuntimeError") as failed:
        ProjectionRunner(store, engine, FailingOn("BidSubmitted")).catch_up(batch_size=10)
    assert failed.value.position == last_good
    assert ProjectionRunner(store, engine, EventCounts()).catch_up() == len(
        [i for i in ids if i > last_good]
    )
    assert [row[0] for row in rows(engine, EventCounts())["example_events"]] == ids


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


def test_two_runners_of_one_projection_on_postgresql_never_apply_an_event_twice(
    bidding: World,
) -> None:
    store = bidding.service.store
    engines = [engine_for(store), engine_for(store)]
    applied: list[int] = []
    errors: list[BaseException] = []

    def run(engine: sa.Engine) -> None:
        try:
            applied.append(ProjectionRunner(store, engine, EventCounts()).catch_up(batch_size=2))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(applied) == len(log_ids(store))
    assert [row[0] for row in rows(engines[0], EventCounts())["example_events"]] == log_ids(store)
    for engine in engines:
        engine.dispose()
