"""A small example projection, used by the runner's own tests: events applied, per stream.

``example_events`` holds one row per applied log index (its primary key makes a second
application of the same event fail loudly), ``example_streams`` the count and last
version per stream.
"""

from __future__ import annotations

import sqlalchemy as sa

from ledger.events import LedgerEvent


class EventCounts:
    """Counts the events of each stream; keeps one row per applied notification."""

    name = "example"
    version = 1

    def __init__(self) -> None:
        own = sa.MetaData()
        self._events = sa.Table(
            f"{self.name}_events",
            own,
            sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("stream", sa.String(36), nullable=False),
            sa.Column("version", sa.Integer, nullable=False),
            sa.Column("event_type", sa.String(100), nullable=False),
            sa.Column("event_hash", sa.String(64), nullable=False),
        )
        self._streams = sa.Table(
            f"{self.name}_streams",
            own,
            sa.Column("stream", sa.String(36), primary_key=True),
            sa.Column("events", sa.Integer, nullable=False),
            sa.Column("last_version", sa.Integer, nullable=False),
        )

    def tables(self, metadata: sa.MetaData) -> list[sa.Table]:
        return [self._events.to_metadata(metadata), self._streams.to_metadata(metadata)]

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        events, streams = self._events, self._streams
        stream = str(event.originator_id)
        connection.execute(
            events.insert().values(
                position=position,
                stream=stream,
                version=event.originator_version,
                event_type=event.type,
                event_hash=event.event_hash,
            )
        )
        updated = connection.execute(
            streams.update()
            .where(streams.c.stream == stream)
            .values(events=streams.c.events + 1, last_version=event.originator_version)
        )
        if updated.rowcount == 0:
            connection.execute(
                streams.insert().values(
                    stream=stream, events=1, last_version=event.originator_version
                )
            )
