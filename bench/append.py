"""Appending: the ledger's full write path beside the plain library's load-and-save.

On a copy of a generated log, the bench publishes one fresh tender per repetition (three
lots, ten bidders who obtain the documents; untimed), then times, per repetition:

- ours: sealed bids submitted one command per transaction through
  ``LedgerService.execute``: signature and key check, the rules, canonical form, hash
  chain, store, Merkle tree (and a batch checkpoint every 64 events), signed receipt.
  Sealing and signing happen before the timer starts: they are the bidder's work.
- baseline: the plain ``eventsourcing`` library loading an aggregate and saving one
  event, in its own table of the same database holding a copy of the same log, on an
  aggregate that mirrors the tender (its events carry the same signed commands as
  payloads).

The two alternate (ours first in even repetitions) so that drift hits both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from bench import cast
from bench.baseline import PlainApplication, close, fill_like
from bench.loggen import BIDDERS_PER_TENDER, tender_terms
from bench.stats import Comparison
from commands.messages import ObtainDocuments, SubmitBid
from ledger.clock import FixedClock
from ledger.envelope import SignedCommand
from ledger.store import LedgerStore

LOTS = 3
PER_TENDER = LOTS * BIDDERS_PER_TENDER
BATCH_METHOD = "execute_many"
"""The service's batch method; measured as soon as ``LedgerService`` has one."""
BATCH_SIZE = 10
_TICK = timedelta(seconds=1)


@dataclass
class Repetition:
    """One repetition's work: the signed bids, and the baseline aggregate mirroring it."""

    commands: list[SignedCommand]
    entry: UUID

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [command.to_json() for command in self.commands]


@dataclass
class AppendRun:
    """Per repetition, each call's latency in seconds (a call appends ``per_call`` events)."""

    size: int
    backend: str
    per_call: int = 1
    ours: list[list[float]] = field(default_factory=list)
    baseline: list[list[float]] = field(default_factory=list)

    def comparison(self, name: str) -> Comparison:
        result = Comparison(
            name,
            "events/s",
            "LedgerService" + (f".{BATCH_METHOD}" if self.per_call > 1 else ".execute"),
            "eventsourcing load + save",
            extra={"size": self.size, "backend": self.backend, "per_call": self.per_call},
        )
        for ours, baseline in zip(self.ours, self.baseline, strict=True):
            result.add(self._rate(ours), self._rate(baseline))
        result.extra["ours_latency_ms"] = _latencies(self.ours)
        result.extra["baseline_latency_ms"] = _latencies(self.baseline)
        return result

    def _rate(self, latencies: list[float]) -> float:
        return self.per_call * len(latencies) / sum(latencies)


class AppendBench:
    """The ledger service and the plain library on one database (a scratch copy)."""

    def __init__(self, url: str, last_time: datetime) -> None:
        self.store = LedgerStore(url)
        self.clock = FixedClock(last_time + timedelta(hours=1))
        self.service = cast.service(self.store, self.clock)
        self.plain = PlainApplication(url)
        fill_like(url)

    def close(self) -> None:
        self.store.close()
        close(self.plain)

    def prepare(self, label: str, repetitions: int, per_rep: int) -> list[Repetition]:
        """Publish one tender per repetition, bidders obtain its documents; seal the bids."""
        if not 1 <= per_rep <= PER_TENDER:
            raise ValueError(f"per_rep must be 1 to {PER_TENDER}, found {per_rep}")
        start = self.clock.now()
        agency = cast.actor(cast.AGENCY, "agency")
        codes = [f"APPEND-{label}-{number:03d}" for number in range(repetitions)]
        setups = [[agency.sign(tender_terms(code, start, lots=LOTS))] for code in codes]
        for setup in setups:
            self._run(setup[0])
        self.clock.set(start + timedelta(days=1))
        bidders = [cast.bidder(m) for m in range(BIDDERS_PER_TENDER)]
        for code, setup in zip(codes, setups, strict=True):
            for bidder in bidders:
                setup.append(cast.actor(bidder, "bidder").sign(ObtainDocuments(code)))
                self._run(setup[-1])
        return [
            Repetition(_bids(code, bidders, per_rep), self._mirror(setup))
            for code, setup in zip(codes, setups, strict=True)
        ]

    def single(self, work: list[Repetition], size: int, backend: str) -> AppendRun:
        """Time each bid alone, and each baseline append alone."""
        run = AppendRun(size, backend)
        for number, rep in enumerate(work):

            def ours(rep: Repetition = rep) -> list[float]:
                return [self._timed(self.service.execute, command) for command in rep.commands]

            def plain(rep: Repetition = rep) -> list[float]:
                return [_time(partial(self.plain.append, rep.entry, p)) for p in rep.payloads]

            _alternate(number, run, ours, plain)
        return run

    def batch_missing(self) -> str | None:
        """Why batched appends cannot be measured; None once the service can batch."""
        if getattr(self.service, BATCH_METHOD, None) is None:
            return f"LedgerService has no {BATCH_METHOD}(): it appends one command per transaction"
        return None

    def batched(self, work: list[Repetition], size: int, backend: str) -> AppendRun:
        """Time bids in batches of ``BATCH_SIZE`` through the service's batch method."""
        method = getattr(self.service, BATCH_METHOD)
        run = AppendRun(size, backend, per_call=BATCH_SIZE)
        for number, rep in enumerate(work):

            def ours(rep: Repetition = rep) -> list[float]:
                return [self._timed(method, chunk) for chunk in _chunks(rep.commands)]

            def plain(rep: Repetition = rep) -> list[float]:
                append = partial(self.plain.append_many, rep.entry)
                return [_time(partial(append, p)) for p in _chunks(rep.payloads)]

            _alternate(number, run, ours, plain)
        return run

    def _run(self, command: SignedCommand) -> None:
        self.clock.advance(_TICK)
        self.service.execute(command)

    def _timed(self, execute: Callable[[Any], object], argument: Any) -> float:
        self.clock.advance(_TICK)
        return _time(lambda: execute(argument))

    def _mirror(self, setup: list[SignedCommand]) -> UUID:
        return self.plain.open_entry([command.to_json() for command in setup])


def _bids(code: str, bidders: list[str], count: int) -> list[SignedCommand]:
    pairs = [(lot, bidder) for lot in range(1, LOTS + 1) for bidder in bidders][:count]
    return [
        cast.actor(bidder, "bidder").sign(
            SubmitBid(code, str(lot), cast.sealed_bid(code, str(lot), bidder, "420000.00"))
        )
        for lot, bidder in pairs
    ]


def _alternate(
    number: int,
    run: AppendRun,
    ours: Callable[[], list[float]],
    plain: Callable[[], list[float]],
) -> None:
    if number % 2 == 0:
        run.ours.append(ours())
        run.baseline.append(plain())
    else:
        run.baseline.append(plain())
        run.ours.append(ours())


def _time(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]


def _latencies(repetitions: list[list[float]]) -> dict[str, float]:
    """Median and 90th percentile of every call's latency, in milliseconds."""
    values = sorted(latency * 1000 for rep in repetitions for latency in rep)
    return {"median": values[len(values) // 2], "p90": values[int(len(values) * 0.9)]}


def growth(figures: list[Any]) -> list[Comparison]:
    """Per backend, one command's cost at the largest log ÷ its cost at the smallest, per
    repetition (median latencies), for ours and the baseline: a cost that does not grow with
    the log stays near 1."""
    found: list[Comparison] = []
    for backend in ("SQLite", "PostgreSQL"):
        series = sorted(
            (f for f in figures if isinstance(f, Comparison) and f.name == f"append ({backend})"),
            key=lambda figure: int(figure.extra["size"]),
        )
        if len(series) < 2:
            continue
        small, large = series[0], series[-1]
        result = Comparison(
            f"append cost growth ({backend})",
            "×",
            f"execute: cost at {large.extra['size']:,} ÷ at {small.extra['size']:,}",
            "load + save: the same",
            extra={"size": large.extra["size"], "from_size": small.extra["size"]},
        )
        for ours_small, ours_large, base_small, base_large in zip(
            small.ours, large.ours, small.baseline, large.baseline, strict=True
        ):
            result.add(ours_small / ours_large, base_small / base_large)  # rates: inverse cost
        found.append(result)
    return found
