"""The plain ``eventsourcing`` library, with none of the ledger: the baselines' side.

:class:`PlainApplication` keeps its events in its own table (``plainapplication_events``)
of the same database; :func:`fill_like` first copies the ledger's events into it, so the
baseline appends to a table as large as the ledger's log.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

LEDGER_TABLE = "application_events"
PLAIN_TABLE = "plainapplication_events"
_COLUMNS = "id, originator_id, originator_version, topic, state"


class Entry(Aggregate):
    """A plain aggregate whose events carry a JSON payload."""

    @event("Opened")
    def __init__(self, payload: dict[str, Any]) -> None:
        self.count = 1

    @event("Recorded")
    def record(self, payload: dict[str, Any]) -> None:
        self.count += 1


class PlainApplication(Application[UUID]):
    """Load an aggregate, add an event, save it: one transaction per save."""

    def __init__(self, url: str) -> None:
        super().__init__(
            env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url}
        )

    def open_entry(self, payloads: list[dict[str, Any]]) -> UUID:
        """A new aggregate with one event per payload, saved at once."""
        entry = Entry(payloads[0])
        for payload in payloads[1:]:
            entry.record(payload)
        self.save(entry)
        return entry.id

    def append(self, entry_id: UUID, payload: dict[str, Any]) -> None:
        """The baseline of one command: load the aggregate, add one event, save."""
        entry: Entry = self.repository.get(entry_id)
        entry.record(payload)
        self.save(entry)

    def append_many(self, entry_id: UUID, payloads: list[dict[str, Any]]) -> None:
        """The baseline of a batch: load the aggregate, add the events, save them at once."""
        entry: Entry = self.repository.get(entry_id)
        for payload in payloads:
            entry.record(payload)
        self.save(entry)


def ledger_application(url: str) -> Application[UUID]:
    """The library's application on the ledger's own table (read-only use)."""
    return Application(
        env={"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url}
    )


def read_all(application: Application[UUID], batch: int = 500) -> int:
    """Select the notification log in batches and decode every record; the count."""
    count, start = 0, 1
    while notifications := application.recorder.select_notifications(start, batch):
        for notification in notifications:
            application.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count


def fill_like(url: str) -> int:
    """Copy every row of the ledger's event table into the plain table; the rows copied."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    f"INSERT INTO {PLAIN_TABLE} ({_COLUMNS}) SELECT {_COLUMNS} FROM {LEDGER_TABLE}"
                )
            )
            count = connection.execute(sa.text(f"SELECT count(*) FROM {PLAIN_TABLE}")).scalar()
            if engine.dialect.name == "postgresql":
                reset_sequence(connection, PLAIN_TABLE)
    finally:
        engine.dispose()
    return int(count or 0)


def reset_sequence(connection: sa.Connection, table: str) -> None:
    """After rows were inserted with their ids, let PostgreSQL number the next one."""
    connection.execute(
        sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    )


def close(application: Application[UUID]) -> None:
    """Close the application and its engine's connections."""
    recorder: Any = application.recorder
    application.close()
    engine = getattr(recorder.datastore, "engine", None)
    if engine is not None:
        engine.dispose()
