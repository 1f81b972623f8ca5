"""The event store's contract on every backend: append and read back, one order for the
log, a version clash refused whole, and one writer at a time under the write lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest

from commands.world import World
from ledger.errors import ConcurrencyConflict
from ledger.events import LedgerEvent, new_event
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.store import LedgerStore
from tests.contract.backends import OnPostgreSQL, OnSQLite


def _events(world: World) -> list[LedgerEvent]:
    return [world.service.store.decode(record) for record in world.service.store.log()]


def _next(world: World, event: LedgerEvent) -> LedgerEvent:
    """An event that continues the registry after ``event`` (a retried registration)."""
    registry = world.service.registry()
    command = event.signed_command()
    return new_event(
        stream=REGISTRY_STREAM,
        version=registry.version + 1,
        event_type=event.type,
        command=command,
        time=event.timestamp + timedelta(seconds=1),
        facts=dict(event.facts),
        prev_hash=registry.head,
    )


class StoreContract:
    """What ``LedgerStore`` guarantees on any backend."""

    @pytest.fixture
    def database_url(self, url: str) -> str:
        """The shared ``world`` fixture, on this backend."""
        return url

    @pytest.fixture
    def second(self, world: World) -> Iterator[LedgerStore]:
        store = LedgerStore(world.service.store.url)
        yield store
        store.close()

    def test_the_log_reads_back_in_one_order_through_every_reader(self, world: World) -> None:
        store = world.service.store
        records = list(store.log())
        ids = [record.id for record in records]
        assert ids == sorted(ids)
        assert store.head() == ids[-1]
        raw = list(store.rows())
        assert [row[0] for row in raw] == ids
        assert [bytes(record.state) for record in records] == [row[4] for row in raw]
        assert store.positions(REGISTRY_STREAM) == ids  # the seed world is all registry
        registry = store.state(RegistryState, REGISTRY_STREAM)
        assert registry.version == store.version_of(REGISTRY_STREAM) == len(ids)
        last = store.event_at(REGISTRY_STREAM, registry.version)
        assert last.event_hash == registry.head
        assert store.log_index_of(REGISTRY_STREAM, registry.version) == ids[-1]
        assert store.encode(last).state == records[-1].state

    def test_a_version_clash_writes_nothing_of_the_batch(
        self, world: World, second: LedgerStore
    ) -> None:
        store = world.service.store
        events = _events(world)
        continuing = _next(world, events[-1])
        (saved,) = store.append([continuing])
        assert saved.log_index == store.head()
        head = store.head()
        other = new_event(
            stream=uuid4(),
            version=1,
            event_type=events[0].type,
            command=events[0].signed_command(),
            time=events[-1].timestamp,
            facts=dict(events[0].facts),
            prev_hash="0" * 64,
        )
        with pytest.raises(ConcurrencyConflict, match="changed by another writer"):
            second.append([other, continuing])
        assert second.head() == head
        assert not second.exists(other.originator_id)

    def test_a_writer_waits_for_the_one_holding_the_lock_and_then_sees_its_event(
        self, world: World, second: LedgerStore
    ) -> None:
        store = world.service.store
        continuing = _next(world, _events(world)[-1])
        holding, seen = threading.Event(), list[int]()

        def first() -> None:
            with store.writing() as transaction:
                holding.set()
                time.sleep(0.5)
                transaction.insert([continuing])

        thread = threading.Thread(target=first)
        thread.start()
        holding.wait(timeout=10)
        started = time.monotonic()
        with second.writing() as transaction:
            seen.append((time.monotonic() - started, transaction.head().notification_id))
        thread.join(timeout=10)
        waited, head = seen[0]
        assert waited > 0.3, "the second writer did not wait for the lock"
        assert (
            head
            == store.head()
            == store.log_index_of(REGISTRY_STREAM, continuing.originator_version)
        )


class TestStoreOnSQLite(OnSQLite, StoreContract):
    pass


class TestStoreOnPostgreSQL(OnPostgreSQL, StoreContract):
    pass
