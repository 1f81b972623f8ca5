"""Rebuilding every read model in one pass over the log (``bidledger projections rebuild``).

Each model is reset, then the log is read once, in batches of ``batch_size`` entries: each
entry is decoded once and every model folds the batch (``apply_batch`` where it has one: a
few statements per table for the whole batch), in one transaction that also moves every
model's position. If any model fails on a batch, the transaction is rolled back and each
model catches up on its own from there (``ProjectionRunner.catch_up``), which stops the
failing one exactly after its last good event and says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

import sqlalchemy as sa

from ledger.store import LedgerStore
from projections.model import Projection
from projections.positions import lock_key, write_position
from projections.runner import Progress, ProjectionFailed, ProjectionRunner

DEFAULT_BATCH = 1000


def rebuild_all(
    store: LedgerStore,
    engine: sa.Engine,
    projections: Sequence[Projection],
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> int:
    """Drop and rebuild every model of ``projections`` from the whole log; events read."""
    runners = [ProjectionRunner(store, engine, projection) for projection in projections]
    for runner in runners:
        runner.reset()
    head, position, applied = store.head(), 0, 0
    while True:
        notifications = list(islice(store.log(position + 1, batch_size), batch_size))
        if not notifications:
            return applied
        try:
            _apply(engine, runners, notifications)
        except Exception:
            return applied + _each_on_its_own(runners, batch_size)
        position = int(notifications[-1].id)
        applied += len(notifications)
        if progress is not None:
            progress(position, max(head, position))


def _each_on_its_own(runners: list[ProjectionRunner], batch_size: int) -> int:
    """Each model catches up alone; the first that fails is raised, naming its event."""
    failed: ProjectionFailed | None = None
    applied = 0
    for runner in runners:
        try:
            applied = max(applied, runner.catch_up(batch_size))
        except ProjectionFailed as failure:
            failed = failed or failure
    if failed is not None:
        raise failed
    return applied


def _apply(engine: sa.Engine, runners: list[ProjectionRunner], notifications: list[Any]) -> None:
    """One batch into every model, and every model's position, in one transaction."""
    names = [runner.name for runner in runners]
    decoded = [(notification, runners[0]._decode(notification)) for notification in notifications]
    with _locked(engine, names) as connection:
        for runner in runners:
            runner.apply_all(connection, decoded)
            write_position(connection, runner.name, position=int(notifications[-1].id))


@contextmanager
def _locked(engine: sa.Engine, names: list[str]) -> Iterator[sa.Connection]:
    """A write transaction holding the runner lock of every model named (see positions)."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            for key in sorted(lock_key(name) for name in names):
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        yield connection
