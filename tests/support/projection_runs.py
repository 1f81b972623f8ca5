"""Helpers for the runner's tests: the demo log on a file, test projections, table dumps.

Run as a module it is the child process of the kill test: it catches the example
projection up slowly, in tiny batches, until it is killed::

    python -m tests.support.projection_runs URL --batch 3 --delay 0.01 [--pause-at N --marker F]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from commands import seed
from commands.demo_script import play
from commands.service import LedgerService
from commands.world import World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.events import LedgerEvent
from ledger.store import LedgerStore
from projections.examples import EventCounts
from projections.model import Projection
from projections.runner import ProjectionRunner, engine_for


def play_demo(url: str) -> None:
    """The whole seed tender (the demo's commands) written to ``url``."""
    store = LedgerStore(url)
    try:
        clock = FixedClock(seed.beijing("2020-12-20 09:00"))
        platform = Signer.generate()
        service = LedgerService(store, clock, platform=platform, platform_id=seed.PLATFORM)
        play(World(service, clock))
    finally:
        store.close()


class SlowEventCounts(EventCounts):
    """The example projection, taking ``delay`` seconds per event (same name and version).

    With ``pause_at``, once it has applied the event at that log index (its rows written,
    not yet committed) it creates ``marker`` and waits there, to be killed mid-batch.
    """

    def __init__(self, delay: float, pause_at: int = 0, marker: Path | None = None) -> None:
        super().__init__()
        self.delay = delay
        self.pause_at = pause_at
        self.marker = marker

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        super().apply(connection, event, position)
        if position == self.pause_at and self.marker is not None:
            self.marker.write_text(str(position))
            time.sleep(60)
        time.sleep(self.delay)


class FailingOn(EventCounts):
    """The example projection with a fault: it raises on every event of one type."""

    def __init__(self, event_type: str) -> None:
        super().__init__()
        self.event_type = event_type

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        if type(event).__name__ == self.event_type:
            raise RuntimeError(f"cannot project {self.event_type}")
        super().apply(connection, event, position)


def rows(engine: sa.Engine, projection: Projection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ``projection``, sorted: for comparing two builds."""
    dump = {}
    with engine.connect() as connection:
        for table in projection.tables(sa.MetaData()):
            found = connection.execute(sa.select(table)).all()
            dump[table.name] = sorted(tuple(row) for row in found)
    return dump


def log_ids(store: LedgerStore) -> list[int]:
    return [int(notification.id) for notification in store.log()]


def stream_counts(store: LedgerStore) -> dict[str, int]:
    counts: dict[str, int] = {}
    for notification in store.log():
        stream = str(notification.originator_id)
        counts[stream] = counts.get(stream, 0) + 1
    return counts


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--batch", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.01)
    parser.add_argument("--pause-at", type=int, default=0)
    parser.add_argument("--marker", type=Path)
    options = parser.parse_args()
    store = LedgerStore(options.url)
    projection = SlowEventCounts(options.delay, options.pause_at, options.marker)
    runner = ProjectionRunner(store, engine_for(store), projection)
    runner.catch_up(batch_size=options.batch)


if __name__ == "__main__":
    _main()
