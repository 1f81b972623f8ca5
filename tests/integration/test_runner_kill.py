"""A runner process killed (SIGKILL) in the middle of a batch resumes with no event applied
twice and none skipped: a batch's rows and its position commit together, or not at all."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from ledger.store import LedgerStore
from projections.examples import EventCounts
from projections.positions import POSITIONS
from projections.runner import ProjectionRunner, engine_for
from tests.support.projection_runs import log_ids, play_demo, rows, stream_counts

ROOT = Path(__file__).resolve().parents[2]
BATCH = 3


def _position(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(POSITIONS.name):
            return 0
        found = connection.execute(
            sa.select(POSITIONS.c.position).where(POSITIONS.c.name == "example")
        ).scalar()
    return int(found or 0)


def _run_and_kill(url: str, ready: Callable[[], bool], *extra: str) -> None:
    """Start a slow runner process (batches of 3); SIGKILL it as soon as ``ready()``."""
    command = [sys.executable, "-m", "tests.support.projection_runs", url, "--batch", str(BATCH)]
    child = subprocess.Popen([*command, *extra], cwd=ROOT, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready():
            assert child.poll() is None, "the runner process ended before it was killed"
            assert time.monotonic() < deadline, "the runner process made no progress"
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_a_runner_killed_mid_batch_resumes_with_each_event_applied_exactly_once(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    play_demo(url)
    store = LedgerStore(url)
    engine = engine_for(store)
    try:
        ids = log_ids(store)
        # 1: killed while inside the 2nd event of the batch 19..21 (19, 20 written, uncommitted)
        marker = tmp_path / "paused"
        _run_and_kill(url, marker.exists, "--pause-at", str(ids[19]), "--marker", str(marker))
        assert _position(engine) == ids[17]
        # 2: killed at a random moment of a later batch (applying, committing or between)
        offset = random.uniform(0, 0.04)
        passed: list[float] = []

        def later() -> bool:
            if not passed and _position(engine) >= ids[40]:
                passed.append(time.monotonic())
            return bool(passed) and time.monotonic() - passed[0] > offset

        _run_and_kill(url, later)
        second = _position(engine)
        assert ids[40] <= second < ids[-1]

        applied = ProjectionRunner(store, engine, EventCounts()).catch_up(batch_size=BATCH)
        assert applied == len([i for i in ids if i > second])
        assert [row[0] for row in rows(engine, EventCounts())["example_events"]] == ids
        with engine.connect() as connection:
            found = connection.execute(sa.text("SELECT stream, events FROM example_streams"))
            assert {str(stream): events for stream, events in found} == stream_counts(store)
        assert _position(engine) == ids[-1]
    finally:
        engine.dispose()
        store.close()
