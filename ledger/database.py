"""Opening a database that must already hold a bidledger ledger, read-only when only read.

:func:`recognise` answers, before anything else is done, whether a URL names a bidledger
ledger: the file or server is reachable, it holds the event table with the ledger's columns,
and its first event is a ledger event. Anything else (a missing file, a directory, a file
that is not SQLite, an empty or a foreign SQLite database, an unreachable server) is an
:class:`InvalidInput` of one line. A ledger whose first event is not the registry's genesis
is still recognised: that is damage for ``verify`` to name, not a foreign database.

:func:`read_only_url` is how commands that only read open a database: SQLite through a
``file:`` URI with ``mode=ro``, PostgreSQL with ``default_transaction_read_only``; so they
cannot create a table or change a byte. SQLite's own ``-wal`` and ``-shm`` files beside a
write-ahead-log database are the one exception: a reader needs them, and SQLite creates them
if they are missing (the database file itself is never written). Recognising a database
that has no ``-wal`` file opens it ``immutable`` and so creates nothing at all.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote
from uuid import UUID

import sqlalchemy as sa

from ledger.errors import InvalidInput

EVENTS_TABLE = "application_events"
"""The event store's table (the eventsourcing library's name for this application's events)."""

EVENT_COLUMNS = frozenset({"id", "originator_id", "originator_version", "topic", "state"})
LEDGER_TOPIC = "ledger.events:"
SQLITE_HEADER = b"SQLite format 3\x00"


def label(url: str) -> str:
    """The database as named in messages: a SQLite file's path, or the URL without password."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "an in-memory SQLite database"
    return parsed.render_as_string(hide_password=True)


def read_only_url(url: str, *, probe: bool = False) -> str:
    """``url`` opened so that no statement can write (``probe``: SQLite ``immutable`` if safe)."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = _sqlite_path(parsed)
        query = {**parsed.query, "mode": "ro", "uri": "true"}
        if probe and not Path(f"{path}-wal").exists():
            query["immutable"] = "1"
        located = parsed.set(database=f"file:{quote(path)}", query=query)
        return located.render_as_string(hide_password=False)
    if backend == "postgresql":
        options = str(parsed.query.get("options", ""))
        read_only = f"{options} -c default_transaction_read_only=on".strip()
        return parsed.update_query_dict({"options": read_only}).render_as_string(
            hide_password=False
        )
    raise InvalidInput(f"unsupported database {backend!r}: use sqlite or postgresql")


def recognise(url: str) -> None:
    """Raise :class:`InvalidInput` unless ``url`` names a database holding a bidledger ledger."""
    parsed = _parse(url)
    name = label(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(_sqlite_path(parsed))
    try:
        engine = sa.create_engine(read_only_url(url, probe=True))
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise InvalidInput(f"cannot open the database {name}: {_first_line(exc)}") from None
    try:
        with engine.connect() as connection:
            _check_ledger(connection, name)
    except sa.exc.SQLAlchemyError as exc:
        raise InvalidInput(f"cannot read the database {name}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def _parse(url: str) -> sa.URL:
    if "://" not in url:
        raise InvalidInput(f"database must be a SQLAlchemy URL, got {url!r}")
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise InvalidInput(f"database must be a SQLAlchemy URL, got {url!r}") from None


def _sqlite_path(parsed: sa.URL) -> str:
    path = parsed.database or ""
    if path in ("", ":memory:") or parsed.query.get("mode") == "memory":
        raise InvalidInput("an in-memory SQLite database holds no ledger; name a file")
    if "uri" in parsed.query or path.startswith("file:"):
        raise InvalidInput(f"give the SQLite file as sqlite:///PATH, not as a URI: {path!r}")
    return path


def _check_sqlite_file(path: str) -> None:
    file = Path(path)
    if not file.exists():
        raise InvalidInput(f"no database at {path} (no such file)")
    if file.is_dir():
        raise InvalidInput(f"{path} is a directory, not a database file")
    try:
        with file.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if not header:
        raise InvalidInput(f"{path} is empty: not a bidledger ledger")
    if header != SQLITE_HEADER:
        raise InvalidInput(f"{path} is not a SQLite database file: not a bidledger ledger")


def _check_ledger(connection: sa.Connection, name: str) -> None:
    inspector = sa.inspect(connection)
    if not inspector.has_table(EVENTS_TABLE):
        raise InvalidInput(f"{name} is not a bidledger ledger: it has no {EVENTS_TABLE} table")
    columns = {column["name"] for column in inspector.get_columns(EVENTS_TABLE)}
    if not columns >= EVENT_COLUMNS:
        raise InvalidInput(
            f"{name} is not a bidledger ledger: its {EVENTS_TABLE} table lacks "
            f"{', '.join(sorted(EVENT_COLUMNS - columns))}"
        )
    first = connection.execute(
        sa.text(f"SELECT originator_id, topic FROM {EVENTS_TABLE} ORDER BY id LIMIT 1")
    ).first()
    if first is None:
        raise InvalidInput(f"{name} holds no events: there is no ledger to read")
    if not _is_uuid(first[0]) or not str(first[1]).startswith(LEDGER_TOPIC):
        raise InvalidInput(
            f"{name} is not a bidledger ledger: its first event ({str(first[1])[:80]!r}) is "
            "not a ledger event"
        )


def _is_uuid(value: object) -> bool:
    if isinstance(value, UUID):
        return True
    return isinstance(value, bytes | memoryview) and len(bytes(value)) == 16


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__
