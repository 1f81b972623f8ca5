"""Walking the log with every core: one walker process per part of the streams.

Each process opens the database itself, reads the whole log in order and checks the events
of its part (``ledger.verifier.walk``); what the whole-log checks need of each event comes
back in batches through a pipe, and :func:`walk_log` merges the parts in log order. With
one process the walker runs here, with no pipe. After the walk, part 0 sends the registry
as it ended and each part the versions of its streams.
"""

from __future__ import annotations

import heapq
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from ledger.errors import VerificationFailure
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from ledger.verifier.walk import BEFORE_TIME, Checked, Walker

BATCH = 256


@dataclass
class WalkEnd:
    """What the walk leaves besides its events: the registry and every stream's version."""

    registry: RegistryState | None = None
    versions: dict[str, int] = field(default_factory=dict)
    reloads: int = 0


def walk_log(store: LedgerStore, processes: int, end: WalkEnd) -> Iterator[Checked]:
    """Every event of the log, checked, in log order; ``end`` is filled when it is done."""
    if processes <= 1:
        yield from _walk_here(store, end)
        return
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    workers = []
    for part in range(processes):
        mine, theirs = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(store.url, part, processes, theirs))
        worker.start()
        theirs.close()
        pipes.append(mine)
        workers.append(worker)
    try:
        parts = [_received(pipe, end) for pipe in pipes]
        yield from heapq.merge(*parts, key=lambda checked: checked.log_index)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        for pipe in pipes:
            pipe.close()


def _walk_here(store: LedgerStore, end: WalkEnd) -> Iterator[Checked]:
    walker = Walker(store)
    yield from _walked(walker, store)
    end.registry = walker.replayer.registry
    end.versions.update(walker.states.versions)
    end.reloads = walker.states.reloads


def _walked(walker: Walker, store: LedgerStore) -> Iterator[Checked]:
    """The walker over the stored rows; a record the database cannot read ends the walk."""
    count, rows, last = 0, store.rows(), 0

    def counted() -> Iterator[Any]:
        nonlocal count, last
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # the driver's error for a damaged record
                raise _Unreadable(count, last, exc) from None
            count, last = count + 1, row[0]
            yield row

    try:
        yield from walker.walk(counted())
    except _Unreadable as unreadable:
        yield unreadable.checked()


class _Unreadable(Exception):
    def __init__(self, count: int, last: int, cause: Exception) -> None:
        super().__init__(str(cause))
        self.count, self.last, self.cause = count, last, cause

    def checked(self) -> Checked:
        failure = VerificationFailure(
            f"the record after event {self.count} of the log", f"cannot be read ({self.cause})"
        )
        return Checked(self.last + 1, "", 0, "", None, b"", "", failure, BEFORE_TIME)


def _work(url: str, part: int, parts: int, parent: Connection) -> None:
    """A walker process: its part's events in batches, then its end of the walk."""
    store = LedgerStore(url)
    try:
        walker = Walker(store, part, parts)
        batch: list[tuple[Any, ...]] = []
        for checked in _walked(walker, store):
            batch.append(_plain(checked))
            if len(batch) >= BATCH:
                parent.send(batch)
                batch = []
        if batch:
            parent.send(batch)
        registry = walker.replayer.registry if part == 0 else None
        parent.send(WalkEnd(registry, dict(walker.states.versions), walker.states.reloads))
    finally:
        store.close()
        parent.close()


def _received(pipe: Connection, end: WalkEnd) -> Iterator[Checked]:
    """One part's events as they arrive; its end merged into ``end``."""
    while True:
        try:
            message = pipe.recv()
        except EOFError:
            raise VerificationFailure("verify", "a walker process ended early") from None
        if isinstance(message, WalkEnd):
            end.registry = message.registry or end.registry
            end.versions.update(message.versions)
            end.reloads += message.reloads
            return
        for item in message:
            yield _checked(item)


def _plain(checked: Checked) -> tuple[Any, ...]:
    """A checked event as plain data (an exception does not cross a pipe intact)."""
    failure = checked.failure
    detail = None if failure is None else (failure.position, failure.detail)
    return (*_fields(checked), detail, checked.phase, checked.leaf)


def _fields(checked: Checked) -> tuple[Any, ...]:
    return (
        checked.log_index,
        checked.stream,
        checked.version,
        checked.type,
        checked.time,
        checked.leaf_hash,
        checked.event_hash,
    )


def _checked(item: tuple[Any, ...]) -> Checked:
    log_index, stream, version, kind, time, leaf_hash, event_hash, detail, phase, leaf = item
    failure = None if detail is None else VerificationFailure(*detail)
    return Checked(
        log_index, stream, version, kind, time, leaf_hash, event_hash, failure, phase, leaf
    )
