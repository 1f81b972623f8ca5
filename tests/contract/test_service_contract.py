"""The service's contract on every backend: one transaction per command with its leaf, batches
all or nothing, time that never runs back, and many writer processes keeping every property.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bench import cast
from bench.loggen import CachedLog, ensure_logs
from bench.rush import CODE, rush
from commands import seed
from commands.messages import AskQuestion, SubmitBid
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.errors import RuleViolation
from ledger.procedure.state import tender_stream
from ledger.receipts import verify_receipt
from ledger.store import LedgerStore
from ledger.transparency import TreeStore
from ledger.verification import verify_log
from tests.conftest import tender_of
from tests.contract.backends import OnPostgreSQL, OnSQLite
from tests.support.bids import sealed_bid
from tests.support.transparency import logged_world, publish

RUSH_BIDDERS = 12
STREAM = tender_stream(seed.CODE)


@pytest.fixture(scope="module")
def registry_log(tmp_path_factory: pytest.TempPathFactory) -> CachedLog:
    """The benchmark's registry alone, for 12 bidders (generated once per module)."""
    size = len(cast.registration(RUSH_BIDDERS))
    cache = tmp_path_factory.mktemp("registry")
    return ensure_logs([size], bidders=RUSH_BIDDERS, cache=cache, progress=lambda _: None)[size]


def _sizes(store: LedgerStore) -> tuple[int, int]:
    """(events in the log, leaves in the tree)."""
    return store.head(), TreeStore(store.engine).size()


def _bids(world: World) -> list[tuple[str, SubmitBid]]:
    tender = tender_of(world)
    return [
        (bidder, SubmitBid(seed.CODE, "1", sealed_bid(tender, "1", bidder, total)))
        for bidder, total in ((seed.QXD, "334860.00"), (seed.RUNHUA, "350000.00"))
    ]


class ServiceContract:
    """What ``LedgerService`` guarantees on any backend."""

    def load(self, source: str, url: str) -> None:
        raise NotImplementedError

    @pytest.fixture
    def world(self, url: str) -> Iterator[World]:
        world, _ = logged_world(url, every=8)
        publish(world)
        world.clock.set(seed.beijing("2021-01-10 10:00"))
        yield world
        world.service.store.close()

    def test_every_saved_event_has_its_merkle_leaf_as_the_command_returns(
        self, world: World
    ) -> None:
        store = world.service.store
        events, leaves = _sizes(store)
        assert events == leaves > 0
        for bidder, command in _bids(world):
            outcome = world.act(bidder, "bidder", command)
            assert _sizes(store) == (outcome.log_index, outcome.log_index)

    def test_a_batch_saves_every_command_in_order_each_bid_with_its_receipt(
        self, world: World
    ) -> None:
        signed = [world.parties[b].as_role("bidder").sign(c) for b, c in _bids(world)]
        before = tender_of(world).version
        outcomes = world.service.execute_many(signed)
        assert [o.version for o in outcomes] == [before + 1, before + 2]
        assert [o.log_index for o in outcomes] == sorted(o.log_index for o in outcomes)
        platform = world.service.receipt_key
        assert platform is not None
        for outcome in outcomes:
            assert outcome.receipt is not None
            verify_receipt(outcome.receipt, platform)
        assert _sizes(world.service.store) == (outcomes[-1].log_index,) * 2
        verify_log(world.service.store)

    def test_a_refusal_anywhere_in_a_batch_writes_nothing_and_names_the_command(
        self, world: World
    ) -> None:
        (first, bid), _ = _bids(world)
        late_question = AskQuestion(seed.CODE, "来得太晚的问题")
        signed = [
            world.parties[first].as_role("bidder").sign(bid),
            world.parties[seed.RUNHUA].as_role("bidder").sign(late_question),
        ]
        store = world.service.store
        before = (_sizes(store), tender_of(world).version)
        with pytest.raises(RuleViolation, match=r"command 2 of 2 \(AskQuestion .*nothing was"):
            world.service.execute_many(signed)
        assert (_sizes(store), tender_of(world).version) == before
        assert world.act(first, "bidder", bid).version == before[1] + 1

    def test_a_clock_behind_the_log_is_refused_and_writes_nothing(self, world: World) -> None:
        store = world.service.store
        behind = LedgerService(store, FixedClock(seed.beijing("2020-12-26 08:59")))
        (bidder, bid), _ = _bids(world)
        before = _sizes(store)
        with pytest.raises(RuleViolation, match=r"T6 .*the platform's clock went back"):
            behind.execute(world.parties[bidder].as_role("bidder").sign(bid))
        assert _sizes(store) == before

    def test_a_deadline_rush_of_processes_and_threads_keeps_every_property(
        self, url: str, registry_log: CachedLog
    ) -> None:
        self.load(registry_log.url, url)
        bidders = [cast.bidder(number) for number in range(RUSH_BIDDERS)]
        result = rush(url, bidders, processes=3, lead=2.0, tail=1.0, checkpoint_every=8)
        assert result.clients == RUSH_BIDDERS
        assert result.accepted_bids > 0
        assert result.withdrawals > 0
        assert result.refused_after_deadline > 0, "the rush must run past the deadline"
        store = LedgerStore(url)
        try:
            _check_checkpoints_and_times(store)
        finally:
            store.close()
        done = subprocess.run(
            [sys.executable, "-m", "commands.cli", "verify", "--db", url],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr


def _check_checkpoints_and_times(store: LedgerStore) -> None:
    """Checkpoint numbers run 1, 2, ... with sizes that never decrease; times never run back;
    the tender's deadline checkpoint is the only one naming it as a deadline."""
    checkpoints = TreeStore(store.engine).checkpoints()
    assert [c.seq for c in checkpoints] == list(range(1, len(checkpoints) + 1))
    assert all(a.size <= b.size for a, b in itertools.pairwise(checkpoints))
    assert len({c.reason for c in checkpoints} & {"batch", "deadline"}) == 2
    times = [store.decode(record).timestamp for record in store.log()]
    assert times == sorted(times)
    tender = str(tender_stream(CODE))
    assert [c.reason for c in checkpoints if c.tender == tender] == ["deadline"]


class TestServiceOnSQLite(OnSQLite, ServiceContract):
    pass


class TestServiceOnPostgreSQL(OnPostgreSQL, ServiceContract):
    pass
