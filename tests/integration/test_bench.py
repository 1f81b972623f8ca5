"""The benchmark harness does the work it claims: valid logs, real appends (no timing checked)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.append import BATCH_SIZE, AppendBench
from bench.baseline import LEDGER_TABLE, PLAIN_TABLE
from bench.loggen import CachedLog, ensure_logs
from bench.opening import measure_opening
from ledger.store import LedgerStore
from ledger.verification import verify_log

BIDDERS = 12
SMALL, LARGER = 450, 560


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, CachedLog]:
    cache = tmp_path_factory.mktemp("bench-cache")
    return ensure_logs([SMALL, LARGER], bidders=BIDDERS, cache=cache, progress=lambda _: None)


@pytest.fixture
def copy(logs: dict[int, CachedLog], tmp_path: Path) -> tuple[CachedLog, str]:
    """A scratch copy of the smaller log (the benchmarks write to it)."""
    path = tmp_path / "scratch.db"
    shutil.copyfile(logs[SMALL].path, path)
    return logs[SMALL], f"sqlite:///{path}"


def _rows(url: str, table: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = f"SELECT originator_id, originator_version, state FROM {table} ORDER BY id"
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


def test_a_generated_log_has_the_size_asked_for_and_verifies(logs: dict[int, CachedLog]) -> None:
    for size, log in logs.items():
        store = LedgerStore(log.url)
        try:
            summary = verify_log(store)
        finally:
            store.close()
        assert summary.events == size
        assert summary.merkle is not None
        assert summary.merkle.size == size
        assert summary.merkle.checkpoints > 0


def test_a_larger_log_extends_the_cached_smaller_one_event_for_event(
    logs: dict[int, CachedLog],
) -> None:
    small, larger = _rows(logs[SMALL].url, LEDGER_TABLE), _rows(logs[LARGER].url, LEDGER_TABLE)
    assert len(larger) == LARGER
    assert larger[:SMALL] == small


def test_a_cached_log_is_reused_not_generated_again(
    logs: dict[int, CachedLog], tmp_path: Path
) -> None:
    cache = logs[SMALL].path.parent
    said: list[str] = []
    again = ensure_logs([SMALL], bidders=BIDDERS, cache=cache, progress=said.append)
    assert again[SMALL] == logs[SMALL]
    assert said == []


def test_single_appends_write_every_bid_and_mirror_them_in_the_plain_table(
    copy: tuple[CachedLog, str],
) -> None:
    log, url = copy
    bench = AppendBench(url, log.last_time)
    try:
        work = bench.prepare("test", repetitions=2, per_rep=4)
        run = bench.single(work, log.size, "SQLite")
    finally:
        bench.close()
    assert [len(latencies) for latencies in run.ours] == [4, 4]
    assert [len(latencies) for latencies in run.baseline] == [4, 4]
    comparison = run.comparison("append")
    assert len(comparison.ratios) == 2
    setup = 2 * (1 + 10)  # per repetition: the tender and ten bidders obtaining its documents
    assert len(_rows(url, LEDGER_TABLE)) == log.size + setup + 8
    assert len(_rows(url, PLAIN_TABLE)) == log.size + setup + 8
    store = LedgerStore(url)
    try:
        assert verify_log(store).events == log.size + setup + 8
    finally:
        store.close()


def test_batched_appends_write_every_bid_through_execute_many(
    copy: tuple[CachedLog, str],
) -> None:
    log, url = copy
    bench = AppendBench(url, log.last_time)
    try:
        assert bench.batch_missing() is None
        run = bench.batched(bench.prepare("many", 2, 2 * BATCH_SIZE), log.size, "SQLite")
    finally:
        bench.close()
    assert run.per_call == BATCH_SIZE
    assert [len(calls) for calls in run.ours] == [2, 2]
    assert len(run.comparison("batched append").ratios) == 2
    assert len(_rows(url, LEDGER_TABLE)) == log.size + 2 * 11 + 4 * BATCH_SIZE
    store = LedgerStore(url)
    try:
        assert verify_log(store).events == log.size + 2 * 11 + 4 * BATCH_SIZE
    finally:
        store.close()


def test_the_opening_benchmark_opens_every_bid_both_ways(tmp_path: Path) -> None:
    result = measure_opening(count=3, document_bytes=2048, repetitions=2, cache=tmp_path)
    assert len(result.ratios) == 2
    assert result.extra == {"bids": 3, "document_bytes": 2048}
