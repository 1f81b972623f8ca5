"""Persistence wiring: the eventsourcing application over SQLAlchemy (SQLite or PostgreSQL).

The database is a SQLAlchemy URL. The store loads and saves aggregates, turns a version
clash into :class:`ConcurrencyConflict`, and reads the stored log back for verification.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.errors import ConcurrencyConflict, InvalidInput, NotFound
from ledger.events import SignedAggregate

DEFAULT_URL = "sqlite:///bidledger.db"
A = TypeVar("A", bound=SignedAggregate)


@dataclass(frozen=True)
class SavedEvent:
    """Where an event landed: its stream, version, hash and global log index."""

    stream: UUID
    version: int
    event_hash: str
    log_index: int


class LedgerStore:
    """The event store of one database."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        if "://" not in url:
            raise InvalidInput(f"database must be a SQLAlchemy URL, got {url!r}")
        self.url = url
        self._app: Application[UUID] = Application(
            env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url}
        )

    def load(self, aggregate_class: type[A], stream: UUID) -> A:
        """The aggregate as of its last event; :class:`NotFound` if the stream is empty."""
        try:
            aggregate: object = self._app.repository.get(stream)
        except AggregateNotFoundError:
            raise NotFound(f"no {aggregate_class.__name__.lower()} with id {stream}") from None
        if not isinstance(aggregate, aggregate_class):
            raise NotFound(f"{stream} is not a {aggregate_class.__name__.lower()}")
        return aggregate

    def load_at(self, aggregate_class: type[A], stream: UUID, version: int) -> A:
        """The aggregate as its event ``version`` left it (for read models and replays)."""
        try:
            aggregate: object = self._app.repository.get(stream, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {aggregate_class.__name__.lower()} {stream} v{version}") from None
        if not isinstance(aggregate, aggregate_class) or aggregate.version != version:
            raise NotFound(f"no {aggregate_class.__name__.lower()} {stream} v{version}")
        return aggregate

    def exists(self, stream: UUID) -> bool:
        return bool(self._app.recorder.select_events(stream, limit=1))

    def save(self, aggregate: SignedAggregate) -> list[SavedEvent]:
        """Append the aggregate's new events in one transaction."""
        try:
            recordings = self._app.save(aggregate)
        except IntegrityError:
            raise ConcurrencyConflict(
                f"stream {aggregate.id} was changed by another writer; reload and retry"
            ) from None
        saved = []
        for recording in recordings:
            event: Any = recording.domain_event
            saved.append(
                SavedEvent(
                    event.originator_id,
                    event.originator_version,
                    event.event_hash,
                    recording.notification.id,
                )
            )
        return saved

    def event_at(self, stream: UUID, version: int) -> Any:
        """One stored event, decoded."""
        events = list(self._app.events.get(stream, gt=version - 1, lte=version))
        if not events:
            raise NotFound(f"no event {stream} v{version}")
        return events[0]

    def log(self, start: int = 1, batch: int = 500) -> Iterator[Any]:
        """Every stored notification in global order, raw (for verification)."""
        while True:
            notifications = self._app.recorder.select_notifications(start, batch)
            if not notifications:
                return
            yield from notifications
            start = notifications[-1].id + 1

    def head(self) -> int:
        """The last log index (notification id) stored; 0 for an empty log."""
        return int(self._app.recorder.max_notification_id() or 0)

    def decode(self, stored: StoredEvent) -> Any:
        """Turn a stored record into its domain event (may raise on damaged data)."""
        return self._app.mapper.to_domain_event(stored)

    def log_index_of(self, stream: UUID, version: int) -> int:
        """The global log index (notification id) of one stored event."""
        recorder: Any = self._app.recorder
        record_class = recorder.events_record_cls
        with recorder.transaction(commit=False) as session:
            found = (
                session.query(record_class.id)
                .filter(record_class.originator_id == stream)
                .filter(record_class.originator_version == version)
                .scalar()
            )
        if found is None:
            raise NotFound(f"no event {stream} v{version}")
        return int(found)

    def close(self) -> None:
        """Close every connection (on SQLite this folds the write-ahead log into the file)."""
        recorder: Any = self._app.recorder
        self._app.close()
        engine = getattr(recorder.datastore, "engine", None)
        if engine is not None:
            engine.dispose()
