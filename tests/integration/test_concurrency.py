"""Two writers on one SQLite file and one tender: one wins, the other must reload and retry."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID

import pytest

from commands import seed
from commands.messages import CheckIn, SubmitBid
from commands.service import LedgerService, Outcome
from commands.world import World
from ledger.clock import FixedClock
from ledger.envelope import SignedCommand
from ledger.errors import ConcurrencyConflict, LedgerError
from ledger.procedure.records import StreamState
from ledger.procedure.state import TenderState, tender_stream
from ledger.receipts import verify_receipt
from ledger.store import LedgerStore
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.support.bids import sealed_bid
from tests.support.racing import stale_event

S = TypeVar("S", bound=StreamState)
STREAM = tender_stream(seed.CODE)
CONFLICT = rf"^stream {STREAM} was changed by another writer; reload and retry$"


class _PausingService(LedgerService):
    """A service that, once, waits after loading the tender until the other writer has too."""

    def __init__(
        self, store: LedgerStore, clock: FixedClock, world: World, loaded: threading.Barrier
    ) -> None:
        super().__init__(store, clock, platform=world.service._platform, platform_id=seed.PLATFORM)
        self._loaded: threading.Barrier | None = loaded

    def _optional(self, kind: type[S], stream: UUID) -> S | None:
        state = super()._optional(kind, stream)
        if kind is TenderState and self._loaded is not None:
            barrier, self._loaded = self._loaded, None
            barrier.wait(timeout=30)
        return state


@dataclass
class _Writer:
    service: LedgerService
    command: SignedCommand
    outcomes: list[Outcome | LedgerError] = field(default_factory=list)

    def run(self) -> None:
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


def test_two_racing_services_one_wins_and_the_retry_of_the_other_succeeds(
    published: World,
    second_store: LedgerStore,
) -> None:
    now = seed.beijing("2021-01-14 10:00")
    published.clock.set(now)
    tender = tender_of(published)
    version = tender.version
    loaded = threading.Barrier(2)
    writers = [
        _Writer(
            _PausingService(store, FixedClock(now), published, loaded),
            _signed(published, bidder, SubmitBid(seed.CODE, "1", sealed)),
        )
        for store, bidder, sealed in (
            (published.service.store, seed.QXD, sealed_bid(tender, "1", seed.QXD, "334860.00")),
            (second_store, seed.RUNHUA, sealed_bid(tender, "1", seed.RUNHUA, "400000.00")),
        )
    ]
    threads = [threading.Thread(target=writer.run) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    results = [writer.outcomes[0] for writer in writers]
    winners = [result for result in results if isinstance(result, Outcome)]
    losers = [writer for writer in writers if isinstance(writer.outcomes[0], LedgerError)]
    assert len(winners) == 1
    assert len(losers) == 1
    conflict = losers[0].outcomes[0]
    assert isinstance(conflict, ConcurrencyConflict)
    assert str(conflict) == f"stream {STREAM} was changed by another writer; reload and retry"
    assert winners[0].version == version + 1
    assert len(list(published.service.store.log())) == winners[0].log_index

    losers[0].run()
    retry = losers[0].outcomes[1]
    assert isinstance(retry, Outcome)
    assert (retry.version, retry.replayed) == (version + 2, False)
    assert retry.receipt is not None
    verify_receipt(retry.receipt, published.service._platform.public_key)  # type: ignore[union-attr]
    assert set(tender_of(published).lots["1"].bids) == {seed.QXD, seed.RUNHUA}
    verify_log(second_store)
