"""Two writers on one SQLite file and one tender: a stale save is refused; services queue.

A writer that saves an event decided on a stale copy of a stream gets a concurrency
conflict and writes nothing. Services never do that: each takes the log's write lock,
brings its states up to date under it and saves, so two racing services are put in one
order and both succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid
from commands.service import LedgerService, Outcome
from commands.world import World
from ledger.clock import FixedClock
from ledger.envelope import SignedCommand
from ledger.errors import ConcurrencyConflict, LedgerError
from ledger.procedure.records import StreamState
from ledger.procedure.state import tender_stream
from ledger.receipts import verify_receipt
from ledger.store import LedgerStore
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import sealed_bid
from tests.support.racing import stale_event

S = TypeVar("S", bound=StreamState)
STREAM = tender_stream(seed.CODE)
CONFLICT = rf"^stream {STREAM} was changed by another writer; reload and retry$"


@dataclass
class _Writer:
    service: LedgerService
    command: SignedCommand
    start: threading.Barrier
    outcomes: list[Outcome | LedgerError] = field(default_factory=list)

    def run(self) -> None:
        self.start.wait(timeout=30)
        try:
            self.outcomes.append(self.service.execute(self.command))
        except LedgerError as exc:
            self.outcomes.append(exc)


@pytest.fixture
def second_store(published: World) -> Iterator[LedgerStore]:
    """A second, independent store on the same SQLite file."""
    store = LedgerStore(published.service.store.url)
    yield store
    store.close()


def _signed(world: World, bidder: str, command: CheckIn | SubmitBid) -> SignedCommand:
    return world.parties[bidder].as_role("bidder").sign(command)


def test_the_second_of_two_interleaved_saves_raises_a_concurrency_conflict(
    published: World,
    second_store: LedgerStore,
) -> None:
    now = seed.beijing("2021-01-10 10:00")
    published.clock.set(now)
    second = LedgerService(second_store, FixedClock(now))
    first_copy, second_copy = published.service.tender(STREAM), second.tender(STREAM)
    version = first_copy.version
    qxd = _signed(published, seed.QXD, CheckIn(seed.CODE, "1"))
    runhua = _signed(published, seed.RUNHUA, CheckIn(seed.CODE, "1"))
    first = stale_event(first_copy, qxd, now, published.service.registry())
    late = stale_event(second_copy, runhua, now, second.registry())
    (saved,) = published.service.store.append([first])
    assert saved.version == version + 1
    with pytest.raises(ConcurrencyConflict, match=CONFLICT):
        second_store.append([late])
    assert second.tender(STREAM).lots["1"].checked_in == {seed.QXD}
    retry = second.execute(runhua)
    assert (retry.version, retry.replayed) == (version + 2, False)
    assert tender_of(published).lots["1"].checked_in == {seed.QXD, seed.RUNHUA}
    assert verify_log(second_store).streams[STREAM] == version + 2
    verify_log(published.service.store)


def test_two_racing_services_are_put_in_one_order_and_both_bids_get_a_receipt(
    published: World,
    second_store: LedgerStore,
) -> None:
    now = seed.beijing("2021-01-14 10:00")
    published.clock.set(now)
    tender = tender_of(published)
    version = tender.version
    start = threading.Barrier(2)
    platform = published.service._platform
    writers = [
        _Writer(
            service,
            _signed(published, bidder, SubmitBid(seed.CODE, "1", sealed)),
            start,
        )
        for service, bidder, sealed in (
            (published.service, seed.QXD, sealed_bid(tender, "1", seed.QXD, "334860.00")),
            (
                LedgerService(
                    second_store, FixedClock(now), platform=platform, platform_id=seed.PLATFORM
                ),
                seed.RUNHUA,
                sealed_bid(tender, "1", seed.RUNHUA, "400000.00"),
            ),
        )
    ]
    threads = [threading.Thread(target=writer.run) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = [writer.outcomes[0] for writer in writers]
    assert all(isinstance(outcome, Outcome) for outcome in outcomes), outcomes
    saved = sorted(o.version for o in outcomes if isinstance(o, Outcome))
    assert saved == [version + 1, version + 2]
    for outcome in outcomes:
        assert isinstance(outcome, Outcome)
        assert outcome.receipt is not None
        verify_receipt(outcome.receipt, platform.public_key)  # type: ignore[union-attr]
    assert set(tender_of(published).lots["1"].bids) == {seed.QXD, seed.RUNHUA}
    verify_log(second_store)
