"""The deadline rush: many clients (threads in several processes) on one tender's last seconds.

On a database holding the benchmark registry, one tender is published and every bidder
obtains its documents. Then ``processes`` client processes of ``threads`` threads each (a
client is one bidder with its own ``LedgerService``) submit, withdraw and resubmit sealed
bids from ``lead`` seconds before the deadline to ``tail`` seconds after it, all on one
clock (the machine's, shifted to the tender's time). Afterwards :func:`check_rush` shows
what must hold: ``verify`` passes; no client saw an error; every accepted bid has a valid
receipt for the event that the log holds; the log holds no bid no client was told was
accepted; every bid lies under the one deadline checkpoint and before the deadline.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench import cast
from bench.loggen import tender_terms
from bench.rush_client import RushTiming, serve
from commands.messages import ObtainDocuments
from commands.service import LedgerService
from ledger.clock import FixedClock, format_time
from ledger.procedure.state import tender_stream
from ledger.receipts import Receipt, verify_receipt
from ledger.store import LedgerStore
from ledger.transparency import TreeStore, engine_of
from ledger.verification import verify_log

CODE = "RUSH-000001"
PUBLISHED = datetime.fromisoformat("2021-03-10T09:00:00+08:00")


@dataclass(frozen=True)
class RushResult:
    """What the rush did and what held afterwards."""

    clients: int
    processes: int
    commands: int
    accepted_bids: int
    withdrawals: int
    refused_after_deadline: int
    seconds: float
    latencies_ms: list[float]
    deadline_checkpoint_size: int

    @property
    def throughput(self) -> float:
        return self.commands / self.seconds

    def latency(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "processes": self.processes,
            "commands": self.commands,
            "accepted_bids": self.accepted_bids,
            "withdrawals": self.withdrawals,
            "refused_after_deadline": self.refused_after_deadline,
            "seconds": self.seconds,
            "throughput": self.throughput,
            "p50_ms": statistics.median(self.latencies_ms),
            "p99_ms": self.latency(0.99),
            "deadline_checkpoint_size": self.deadline_checkpoint_size,
        }


@dataclass(frozen=True)
class RushFigure:
    """The rushes run on one backend, and what they measured."""

    name: str
    backend: str
    results: list[RushResult]
    size: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": self.backend,
            "ratio": None,
            "repetitions": [result.as_dict() for result in self.results],
        }


class RushFailed(AssertionError):
    """A property the rush must keep did not hold."""


def stage(url: str, bidders: Sequence[str]) -> datetime:
    """Publish the rush's tender and let every bidder obtain its documents; its deadline."""
    store = LedgerStore(url)
    try:
        clock = FixedClock(PUBLISHED)
        service = LedgerService(
            store,
            clock,
            platform=cast.signer(cast.RECEIPTS),
            platform_id=cast.PLATFORM,
            log=cast.log_key(),
        )
        terms = tender_terms(CODE, PUBLISHED)
        service.execute(cast.actor(cast.AGENCY, "agency").sign(terms))
        clock.set(PUBLISHED + timedelta(days=1))
        obtain = [cast.actor(b, "bidder").sign(ObtainDocuments(CODE)) for b in bidders]
        service.execute_many(obtain)
    finally:
        store.close()
    return terms.timetable.deadline


def rush(
    url: str,
    bidders: Sequence[str],
    *,
    processes: int,
    lead: float = 3.0,
    tail: float = 1.0,
    checkpoint_every: int = 64,
) -> RushResult:
    """Stage the tender on ``url``, run the clients, check what must hold; the result."""
    deadline = stage(url, bidders)
    groups = [list(bidders[number::processes]) for number in range(processes)]
    records = _run(url, groups, deadline, lead, tail, checkpoint_every)
    return check_rush(url, records, deadline, processes)


def _run(
    url: str, groups: list[list[str]], deadline: datetime, lead: float, tail: float, every: int
) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    pipes, workers = [], []
    for group in groups:
        mine, theirs = context.Pipe()
        worker = context.Process(target=serve, args=(url, CODE, group, theirs))
        worker.start()
        pipes.append(mine)
        workers.append(worker)
    try:
        for pipe in pipes:
            if pipe.recv() != "ready":
                raise RushFailed("a client process did not start")
        start = time.time() + 0.5
        offset = deadline.timestamp() - lead - start
        timing = RushTiming(CODE, start, start + lead + tail, offset, every)
        for pipe in pipes:
            pipe.send(timing)
        records = [record for pipe in pipes for record in pipe.recv()]
    finally:
        for worker in workers:
            worker.join(timeout=60)
    return records


def check_rush(
    url: str, records: list[dict[str, Any]], deadline: datetime, processes: int
) -> RushResult:
    """Raise :class:`RushFailed` unless every property held; what was measured."""
    errors = [record for record in records if record["error"]]
    if errors:
        raise RushFailed(f"{len(errors)} command(s) failed, the first: {errors[0]['error']}")
    accepted = [r for r in records if r["accepted"] and r["command"] == "SubmitBid"]
    size = _check_log(url, accepted, deadline)
    started = min(r["started"] for r in records)
    finished = max(r["started"] + r["seconds"] for r in records)
    return RushResult(
        clients=len({r["client"] for r in records}),
        processes=processes,
        commands=len(records),
        accepted_bids=len(accepted),
        withdrawals=sum(1 for r in records if r["accepted"] and r["command"] == "WithdrawBid"),
        refused_after_deadline=sum(1 for r in records if r["rule"]),
        seconds=finished - started,
        latencies_ms=[1000 * r["seconds"] for r in records],
        deadline_checkpoint_size=size,
    )


def _check_log(url: str, accepted: list[dict[str, Any]], deadline: datetime) -> int:
    """verify passes; the accepted bids and the logged ones are the same, each with its
    receipt, all under the deadline checkpoint; its size."""
    store = LedgerStore(url)
    try:
        verify_log(store)
        logged = _bids_logged(store)
        size = _deadline_size(store)
    finally:
        store.close()
    _check_receipts(accepted, logged)
    ghosts = set(logged) - {r["command_id"] for r in accepted}
    if ghosts:
        raise RushFailed(f"{len(ghosts)} bid(s) in the log no client was told were accepted")
    for command_id, (leaf, moment, _) in logged.items():
        if leaf >= size or moment >= deadline:
            raise RushFailed(
                f"bid {command_id} at leaf {leaf}, {format_time(moment)}, is not under the "
                f"deadline checkpoint (size {size}) before {format_time(deadline)}"
            )
    return size


def _bids_logged(store: LedgerStore) -> dict[str, tuple[int, datetime, str]]:
    """command id -> (leaf index, time, event hash) of every bid the tender's stream holds."""
    tree = TreeStore(engine_of(store))
    found = {}
    for event in store.events(tender_stream(CODE)):
        if event.type == "BidSubmitted":
            leaf = tree.find(str(event.originator_id), event.originator_version)
            if leaf is None:
                raise RushFailed(f"bid {event.command_id} has no Merkle leaf")
            found[event.command_id] = (leaf.leaf_index, event.timestamp, event.event_hash)
    return found


def _deadline_size(store: LedgerStore) -> int:
    tender = str(tender_stream(CODE))
    checkpoints = TreeStore(engine_of(store)).checkpoints()
    deadlines = [c for c in checkpoints if c.reason == "deadline" and c.tender == tender]
    if len(deadlines) != 1:
        raise RushFailed(f"{len(deadlines)} deadline checkpoints for the tender, not one")
    return deadlines[0].size


def _check_receipts(accepted: list[dict[str, Any]], logged: dict[str, Any]) -> None:
    key = cast.signer(cast.RECEIPTS).public_key
    for record in accepted:
        if record["receipt"] is None:
            raise RushFailed(f"accepted bid {record['command_id']} came without a receipt")
        receipt = Receipt.from_json(record["receipt"])
        verify_receipt(receipt, key)
        if receipt.command_id not in logged:
            raise RushFailed(f"accepted bid {receipt.command_id} is missing from the log")
        if logged[receipt.command_id][2] != receipt.event_hash:
            raise RushFailed(f"the receipt of bid {receipt.command_id} names another event")
