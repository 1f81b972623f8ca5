"""Check the whole stored log: every event's hash, chain, signature and key (S1, S2, T1).

Events are read back raw, in global log order; each event's hash is recomputed, then its
command re-executed through the rules on the state rebuilt from the log up to it, with the
registry as it stood at that position (:class:`ledger.procedure.replay.Replayer`, T5), and
its time compared with the event before it (T6). A recorded year of the official calendar
must agree with the ``chinesecalendar`` package for the years the package covers (R2).
The per-event checks run in ``processes`` walker processes, each owning part of the streams
(``ledger.verifier``); the whole-log checks (T6, the Merkle tree, the checkpoints) run here
on their results, merged in log order. Memory stays flat whatever the length of the log.
The first bad position raises :class:`VerificationFailure` naming where, what was expected
and what was found: the same failure whatever the number of processes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import create_engine, text

from ledger.errors import VerificationFailure
from ledger.policy import TrustPolicy
from ledger.procedure.replay import check_time_order
from ledger.store import LedgerStore
from ledger.transparency.audit import LogAudit, MerkleSummary
from ledger.verifier.parallel import WalkEnd, walk_log
from ledger.verifier.walk import BEFORE_TIME, Checked

PARALLEL_FROM = 20_000  # events: below this, one process verifies faster than several
PROGRESS_EVERY = 2_000
Progress = Callable[[int, int], None]
"""Called as the walk goes with (events checked, events in the log)."""


@dataclass
class LogSummary:
    """What a successful verification covered."""

    events: int = 0
    streams: dict[UUID, int] = field(default_factory=dict)
    merkle: MerkleSummary | None = None
    processes: int = 1
    reloads: int = 0  # stream states forgotten along the walk and rebuilt when needed again


def verify_log(
    store: LedgerStore,
    against: str | None = None,
    policy: TrustPolicy | None = None,
    *,
    processes: int | None = None,
    progress: Progress | None = None,
) -> LogSummary:
    """Verify every event of ``store``; raise at the first bad one.

    Then the Merkle tree, the signed checkpoints and the stream heads they name, and, with
    ``against`` (a checkpoint note issued earlier), that the log still extends that
    checkpoint; with ``policy``, that the log is anchored in its pinned keys and that the
    checkpoints it requires carry its witnesses' quorum. ``processes`` walk the log (by
    default every core for a long log, one for a short one).
    """
    storage = _StorageCheck(store.url)
    total = store.head()
    summary = LogSummary(processes=processes or default_processes(total))
    audit = LogAudit(store, against, policy)
    end = WalkEnd()
    try:
        _walk(walk_log(store, summary.processes, end), audit, summary, total, progress)
    except VerificationFailure:
        storage.raise_failure()
        raise
    storage.raise_failure()
    if progress is not None:
        progress(summary.events, max(total, summary.events))
    summary.streams = {UUID(stream): version for stream, version in end.versions.items()}
    summary.reloads = end.reloads
    summary.merkle = audit.finish(end.registry)
    return summary


def _walk(
    walked: Iterator[Checked],
    audit: LogAudit,
    summary: LogSummary,
    total: int,
    progress: Progress | None,
) -> None:
    """The whole-log checks on each event the walkers checked, in log order."""
    last: datetime | None = None
    for checked in walked:
        last = _check_in_order(checked, last)
        audit.event(
            checked.log_index,
            checked.stream,
            checked.version,
            checked.type,
            last,
            checked.leaf_hash,
            checked.event_hash,
            checked.where,
        )
        summary.events += 1
        if progress is not None and summary.events % PROGRESS_EVERY == 0:
            progress(summary.events, total)


def default_processes(events: int) -> int:
    """Every core (up to 8) for a log of :data:`PARALLEL_FROM` events or more; else one."""
    return 1 if events < PARALLEL_FROM else max(1, min(8, os.cpu_count() or 1))


def _check_in_order(checked: Checked, last: datetime | None) -> datetime:
    """The event's own failure before the time check, T6, then its failure after it."""
    if checked.failure is not None and checked.phase == BEFORE_TIME:
        raise checked.failure
    assert checked.time is not None
    check_time_order(last, checked.time, checked.where)
    if checked.failure is not None:
        raise checked.failure
    return checked.time


class _StorageCheck:
    """The database's own integrity check, run beside the walk (it reads the whole file);
    its failure comes first, as it concerns every record."""

    def __init__(self, url: str) -> None:
        self.failure: VerificationFailure | None = None
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()

    def _run(self, url: str) -> None:
        try:
            check_storage(url)
        except VerificationFailure as failure:
            self.failure = failure

    def raise_failure(self) -> None:
        self._thread.join()
        if self.failure is not None:
            raise self.failure


def check_storage(url: str) -> None:
    """For a SQLite file, the database's own integrity check (damaged pages, rowids, index)."""
    if not url.startswith("sqlite"):
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = [str(row[0]) for row in connection.execute(text("PRAGMA integrity_check"))]
    except Exception as exc:  # the driver's own error for a damaged file
        raise VerificationFailure("database file", f"cannot be read: {exc}") from None
    finally:
        engine.dispose()
    if rows != ["ok"]:
        raise VerificationFailure("database file", "integrity check failed: " + "; ".join(rows[:3]))
