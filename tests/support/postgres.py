"""A fresh, empty PostgreSQL database per test, on the server named by BIDLEDGER_TEST_PG_URL.

``make test`` starts a throwaway server (scripts/pg.sh) and sets the variable; run by hand
without it, the PostgreSQL tests are skipped with the reason. If the variable is set but
the server cannot be reached, the tests fail: they never skip silently under ``make test``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from uuid import uuid4

import pytest
import sqlalchemy as sa

PG_URL_VARIABLE = "BIDLEDGER_TEST_PG_URL"
SKIP_REASON = (
    f"PostgreSQL tests need {PG_URL_VARIABLE} (make test sets it; by hand: scripts/pg.sh start "
    f'&& export {PG_URL_VARIABLE}="$(scripts/pg.sh url)")'
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The SQLAlchemy URL of a new database, dropped after the test."""
    base = os.environ.get(PG_URL_VARIABLE)
    if not base:
        pytest.skip(SKIP_REASON)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"bidledger_t_{uuid4().hex[:16]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
