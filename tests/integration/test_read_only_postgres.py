"""On PostgreSQL a reading command's session is read-only: the server itself refuses a write.

Skipped with a reason when BIDLEDGER_TEST_PG_URL is unset; ``make test`` always sets it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commands.world import World
from ledger.database import read_only_url
from ledger.store import LedgerStore
from tests.support.cli import run_main


@pytest.fixture
def database_url(pg_url: str) -> str:
    """Runs the shared ``world`` fixture on PostgreSQL."""
    return pg_url


def test_verify_on_postgresql_reads_in_a_read_only_session(
    world: World, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world.service.store.close()
    run = run_main(capsys, "verify", "--db", pg_url)
    assert run.code == 0, run.err
    engine = sa.create_engine(read_only_url(pg_url))
    try:
        with (
            pytest.raises(sa.exc.InternalError, match="read-only transaction"),
            engine.begin() as connection,
        ):
            connection.exec_driver_sql("CREATE TABLE intruder (x INTEGER)")
    finally:
        engine.dispose()
    store = LedgerStore(pg_url, read_only=True)
    try:
        assert store.head() > 0
    finally:
        store.close()


def test_an_empty_postgresql_database_is_no_ledger_and_stays_empty(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = run_main(capsys, "verify", "--db", pg_url).refused()
    assert "is not a bidledger ledger: it has no application_events table" in line
    assert "password" not in line
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as connection:
            assert sa.inspect(connection).get_table_names() == []
    finally:
        engine.dispose()
