"""The backends every contract runs on: a SQLite file, and a fresh PostgreSQL database.

A contract is an abstract test class (its name does not start with ``Test``) whose tests
take the ``url`` fixture; each backend is a mixin that provides it, and a concrete class
per backend (``TestXOnSQLite(OnSQLite, XContract)``) runs the whole contract there. The
PostgreSQL classes need the throwaway server ``make test`` starts (tests/support/postgres).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.pgcopy import copy_into


class OnSQLite:
    """The ledger in a SQLite file."""

    backend = "sqlite"

    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'ledger.db'}"

    def load(self, source: str, url: str) -> None:
        """Start the (empty) database ``url`` as a copy of the SQLite log ``source``."""
        shutil.copyfile(_path(source), _path(url))


class OnPostgreSQL:
    """The ledger in a fresh database of the test server."""

    backend = "postgresql"

    @pytest.fixture
    def url(self, pg_url: str) -> str:
        return pg_url

    def load(self, source: str, url: str) -> None:
        """Start the (empty) database ``url`` as a copy of the SQLite log ``source``."""
        copy_into(source, url)


def _path(url: str) -> str:
    return str(sa.make_url(url).database)
