"""T2: a stored read model that disagrees with the log is tampering, and named as such.

Every projection whose stored position has reached the log's head is rebuilt from the log
in memory and compared row for row with its stored tables. Models still catching up are
reported as not compared, never as agreeing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ledger.errors import VerificationFailure
from ledger.store import LedgerStore
from projections.as_of import as_of, table_rows
from projections.catalog import all_projections
from projections.positions import status


@dataclass
class ReadModelCheck:
    """Which stored read models were compared with the log, and which were not."""

    agreed: list[str] = field(default_factory=list)
    behind: dict[str, int] = field(default_factory=dict)


def check_read_models(store: LedgerStore, engine: sa.Engine) -> ReadModelCheck:
    """Compare each caught-up stored read model with a fresh rebuild; raise on a difference."""
    result = ReadModelCheck()
    stored_models = all_projections(store)
    for row in status(engine, store, stored_models):
        model = next((m for m in stored_models if m.name == row.name), None)
        if model is None or row.position == 0:
            continue
        if row.lag:
            result.behind[row.name] = row.lag
            continue
        fresh = [m for m in all_projections(store) if m.name == row.name]
        with as_of(store, None, fresh) as rebuilt:
            expected = table_rows(rebuilt, fresh)
        _compare(row.name, table_rows(engine, [model]), expected)
        result.agreed.append(row.name)
    return result


def _compare(name: str, found: dict[str, list[object]], expected: dict[str, list[object]]) -> None:
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
            f"disagrees with a rebuild from the log ({len(stored)} rows stored, {len(rows)} "
            f"expected); {sample[:300]}",
        )
