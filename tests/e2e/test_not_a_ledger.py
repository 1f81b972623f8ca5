"""Nothing to verify is a failure: a database that holds no bidledger ledger is exit 2.

Every command that reads a ledger (verify, audit, replay, overview, checkpoint, prove, export,
projections status) is run on databases that are not one: a SQLite file of another
application (in rollback-journal and in WAL mode), an empty file, a SQLite database with no
tables, a ledger's event table with no events, another eventsourcing application's events, a
directory, random bytes, a missing file, an in-memory database. Each answers exit 2 with one
line and leaves every byte of the folder as it was: no table, no file, no ``-wal``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.database import EVENTS_TABLE
from ledger.store import LedgerStore
from tests.support.cli import run_main, snapshot

CODE = "XFZFCG-2020-33"
READERS = {
    "verify": ("verify",),
    "audit": ("audit", CODE),
    "replay": ("replay", CODE, "--at", "2021-01-19T09:00"),
    "overview": ("overview",),
    "checkpoint": ("checkpoint",),
    "prove": ("prove", "0"),
    "export": ("export", CODE, "-o", "{folder}/bundle.json"),
    "projections status": ("projections", "status"),
    "projections catch-up": ("projections", "catch-up"),
}


def _other_application(path: Path, *, wal: bool = False) -> str:
    with sqlite3.connect(path) as connection:
        if wal:
            connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)")
        connection.execute("INSERT INTO invoices (total) VALUES ('12.00')")
    connection.close()
    return "is not a bidledger ledger: it has no application_events table"


def _other_wal_application(path: Path) -> str:
    return _other_application(path, wal=True)


def _empty_file(path: Path) -> str:
    path.touch()
    return "is empty: not a bidledger ledger"


def _no_tables(path: Path) -> str:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 7")  # writes the header: a database, no tables
    connection.close()
    return "is not a bidledger ledger: it has no application_events table"


def _no_events(path: Path) -> str:
    LedgerStore(f"sqlite:///{path}").close()  # the writable store creates its empty table
    return "holds no events: there is no ledger to read"


def _other_event_store(path: Path) -> str:
    _no_events(path)
    with sqlite3.connect(path) as connection:
        connection.execute(
            f"INSERT INTO {EVENTS_TABLE} (id, originator_id, originator_version, topic, state) "
            "VALUES (1, ?, 1, 'shop.domain:Cart.Created', '{}')",
            (bytes(16),),
        )
    connection.close()
    return "is not a bidledger ledger: its first event ('shop.domain:Cart.Created') is not a"


def _directory(path: Path) -> str:
    path.mkdir()
    return "is a directory, not a database file"


def _random_bytes(path: Path) -> str:
    path.write_bytes(bytes(range(256)) * 40)
    return "is not a SQLite database file: not a bidledger ledger"


def _missing(path: Path) -> str:
    return "(no such file)"


FOREIGN: dict[str, Callable[[Path], str]] = {
    "another application's SQLite file": _other_application,
    "another application's SQLite file in WAL mode": _other_wal_application,
    "an empty file": _empty_file,
    "a SQLite database with no tables": _no_tables,
    "an event table with no events": _no_events,
    "another eventsourcing application": _other_event_store,
    "a directory": _directory,
    "a file that is not SQLite": _random_bytes,
    "a missing file": _missing,
}


@pytest.mark.parametrize("make", FOREIGN.values(), ids=FOREIGN.keys())
@pytest.mark.parametrize("argv", READERS.values(), ids=READERS.keys())
def test_a_database_that_is_no_ledger_is_exit_2_and_left_untouched(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], str],
    argv: tuple[str, ...],
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = folder / "foreign.db"
    expected = make(database)
    before = snapshot(folder)
    args = [arg.format(folder=folder) for arg in argv]
    line = run_main(capsys, *args, "--db", f"sqlite:///{database}").refused()
    assert line.startswith("error: ")
    assert expected in line
    assert snapshot(folder) == before


def test_verify_no_longer_creates_the_event_table_inside_a_foreign_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "invoices.db"
    _other_application(database)
    line = run_main(capsys, "verify", "--db", f"sqlite:///{database}").refused()
    assert "verified 0 events" not in line
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    connection.close()
    assert tables == ["invoices"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://", "an in-memory SQLite database holds no ledger"),
        ("sqlite:///:memory:", "an in-memory SQLite database holds no ledger"),
        ("not a url", "database must be a SQLAlchemy URL"),
        ("mysql://nobody@127.0.0.1/none", "unsupported database 'mysql'"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot read the database"),
    ],
    ids=["memory", "memory by name", "no URL", "another kind of database", "no server"],
)
def test_a_database_that_cannot_be_reached_is_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], url: str, expected: str
) -> None:
    line = run_main(capsys, "verify", "--db", url).refused()
    assert expected in line


def test_the_table_recognised_is_the_one_the_event_store_writes(tmp_path: Path) -> None:
    store = LedgerStore(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        recorder: Any = store._app.recorder
        assert recorder.events_table_name == EVENTS_TABLE
    finally:
        store.close()
