"""The projection runner's contract on every backend, on the demo's whole log: catching up in
batches, event by event and rebuilding in one pass leave the same rows; a failing model
stops after its last good event; two runners never apply an event twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.store import LedgerStore
from projections.catalog import all_projections
from projections.examples import EventCounts
from projections.model import Projection
from projections.positions import status
from projections.rebuild import rebuild_all
from projections.runner import ProjectionFailed, ProjectionRunner, engine_for
from tests.contract.backends import OnPostgreSQL, OnSQLite
from tests.support.projection_runs import FailingOn, log_ids, play_demo, rows


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo's whole log in a SQLite file (played once per module)."""
    path: Path = tmp_path_factory.mktemp("runner") / "demo.db"
    play_demo(f"sqlite:///{path}")
    return f"sqlite:///{path}"


def _models(store: LedgerStore) -> list[Projection]:
    return [EventCounts(), *all_projections(store)]


def _dump(engine: sa.Engine, models: list[Projection]) -> dict[str, object]:
    return {model.name: rows(engine, model) for model in models}


class RunnerContract:
    """What the catch-up runner guarantees on any backend."""

    def load(self, source: str, url: str) -> None:
        raise NotImplementedError

    @pytest.fixture
    def store(self, url: str, demo_file: str) -> Iterator[LedgerStore]:
        self.load(demo_file, url)
        store = LedgerStore(url)
        yield store
        store.close()

    @pytest.fixture
    def engine(self, store: LedgerStore) -> Iterator[sa.Engine]:
        engine = engine_for(store)
        yield engine
        engine.dispose()

    def test_batches_single_events_and_one_pass_leave_the_same_rows(
        self, store: LedgerStore, engine: sa.Engine
    ) -> None:
        models = _models(store)
        for model in models:
            ProjectionRunner(store, engine, model).rebuild(batch_size=1)
        one_by_one = _dump(engine, models)
        for model in _models(store):
            assert ProjectionRunner(store, engine, model).rebuild(batch_size=7) == len(
                log_ids(store)
            )
        assert _dump(engine, models) == one_by_one
        assert rebuild_all(store, engine, _models(store), batch_size=1000) == len(log_ids(store))
        assert _dump(engine, models) == one_by_one
        assert {row.lag for row in status(engine, store, models)} == {0}

    def test_a_model_kept_batch_by_batch_agrees_with_one_rebuilt_at_once(
        self, store: LedgerStore, engine: sa.Engine
    ) -> None:
        models = _models(store)
        ids = log_ids(store)
        for model in models:
            runner = ProjectionRunner(store, engine, model)
            runner.reset()
            while runner.catch_up(batch_size=5, stop_after=13):
                pass
        kept = _dump(engine, models)
        rebuild_all(store, engine, _models(store))
        assert _dump(engine, models) == kept
        assert [row[0] for row in rows(engine, EventCounts())["example_events"]] == ids

    def test_a_failing_model_stops_after_its_last_good_event_and_the_others_finish(
        self, store: LedgerStore, engine: sa.Engine
    ) -> None:
        ids = log_ids(store)
        bad = next(n.id for n in store.log() if n.topic.endswith(":BidSubmitted"))
        last_good = max(i for i in ids if i < bad)
        models = [*all_projections(store), FailingOn("BidSubmitted")]
        with pytest.raises(ProjectionFailed, match=r"type BidSubmitted\): RuntimeError") as failed:
            rebuild_all(store, engine, models)
        assert failed.value.position == last_good
        positions = {row.name: (row.position, row.error) for row in status(engine, store, models)}
        assert positions.pop("example") == (last_good, failed.value.message)
        assert set(positions.values()) == {(store.head(), None)}

    def test_two_runners_of_one_model_never_apply_an_event_twice(self, store: LedgerStore) -> None:
        engines = [engine_for(store), engine_for(store)]
        applied: list[int] = []
        errors: list[BaseException] = []

        def run(engine: sa.Engine) -> None:
            try:
                applied.append(ProjectionRunner(store, engine, EventCounts()).catch_up(2))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert sum(applied) == len(log_ids(store))
        events = rows(engines[0], EventCounts())["example_events"]
        assert [row[0] for row in events] == log_ids(store)
        for engine in engines:
            engine.dispose()


class TestRunnerOnSQLite(OnSQLite, RunnerContract):
    pass


class TestRunnerOnPostgreSQL(OnPostgreSQL, RunnerContract):
    pass
