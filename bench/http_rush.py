"""The deadline rush over HTTP: many bidders submit, withdraw and resubmit in the last seconds.

A witnessed ledger with the seed's tender and ``bidders`` extra bidders is served on
loopback; its clock runs from a few seconds before the deadline. Client threads (and
client processes, each with threads) seal bids on their side and submit, withdraw and
resubmit until the ledger refuses them as late. :func:`check` then proves the outcome:
every accepted bid has a valid receipt, the log verifies, every bid whose last accepted
action was a submission is sealed in the tender, and no bid is stamped at or after the
deadline. The timings are for docs/benchmarks.md; no test asserts them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

from bench.http_rush_clients import Action, run_clients
from commands import seed
from commands.demo import witnessed_service
from commands.http import BackgroundServer, HttpLedger, create_app
from commands.messages import ObtainDocuments
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock, to_beijing
from ledger.errors import VerificationFailure
from ledger.procedure.state import TenderState, tender_stream
from ledger.receipts import Receipt, verify_registered_receipt
from ledger.store import LedgerStore
from ledger.verification import verify_log

DEADLINE = seed.beijing("2021-01-15 09:30")


class RushClock:
    """Fixed while the stage is set; then running in real time from a chosen moment."""

    def __init__(self, start: datetime) -> None:
        self._moment = to_beijing(start)
        self._origin: float | None = None

    def now(self) -> datetime:
        return self._moment + timedelta(seconds=self._elapsed())

    def set(self, moment: datetime) -> None:
        self._moment = to_beijing(moment)

    def run_from(self, moment: datetime, delay: float = 0.0) -> None:
        """Stand at ``moment`` for ``delay`` seconds more, then run."""
        self._moment, self._origin = to_beijing(moment), time.monotonic() + delay

    def _elapsed(self) -> float:
        return 0.0 if self._origin is None else max(0.0, time.monotonic() - self._origin)


@dataclass
class Stage:
    """The served ledger and the rushing bidders' keys."""

    store: LedgerStore
    service: LedgerService
    clock: RushClock
    world: World
    url: str
    bidders: list[str]


@contextmanager
def staged(url: str, bidders: int) -> Iterator[Stage]:
    """The seed's tender published on ``url`` with ``bidders`` more bidders holding the
    documents, served on a free loopback port; the clock still stands."""
    clock = RushClock(seed.beijing("2020-12-20 09:00"))
    store = LedgerStore(url)
    with tempfile.TemporaryDirectory() as folder:
        service, keys = witnessed_service(store, cast(FixedClock, clock), Path(folder))
        world = World(service, cast(FixedClock, clock))
        seed.register_seed_parties(world)
        world.register_note_key(seed.PLATFORM, keys.log)
        world.register_note_key(seed.REGULATOR, keys.witness, ("regulator",))
        names = [f"rush-{number:03d}" for number in range(bidders)]
        for name in names:
            world.register(
                name, f"冲刺供应商{name[-3:]}", ("bidder",), {"enterprise_size": "small"}
            )
        world.act(
            seed.AGENCY, "agency", seed.invitation(world), at=seed.beijing("2020-12-25 09:00")
        )
        clock.set(seed.beijing("2020-12-26 09:00"))
        for name in names:
            world.act(name, "bidder", ObtainDocuments(seed.CODE))
        ledger = HttpLedger.of(service, stored=True)  # as bidledger serve runs it
        with BackgroundServer(create_app(ledger)) as server:
            yield Stage(store, service, clock, world, server.url, names)
        ledger.close()
    store.close()


@dataclass(frozen=True)
class RushResult:
    """What the clients did and how long it took."""

    actions: list[Action]
    seconds: float

    def accepted(self) -> list[Action]:
        return [action for action in self.actions if action.status == 200]

    def summary(self) -> dict[str, float]:
        accepted = self.accepted()
        latencies = sorted(action.seconds for action in accepted)
        quantiles = _quantiles(latencies)
        window = 0.0
        if accepted:
            first = min(action.sent_at for action in accepted)
            window = max(action.sent_at + action.seconds for action in accepted) - first
        return {
            "requests": len(self.actions),
            "accepted": len(accepted),
            "refused_late": sum(1 for a in self.actions if a.status == 422),
            "accepted_per_second": len(accepted) / window if window else 0.0,
            "p50_ms": quantiles[0] * 1000,
            "p99_ms": quantiles[1] * 1000,
        }


def rush(stage: Stage, *, threads: int, processes: int, lead: float) -> RushResult:
    """Run the clients from ``lead`` seconds before the deadline until all are refused;
    every client waits until all have started (client processes take a while)."""
    margin = 1.0 + 3.0 * bool(processes)
    stage.clock.run_from(DEADLINE - timedelta(seconds=lead), delay=margin)
    seeds = {name: stage.world.parties[name].signer.seed for name in stage.bidders}
    started = time.monotonic()
    start_at = time.time() + margin
    actions = run_clients(stage.url, seeds, threads=threads, processes=processes, start_at=start_at)
    return RushResult(actions, time.monotonic() - started)


def check(stage: Stage, result: RushResult) -> TenderState:
    """Raise unless every accepted bid is receipted, kept if last, and before the deadline."""
    registry = stage.service.registry()
    tender = stage.service.tender(tender_stream(seed.CODE))
    last: dict[tuple[str, str], Action] = {}
    for action in sorted(result.accepted(), key=lambda a: a.order):
        if action.command == "SubmitBid":
            if action.receipt is None:
                raise VerificationFailure(action.command_id, "an accepted bid without a receipt")
            verify_registered_receipt(Receipt.from_json(action.receipt), registry)
        last[(action.lot, action.bidder)] = action
    for (lot, bidder), action in last.items():
        bid = tender.lots[lot].bids.get(bidder)
        kept = action.command == "SubmitBid"
        if kept and (bid is None or bid.status != "sealed" or bid.event_hash != action.event_hash):
            raise VerificationFailure(
                f"lot {lot} {bidder}", f"accepted bid {action.command_id} missing"
            )
        if not kept and bid is not None and bid.status == "sealed":
            raise VerificationFailure(f"lot {lot} {bidder}", "a withdrawn bid is still sealed")
    for event in stage.store.events(tender_stream(seed.CODE)):
        if event.type in ("BidSubmitted", "BidWithdrawn") and event.timestamp >= DEADLINE:
            raise VerificationFailure(event.command_id, f"{event.type} at {event.timestamp}")
    verify_log(stage.store)
    return tender


def _quantiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return (0.0, 0.0)
    middle = values[len(values) // 2]
    return middle, values[min(len(values) - 1, int(len(values) * 0.99))]
