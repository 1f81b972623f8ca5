"""T2: a stored read model that disagrees with the log is tampering, and named as such.

Every read model stored in the database (one that has a row in ``projection_positions``) is
rebuilt from the log in memory up to its stored position and compared row for row with its
stored tables, whatever that position is. Then its position is judged against the head of
the log that was verified:

- at the head: the read model agrees with the log;
- behind it, with the error that stopped its runner recorded in its position row (the error
  ``bidledger projections status`` shows): explained, reported with the error;
- behind it with no error recorded, beyond the log's end, or stored by another version of
  the projection's code: a failure. Nothing else explains a read model that stopped short
  (a position moved back by hand, or a runner that died without saying why).

Events appended after verification began are not counted: a runner following the log has
had the whole verification to apply them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ledger.errors import VerificationFailure
from ledger.store import LedgerStore
from projections.as_of import as_of, table_rows
from projections.catalog import all_projections
from projections.model import Projection
from projections.positions import POSITIONS, StoredPosition, read_position

_READS = 3


@dataclass
class ReadModelCheck:
    """Which stored read models agree with the log at its head, and which stopped earlier."""

    agreed: list[str] = field(default_factory=list)
    stopped: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Name: (the position it was compared up to, the error its runner recorded there)."""


def check_read_models(
    store: LedgerStore, engine: sa.Engine, head: int | None = None
) -> ReadModelCheck:
    """Compare each stored read model with a rebuild up to its position; raise on a difference
    or on a lag nothing explains. ``head``: the last log index verified (default: now)."""
    head = store.head() if head is None else head
    result = ReadModelCheck()
    if not _has_positions(engine):
        return result
    for model in all_projections(store):
        stored = _read(engine, model.name)
        if stored is None:
            continue  # never run on this database
        where = f"read model {model.name}"
        if stored.version != model.version:
            raise VerificationFailure(
                where,
                f"stored by version {stored.version} of its code, this is version "
                f"{model.version}: it cannot be compared until it is rebuilt",
            )
        stored = _compare(store, engine, model, where)
        if stored.position >= head:
            result.agreed.append(model.name)
        elif stored.error:
            result.stopped[model.name] = (stored.position, stored.error)
        else:
            raise VerificationFailure(
                where,
                f"its stored position, log index {stored.position}, is {head - stored.position} "
                f"entries behind the log (head {head}) and no error is recorded to explain it",
            )
    return result


def _compare(
    store: LedgerStore, engine: sa.Engine, model: Projection, where: str
) -> StoredPosition:
    """The stored rows against a rebuild up to the stored position; that position."""
    stored, found = _steady_rows(engine, model, where)
    last = store.head()
    if stored.position > last:
        raise VerificationFailure(
            where,
            f"its stored position, log index {stored.position}, is beyond the log's end {last}",
        )
    fresh = [m for m in all_projections(store) if m.name == model.name]
    with as_of(store, None, fresh, upto=stored.position) as rebuilt:
        expected = table_rows(rebuilt, fresh)
    _compare_rows(model.name, stored.position, found, expected)
    return stored


def _steady_rows(
    engine: sa.Engine, model: Projection, where: str
) -> tuple[StoredPosition, dict[str, list[object]]]:
    """The stored rows and the position they stand at, read while no runner moved it."""
    for _ in range(_READS):
        before = _read(engine, model.name)
        found = table_rows(engine, [model])
        if before is not None and _read(engine, model.name) == before:
            return before, found
    raise VerificationFailure(where, "its position kept moving while it was read; try again")


def _has_positions(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        return sa.inspect(connection).has_table(POSITIONS.name)


def _read(engine: sa.Engine, name: str) -> StoredPosition | None:
    with engine.connect() as connection:
        return read_position(connection, name)


def _compare_rows(
    name: str, position: int, found: dict[str, list[object]], expected: dict[str, list[object]]
) -> None:
    for table, rows in expected.items():
        stored = found.get(table, [])
        if stored == rows:
            continue
        extra = [row for row in stored if row not in rows]
        missing = [row for row in rows if row not in stored]
        sample = (
            f"stored but not in the log: {extra[0]!r}"
            if extra
            else (
                f"in the log but not stored: {missing[0]!r}" if missing else "rows in another order"
            )
        )
        raise VerificationFailure(
            f"read model {name} (table {table})",
            f"disagrees with a rebuild from the log up to its position {position} "
            f"({len(stored)} rows stored, {len(rows)} expected); {sample[:300]}",
        )
