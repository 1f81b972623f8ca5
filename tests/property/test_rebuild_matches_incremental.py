"""R3: read models kept incrementally, in rounds between commands, equal one rebuild.

Random command sequences (the generators of ``test_command_sequences``) run on a fresh
SQLite ledger; after random steps the runner catches the tender state, audit trail and
notices up, partly or fully, in random batch sizes, sometimes with fresh projection
objects (a restart: nothing kept in memory). At the end every table equals, row for row,
a rebuild from scratch of the whole log. With BIDLEDGER_TEST_PG_URL set, the same runs
keep the models in PostgreSQL and compare them with the SQLite rebuild.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.store import LedgerStore
from projections.as_of import as_of, table_rows
from projections.catalog import all_projections
from projections.model import Projection
from projections.runner import ProjectionRunner, engine_for
from tests.property.test_command_sequences import (
    _BEFORE,
    _PRICE,
    Run,
    Step,
    _after_the_deadline,
    _steps,
)

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True)
class Round:
    """A catch-up after step ``after``: at most ``events``, in batches of ``batch``."""

    after: int
    batch: int
    events: int | None
    restart: bool


ROUND = st.builds(
    Round,
    st.integers(0, 45),
    st.integers(1, 40),
    st.one_of(st.none(), st.integers(1, 30)),
    st.booleans(),
)
SEQUENCE = st.tuples(
    st.lists(_steps("enter", _PRICE, st.booleans()), min_size=1, max_size=5),
    st.lists(st.one_of(_BEFORE), min_size=4, max_size=20),
    st.sampled_from((0, 1, 60)),
    _after_the_deadline(),
)


class Keeper:
    """The runner keeping every model in ``engine``, with projection objects it may renew."""

    def __init__(self, store: LedgerStore, engine: sa.Engine) -> None:
        self.store, self.engine = store, engine
        self.projections: list[Projection] = all_projections(store)
        for projection in self.projections:
            ProjectionRunner(store, engine, projection).reset()

    def catch_up(self, batch: int, events: int | None = None, restart: bool = False) -> None:
        if restart:
            self.projections = all_projections(self.store)
        for projection in self.projections:
            ProjectionRunner(self.store, self.engine, projection).catch_up(batch, stop_after=events)


def _check(
    sequence: tuple[list[Step], list[Step], int, list[Step]], rounds: list[Round], url: str | None
) -> None:
    entries, before, jump, after = sequence
    steps = [*entries, *before, Step("to_deadline", number=jump), *after]
    with tempfile.TemporaryDirectory() as directory:
        run = Run(directory)
        engine = engine_for(run.store, url or f"sqlite:///{directory}/models.db")
        try:
            keeper = Keeper(run.store, engine)
            for index, step in enumerate(steps):
                run.step(step)
                for plan in (r for r in rounds if r.after == index):
                    keeper.catch_up(plan.batch, plan.events, plan.restart)
            keeper.catch_up(17)
            projections = all_projections(run.store)
            with as_of(run.store, None, projections) as rebuilt:
                assert table_rows(engine, projections) == table_rows(rebuilt, projections)
        finally:
            engine.dispose()
            run.close()


@SETTINGS
@given(sequence=SEQUENCE, rounds=st.lists(ROUND, max_size=6))
def test_models_kept_in_rounds_equal_a_rebuild_from_scratch(
    sequence: tuple[list[Step], list[Step], int, list[Step]], rounds: list[Round]
) -> None:
    _check(sequence, rounds, None)


@settings(SETTINGS, max_examples=8)
@given(sequence=SEQUENCE, rounds=st.lists(ROUND, max_size=4))
def test_models_kept_in_postgresql_equal_a_rebuild_in_sqlite(
    pg_url: str,
    sequence: tuple[list[Step], list[Step], int, list[Step]],
    rounds: list[Round],
) -> None:
    _check(sequence, rounds, pg_url)
