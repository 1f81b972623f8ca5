"""Where each projection has read up to, and the lock that keeps one runner per projection.

``projection_positions`` holds one row per projection: its version, the last log index
it applied (written in the same transaction as the rows it produced), and the error
that stopped it, if any. Log indexes may have gaps (PostgreSQL sequences), so the
position is always the last index applied, never a count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from ledger.store import LedgerStore
from projections.model import Projection

METADATA = sa.MetaData()
POSITIONS = sa.Table(
    "projection_positions",
    METADATA,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
)


@dataclass(frozen=True)
class StoredPosition:
    """One row of ``projection_positions``."""

    version: int
    position: int
    error: str | None


@dataclass(frozen=True)
class ProjectionStatus:
    """How far a projection has read: its position, the log's head and the gap between."""

    name: str
    version: int
    position: int
    head: int
    lag: int
    error: str | None


@contextmanager
def locked(engine: sa.Engine, name: str) -> Iterator[sa.Connection]:
    """A write transaction that no other runner of ``name`` holds at the same time.

    PostgreSQL: a transaction-scoped advisory lock on a stable hash of the name.
    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock up front.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(name))))
        yield connection


def lock_key(name: str) -> int:
    """A signed 64-bit key derived from ``name``, the same in every process."""
    digest = hashlib.blake2b(f"bidledger.projection:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ensure_positions(connection: sa.Connection) -> None:
    """Create the positions table if missing (on PostgreSQL, one creator at a time)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(POSITIONS.name))))
    POSITIONS.create(connection, checkfirst=True)


def read_position(connection: sa.Connection, name: str) -> StoredPosition | None:
    row = connection.execute(
        sa.select(POSITIONS.c.version, POSITIONS.c.position, POSITIONS.c.error).where(
            POSITIONS.c.name == name
        )
    ).first()
    return None if row is None else StoredPosition(int(row[0]), int(row[1]), row[2])


def write_position(
    connection: sa.Connection,
    name: str,
    *,
    version: int | None = None,
    position: int | None = None,
    error: str | None = None,
) -> None:
    """Update (or first insert) the row of ``name``; ``error`` is always overwritten."""
    values: dict[str, object] = {"updated_at": datetime.now(UTC), "error": error}
    if version is not None:
        values["version"] = version
    if position is not None:
        values["position"] = position
    updated = connection.execute(
        POSITIONS.update().where(POSITIONS.c.name == name).values(**values)
    )
    if updated.rowcount == 0:
        values.setdefault("version", 0)
        values.setdefault("position", 0)
        connection.execute(POSITIONS.insert().values(name=name, **values))


def status(
    engine: sa.Engine, store: LedgerStore, projections: Iterable[Projection] | None = None
) -> list[ProjectionStatus]:
    """Each projection's position and lag behind the log's head (registered ones by default).

    A projection never run shows position 0; rows of projections no longer registered
    are listed too, so nothing stale hides.
    """
    if projections is None:
        from projections.registry import PROJECTIONS

        projections = PROJECTIONS
    head = store.head()
    with engine.connect() as connection:
        stored: dict[str, StoredPosition] = {}
        if sa.inspect(connection).has_table(POSITIONS.name):
            for row in connection.execute(sa.select(POSITIONS)):
                stored[row.name] = StoredPosition(row.version, row.position, row.error)
    versions = {projection.name: projection.version for projection in projections}
    result = []
    for name in [*versions, *sorted(set(stored) - set(versions))]:
        found = stored.get(name, StoredPosition(versions.get(name, 0), 0, None))
        lag = max(head - found.position, 0)
        result.append(ProjectionStatus(name, found.version, found.position, head, lag, found.error))
    return result
