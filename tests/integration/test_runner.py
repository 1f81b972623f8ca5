"""The catch-up runner on a real SQLite file holding the demo's whole log (R3)."""

from __future__ import annotations

import io
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from commands import seed
from commands.cli import main
from commands.messages import AskQuestion
from commands.world import World
from ledger.store import LedgerStore
from projections.examples import EventCounts
from projections.positions import POSITIONS, status
from projections.runner import (
    ProjectionFailed,
    ProjectionRunner,
    TextProgress,
    engine_for,
    rebuild,
)
from tests.support.projection_runs import FailingOn, log_ids, play_demo, rows, stream_counts


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    play_demo(f"sqlite:///{path}")
    return path


@pytest.fixture
def store(demo_file: Path, tmp_path: Path) -> Iterator[LedgerStore]:
    """A private copy of the demo's log (about 117 events)."""
    copy = tmp_path / "ledger.db"
    shutil.copy(demo_file, copy)
    store = LedgerStore(f"sqlite:///{copy}")
    yield store
    store.close()


@pytest.fixture
def engine(store: LedgerStore) -> Iterator[sa.Engine]:
    engine = engine_for(store)
    yield engine
    engine.dispose()


def _stored_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT stream, events FROM example_streams"))
        return {str(stream): int(events) for stream, events in found}


def _position_row(engine: sa.Engine) -> tuple[int, str | None]:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(POSITIONS.c.position, POSITIONS.c.error).where(POSITIONS.c.name == "example")
        ).one()
    return int(row[0]), row[1]


def test_catching_up_applies_every_event_of_the_log_exactly_once(
    store: LedgerStore, engine: sa.Engine
) -> None:
    ids = log_ids(store)
    assert len(ids) > 100
    applied = ProjectionRunner(store, engine, EventCounts()).catch_up(batch_size=25)
    assert applied == len(ids)
    assert _stored_counts(engine) == stream_counts(store)
    assert [row[0] for row in rows(engine, EventCounts())["example_events"]] == ids
    assert _position_row(engine) == (ids[-1], None)
    assert ProjectionRunner(store, engine, EventCounts()).catch_up() == 0


def test_a_new_store_and_engine_resume_from_the_stored_position(
    store: LedgerStore, engine: sa.Engine
) -> None:
    ids = log_ids(store)
    runner = ProjectionRunner(store, engine, EventCounts())
    assert runner.catch_up(batch_size=7, stop_after=40) == 40
    assert _position_row(engine) == (ids[39], None)
    engine.dispose()
    again = LedgerStore(store.url)
    fresh_engine = engine_for(again)
    try:
        assert ProjectionRunner(again, fresh_engine, EventCounts()).catch_up() == len(ids) - 40
        assert _stored_counts(fresh_engine) == stream_counts(again)
    finally:
        fresh_engine.dispose()
        again.close()


def test_only_events_appended_after_a_catch_up_are_applied_by_the_next(published: World) -> None:
    store = published.service.store
    engine = engine_for(store)
    runner = ProjectionRunner(store, engine, EventCounts())
    try:
        before = runner.catch_up()
        published.act(seed.RUNHUA, "bidder", AskQuestion(seed.CODE, "样品何时提交?"))
        assert runner.catch_up() == 1
        assert _position_row(engine) == (before + 1, None)
        assert _stored_counts(engine) == stream_counts(store)
    finally:
        engine.dispose()


def test_a_failing_projection_stops_at_its_last_good_event_and_resumes_once_fixed(
    store: LedgerStore, engine: sa.Engine
) -> None:
    notifications = list(store.log())
    bad = next(n for n in notifications if n.topic.endswith(":BidSubmitted"))
    last_good = max(n.id for n in notifications if n.id < bad.id)
    expected = (
        f"event at log index {bad.id} (stream {bad.originator_id} v{bad.originator_version}, "
        "type BidSubmitted): RuntimeError: cannot project BidSubmitted"
    )
    with pytest.raises(ProjectionFailed, match=rf"after log index {last_good}: ") as failed:
        ProjectionRunner(store, engine, FailingOn("BidSubmitted")).catch_up(batch_size=50)
    assert (failed.value.position, failed.value.message) == (last_good, expected)
    assert _position_row(engine) == (last_good, expected)
    assert len(rows(engine, EventCounts())["example_events"]) == last_good
    (shown,) = status(engine, store, [EventCounts()])
    assert (shown.position, shown.error) == (last_good, expected)

    applied = ProjectionRunner(store, engine, EventCounts()).catch_up(batch_size=50)
    assert applied == len(notifications) - last_good
    assert _position_row(engine) == (notifications[-1].id, None)
    assert _stored_counts(engine) == stream_counts(store)


def test_status_shows_each_projection_s_position_and_lag_behind_the_head(
    store: LedgerStore, engine: sa.Engine
) -> None:
    head = store.head()
    (never_run,) = status(engine, store, [EventCounts()])
    assert (never_run.name, never_run.position, never_run.head, never_run.lag) == (
        "example",
        0,
        head,
        head,
    )
    ProjectionRunner(store, engine, EventCounts()).catch_up(stop_after=30)
    (partway,) = status(engine, store, [EventCounts()])
    assert (partway.version, partway.position, partway.error) == (1, 30, None)
    assert partway.lag == head - 30
    ProjectionRunner(store, engine, EventCounts()).catch_up()
    assert status(engine, store, [EventCounts()])[0].lag == 0


def test_a_rebuild_from_scratch_gives_rows_identical_to_the_incremental_ones(
    store: LedgerStore, engine: sa.Engine
) -> None:
    runner = ProjectionRunner(store, engine, EventCounts())
    while runner.catch_up(batch_size=3, stop_after=11):
        pass
    incremental = rows(engine, EventCounts())
    out = io.StringIO()
    bar = TextProgress("rebuilding example", stream=out)
    assert rebuild("example", store, engine, progress=bar, projections=[EventCounts()]) == len(
        incremental["example_events"]
    )
    bar.close()
    assert rows(engine, EventCounts()) == incremental
    head = store.head()
    assert out.getvalue().endswith(f"rebuilding example [{'#' * 30}] {head}/{head}\n")
    assert _position_row(engine) == (head, None)


def test_a_new_projection_version_rebuilds_its_tables_from_scratch(
    store: LedgerStore, engine: sa.Engine
) -> None:
    ProjectionRunner(store, engine, EventCounts()).catch_up()
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE example_streams SET events = -1"))
    newer = EventCounts()
    newer.version = 2
    assert ProjectionRunner(store, engine, newer).catch_up() == store.head()
    assert _stored_counts(engine) == stream_counts(store)
    assert status(engine, store, [newer])[0].version == 2


def test_two_runners_of_one_projection_at_once_never_apply_an_event_twice(
    store: LedgerStore,
) -> None:
    engines = [engine_for(store), engine_for(store)]
    applied: list[int] = []
    errors: list[BaseException] = []

    def run(engine: sa.Engine) -> None:
        try:
            applied.append(ProjectionRunner(store, engine, EventCounts()).catch_up(batch_size=2))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(applied) == store.head()
    assert _stored_counts(engines[0]) == stream_counts(store)
    for engine in engines:
        engine.dispose()


def test_the_cli_shows_status_and_rebuilds_with_a_progress_bar(
    store: LedgerStore,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("projections.registry.PROJECTIONS", [EventCounts()])
    url, head = store.url, store.head()
    assert main(["projections", "status", "--db", url, "--json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert {"example", "tender_state", "audit_trail", "notices"} <= set(listed)
    assert (listed["example"]["position"], listed["example"]["lag"]) == (0, head)

    ProjectionRunner(store, engine, EventCounts()).catch_up(stop_after=10)
    incremental_start = rows(engine, EventCounts())
    assert main(["projections", "catch-up", "--db", url]) == 0
    assert f"example: {head - 10} events applied\n" in capsys.readouterr().out
    incremental = rows(engine, EventCounts())
    assert incremental != incremental_start

    assert main(["projections", "rebuild", "example", "--db", url]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"example: {head} events applied\n"
    assert captured.err.endswith(f"rebuild example [{'#' * 30}] {head}/{head}\n")
    assert rows(engine, EventCounts()) == incremental

    assert main(["projections", "status", "--db", url]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == [
        "example",
        "1",
        *[str(head)] * 2,
        "0",
    ]
    assert main(["projections", "rebuild", "nonesuch", "--db", url]) == 2
    known = "known: audit_trail, example, notices, tender_state"
    assert f"no projection 'nonesuch'; {known}" in capsys.readouterr().err

    assert main(["projections", "rebuild", "--db", url]) == 0  # every model, in one pass
    captured = capsys.readouterr()
    assert sorted(captured.out.splitlines()) == [
        f"{name}: {head} events applied"
        for name in ("audit_trail", "example", "notices", "tender_state")
    ]
    assert captured.err.endswith(f"rebuild [{'#' * 30}] {head}/{head}\n")
    assert rows(engine, EventCounts()) == incremental


def test_following_the_log_picks_up_events_appended_while_it_polls(published: World) -> None:
    store = published.service.store
    engine = engine_for(store)
    stop = threading.Event()
    applied: list[int] = []
    runner = ProjectionRunner(store, engine, EventCounts())
    follower = threading.Thread(
        target=lambda: applied.append(runner.follow(poll_interval=0.02, until=stop.is_set))
    )
    try:
        before = runner.catch_up()
        follower.start()
        published.act(seed.RUNHUA, "bidder", AskQuestion(seed.CODE, "样品何时提交?"))
        deadline = time.monotonic() + 10
        while _position_row(engine)[0] < before + 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        follower.join(timeout=10)
        engine.dispose()
    assert applied == [1]
    assert _position_row(engine) == (before + 1, None)
    assert _stored_counts(engine) == stream_counts(store)
