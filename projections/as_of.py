"""Point-in-time replay (R3): the read models as they stood at any past instant.

The events stamped at or before the instant are fed, in log order, through the same
projection objects the runner keeps, into fresh tables of an in-memory SQLite database;
the same queries then read them. So "as of" holds for every model by construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from ledger.events import LedgerEvent
from ledger.store import LedgerStore
from projections.catalog import all_projections
from projections.model import Projection


def memory_engine() -> sa.Engine:
    """A private in-memory SQLite database (one connection, shared by every use)."""
    return sa.create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )


def replay_into(
    engine: sa.Engine,
    store: LedgerStore,
    projections: Sequence[Projection],
    at: datetime | None = None,
    *,
    upto: int | None = None,
) -> int:
    """Create the projections' tables on ``engine`` and apply every event stamped at or
    before ``at`` (all when None) and logged at or before log index ``upto`` (all when
    None), in log order; the number of events applied."""
    metadata = sa.MetaData()
    for projection in projections:
        projection.tables(metadata)
    applied = 0
    with engine.begin() as connection:
        metadata.create_all(connection)
        for notification in store.log():
            if upto is not None and notification.id > upto:
                break
            event = store.decode(notification)
            if not isinstance(event, LedgerEvent):
                raise TypeError(f"log index {notification.id} is not a ledger event")
            if at is not None and event.timestamp > at:
                continue
            for projection in projections:
                projection.apply(connection, event, int(notification.id))
            applied += 1
    return applied


@contextmanager
def as_of(
    store: LedgerStore,
    at: datetime | None,
    projections: Sequence[Projection] | None = None,
    *,
    upto: int | None = None,
) -> Iterator[sa.Engine]:
    """An engine holding the read models as of ``at`` (and log index ``upto``); disposed
    when the block ends."""
    engine = memory_engine()
    try:
        models = all_projections(store) if projections is None else projections
        replay_into(engine, store, models, at, upto=upto)
        yield engine
    finally:
        engine.dispose()


def table_rows(engine: sa.Engine, projections: Sequence[Projection]) -> dict[str, list[Any]]:
    """Every row of every projection table, by table name, sorted in Python (the same order
    on every database, whatever its collation): for comparing two builds."""
    metadata = sa.MetaData()
    tables = [table for projection in projections for table in projection.tables(metadata)]
    result: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in tables:
            found = connection.execute(sa.select(table))
            result[table.name] = sorted((tuple(row) for row in found), key=repr)
    return result
