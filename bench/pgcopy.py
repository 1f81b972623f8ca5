"""A generated SQLite log copied into a fresh PostgreSQL database, row for row.

Generating on PostgreSQL would take as long as on SQLite, every run (the server is
thrown away); copying the cached file's tables takes seconds. The ledger creates its own
tables on the new database first, so each column has the type it has in production.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from bench import cast
from bench.baseline import LEDGER_TABLE, reset_sequence
from ledger.clock import FixedClock
from ledger.store import LedgerStore

_CHUNK = 5_000


@contextmanager
def postgres_copy(sqlite_url: str, server_url: str, label: str) -> Iterator[str]:
    """A new database on ``server_url`` holding the log of ``sqlite_url``; dropped after."""
    name = f"bidledger_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        copy_into(sqlite_url, url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def server_version(server_url: str) -> str:
    engine = sa.create_engine(server_url)
    try:
        with engine.connect() as connection:
            return str(connection.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


def copy_into(sqlite_url: str, url: str) -> None:
    """Copy the log of ``sqlite_url`` into the empty PostgreSQL database ``url``."""
    _create_tables(url)
    _copy_rows(sqlite_url, url)


def _create_tables(url: str) -> None:
    """The ledger's own tables: the event store, the Merkle tree and checkpoints."""
    store = LedgerStore(url)
    try:
        cast.service(store, FixedClock(cast.REGISTRATION_START))
    finally:
        store.close()


def _copy_rows(source_url: str, target_url: str) -> None:
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    try:
        present = set(sa.inspect(source).get_table_names())
        wanted = sa.MetaData()
        wanted.reflect(target)
        with source.connect() as reading, target.begin() as writing:
            for name, table in wanted.tables.items():
                if name in present:
                    _copy_table(reading, writing, table)
            reset_sequence(writing, LEDGER_TABLE)
    finally:
        source.dispose()
        target.dispose()


def _copy_table(reading: sa.Connection, writing: sa.Connection, target: sa.Table) -> None:
    """Rows as SQLite stores them (no type processing), converted where PostgreSQL differs."""
    names = [column.name for column in target.columns]
    uuids = {c.name for c in target.columns if isinstance(c.type, sa.Uuid)}
    columns = ", ".join(f'"{name}"' for name in names)
    rows = reading.exec_driver_sql(f'SELECT {columns} FROM "{target.name}"')
    while chunk := rows.fetchmany(_CHUNK):
        writing.execute(target.insert(), [_converted(names, row, uuids) for row in chunk])


def _converted(names: list[str], row: Any, uuids: set[str]) -> dict[str, Any]:
    values = dict(zip(names, row, strict=True))
    for name in uuids:
        if isinstance(values[name], bytes | bytearray):
            values[name] = uuid.UUID(bytes=bytes(values[name]))
    return values
