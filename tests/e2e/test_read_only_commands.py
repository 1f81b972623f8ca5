"""Commands that only read a ledger open it read-only and leave every byte of it as it was.

On the demo's SQLite file each reading command succeeds and the database file is unchanged,
byte for byte, with no table added; the only files SQLite may add beside a write-ahead-log
database are its own ``-wal`` and ``-shm`` (a reader needs them). On PostgreSQL the session
is read-only (tests/integration/test_read_only_postgres.py).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.database import read_only_url
from tests.support.cli import DemoFiles, run_main

CODE = "XFZFCG-2020-33"
READERS = {
    "verify": ("verify",),
    "audit": ("audit", CODE),
    "audit as of": ("audit", CODE, "--as-of", "2021-01-16T09:00"),
    "replay": ("replay", CODE, "--at", "2021-01-19T09:00"),
    "overview": ("overview",),
    "checkpoint": ("checkpoint",),
    "prove": ("prove", "3"),
    "export": ("export", CODE, "-o", "{folder}/bundle.json"),
    "projections status": ("projections", "status"),
}
SIDECARS = {"-wal", "-shm"}


@pytest.fixture
def demo_file(demo_files: DemoFiles) -> Path:
    """The demo's database, with its read models caught up (so that verify compares them)."""
    return demo_files.database


def _tables(path: Path) -> list[str]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master"))
    finally:
        connection.close()


@pytest.mark.parametrize("argv", READERS.values(), ids=READERS.keys())
def test_a_reading_command_leaves_the_ledger_file_byte_for_byte_as_it_was(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    folder = tmp_path / "copy"
    folder.mkdir()
    database = folder / "demo.db"
    shutil.copy(demo_file, database)
    digest, tables = hashlib.sha256(database.read_bytes()).hexdigest(), _tables(database)
    args = [arg.format(folder=tmp_path) for arg in argv]
    run = run_main(capsys, *args, "--db", f"sqlite:///{database}")
    assert run.code == 0, run.err
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest
    assert _tables(database) == tables
    added = {path.name.removeprefix("demo.db") for path in folder.iterdir()} - {""}
    assert added <= SIDECARS


def test_a_read_only_store_cannot_write_to_sqlite(demo_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo.db"
    shutil.copy(demo_file, copy)
    engine = sa.create_engine(read_only_url(f"sqlite:///{copy}"))
    try:
        with (
            pytest.raises(sa.exc.OperationalError, match="readonly database"),
            engine.begin() as connection,
        ):
            connection.exec_driver_sql("CREATE TABLE intruder (x INTEGER)")
    finally:
        engine.dispose()
    assert "intruder" not in _tables(copy)


def test_an_unusual_file_name_is_opened_read_only_all_the_same(
    demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a folder with #odd %chars"
    folder.mkdir()
    database = folder / "demo copy #1.db"
    shutil.copy(demo_file, database)
    run = run_main(capsys, "checkpoint", "--db", f"sqlite:///{database}")
    assert run.code == 0, run.err
    assert run.out.startswith("bidledger.")
