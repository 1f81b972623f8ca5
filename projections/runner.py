"""The catch-up runner: follows the notification log into one projection's tables (R3).

Each batch is one transaction that applies the batch's events in log order and moves
the projection's position to the last log index applied, so a runner killed at any
moment resumes with no event applied twice and none skipped. A failing event stops the
projection exactly after the last good one, with the reason recorded in its position
row. Written by hand because the eventsourcing library's projection runners need
database subscriptions, which SQLite lacks; polling the log works the same everywhere.
One runner per projection at a time: each batch holds a lock (see ``positions.locked``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, TextIO

import sqlalchemy as sa

from ledger.errors import LedgerError, NotFound
from ledger.events import LedgerEvent
from ledger.store import LedgerStore
from projections.model import Projection
from projections.positions import (
    ensure_positions,
    locked,
    read_position,
    write_position,
)

Progress = Callable[[int, int], None]
"""Called after each batch with (position reached, head of the log)."""


class ProjectionFailed(LedgerError):
    """A projection stopped at ``position`` (its last good event) because of ``message``."""

    def __init__(self, name: str, position: int, message: str) -> None:
        self.name = name
        self.position = position
        self.message = message
        super().__init__(f"projection {name} stopped after log index {position}: {message}")


class _EventFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def engine_for(store: LedgerStore, url: str | None = None) -> sa.Engine:
    """The engine of the read models: the events' own database unless ``url`` is given."""
    url = url or store.url
    if url.startswith("sqlite"):
        return sa.create_engine(url, connect_args={"timeout": 30})
    return sa.create_engine(url)


class ProjectionRunner:
    """Keeps one projection's tables up to date with the log."""

    def __init__(self, store: LedgerStore, engine: sa.Engine, projection: Projection) -> None:
        self.store = store
        self.engine = engine
        self.projection = projection
        self._metadata = sa.MetaData()
        self._tables = projection.tables(self._metadata)

    @property
    def name(self) -> str:
        return self.projection.name

    def catch_up(
        self,
        batch_size: int = 200,
        progress: Progress | None = None,
        stop_after: int | None = None,
    ) -> int:
        """Apply every event after the stored position (at most ``stop_after``); the count.

        Clears a recorded error first and retries from the position; rebuilds from
        scratch when the projection's version differs from the stored one.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._prepare()
        head = self.store.head()
        applied = 0
        while stop_after is None or applied < stop_after:
            limit = batch_size if stop_after is None else min(batch_size, stop_after - applied)
            count, position = self._batch(limit)
            if count == 0:
                break
            applied += count
            if progress is not None:
                progress(position, max(head, position))
        return applied

    def reset(self) -> None:
        """Drop and recreate the tables and set the position to 0, in one transaction."""
        with locked(self.engine, self.name) as connection:
            ensure_positions(connection)
            self._recreate(connection)

    def rebuild(self, batch_size: int = 200, progress: Progress | None = None) -> int:
        """Reset, then replay the whole log; the number of events applied."""
        self.reset()
        return self.catch_up(batch_size, progress)

    def follow(
        self,
        poll_interval: float = 0.5,
        until: Callable[[], bool] = lambda: False,
        batch_size: int = 200,
    ) -> int:
        """Catch up, then poll the log every ``poll_interval`` s until ``until()`` is true."""
        applied = 0
        while True:
            applied += self.catch_up(batch_size)
            if until():
                return applied
            time.sleep(poll_interval)

    def _prepare(self) -> None:
        with locked(self.engine, self.name) as connection:
            ensure_positions(connection)
            stored = read_position(connection, self.name)
            if stored is None or stored.version != self.projection.version:
                self._recreate(connection)
                return
            self._metadata.create_all(connection, checkfirst=True)
            if stored.error is not None:
                write_position(connection, self.name, error=None)

    def _recreate(self, connection: sa.Connection) -> None:
        self._metadata.drop_all(connection, checkfirst=True)
        self._metadata.create_all(connection)
        write_position(
            connection, self.name, version=self.projection.version, position=0, error=None
        )

    def _batch(self, limit: int) -> tuple[int, int]:
        """Apply up to ``limit`` events in one transaction: (events applied, position)."""
        notifications: list[Any] = []
        position = 0
        try:
            with locked(self.engine, self.name) as connection:
                stored = read_position(connection, self.name)
                if stored is None:
                    raise NotFound(f"projection {self.name} has no position row")
                position = stored.position
                notifications = list(islice(self.store.log(position + 1, limit), limit))
                self.apply_all(connection, [(n, self._decode(n)) for n in notifications])
                if notifications:
                    position = int(notifications[-1].id)
                    write_position(connection, self.name, position=position)
        except _EventFailed as failure:
            if len(notifications) > 1:
                return self._one_by_one(len(notifications))
            self._record(failure.message)
            raise ProjectionFailed(self.name, position, failure.message) from failure.__cause__
        return len(notifications), position

    def _one_by_one(self, count: int) -> tuple[int, int]:
        """Retry a failed batch one event per transaction, to stop at the last good one."""
        applied, position = 0, 0
        for _ in range(count):
            done, position = self._batch(1)
            if done == 0:
                break
            applied += done
        return applied, position

    def apply_all(self, connection: sa.Connection, decoded: list[tuple[Any, Any]]) -> None:
        """Fold decoded log entries ((notification, event or the error decoding it)) into
        the projection: at once if it takes batches, else one by one."""
        batch = getattr(self.projection, "apply_batch", None)
        if batch is None or len(decoded) < 2:
            for notification, event in decoded:
                self._apply(connection, notification, event)
            return
        events = []
        for notification, event in decoded:
            if isinstance(event, Exception):
                raise _EventFailed(_describe(notification, event))
            events.append((event, int(notification.id)))
        try:
            batch(connection, events)
        except Exception as exc:  # which event it was is found one by one (see _batch)
            raise _EventFailed(_describe(decoded[-1][0], exc)) from exc

    def _decode(self, notification: Any) -> Any:
        """The ledger event of a log entry, or the error decoding it (raised when applied)."""
        try:
            event = self.store.decode(notification)
            if not isinstance(event, LedgerEvent):
                raise TypeError(f"{event.type} is not a ledger event")
        except Exception as exc:  # a damaged entry stops the projection when it is reached
            return exc
        return event

    def _apply(self, connection: sa.Connection, notification: Any, event: Any) -> None:
        try:
            if isinstance(event, Exception):
                raise event
            self.projection.apply(connection, event, int(notification.id))
        except Exception as exc:  # whatever the projection raises stops it here, named
            raise _EventFailed(_describe(notification, exc)) from exc

    def _record(self, message: str) -> None:
        with locked(self.engine, self.name) as connection:
            write_position(connection, self.name, error=message)


def _describe(notification: Any, exc: Exception) -> str:
    event_type = str(notification.topic).rpartition(":")[2]
    return (
        f"event at log index {notification.id} (stream {notification.originator_id} "
        f"v{notification.originator_version}, type {event_type}): {type(exc).__name__}: {exc}"
    )


def runner_for(
    name: str,
    store: LedgerStore,
    engine: sa.Engine,
    projections: Iterable[Projection] | None = None,
) -> ProjectionRunner:
    """The runner of the projection called ``name`` (registered ones by default)."""
    if projections is None:
        from projections.registry import PROJECTIONS

        projections = PROJECTIONS
    known = {projection.name: projection for projection in projections}
    if name not in known:
        raise NotFound(f"no projection {name!r}; known: {', '.join(sorted(known)) or 'none'}")
    return ProjectionRunner(store, engine, known[name])


def rebuild(
    name: str,
    store: LedgerStore,
    engine: sa.Engine,
    progress: Progress | None = None,
    projections: Iterable[Projection] | None = None,
) -> int:
    """Drop and rebuild one projection from the whole log; the number of events applied."""
    return runner_for(name, store, engine, projections).rebuild(progress=progress)


class TextProgress:
    """A one-line text progress bar (default on stderr): ``label [####......] 57/114``."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.width = width
        self._stream = stream if stream is not None else sys.stderr
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width if total <= 0 else min(self.width, self.width * done // total)
        bar = "#" * filled + "." * (self.width - filled)
        self._stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the line (if anything was drawn)."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
