"""Rebuilding the read models beside the plain library reading and decoding the log.

On a scratch copy of a generated log (the read models' tables go into the same file),
each repetition times:

- ours: what ``bidledger projections rebuild`` does: every read model (tender state,
  audit trail, notices, and any registered one) dropped and rebuilt from the whole log in
  one pass (``projections.rebuild.rebuild_all``: each event decoded once, each batch of
  1,000 folded into every model in one transaction);
- baseline: the ``eventsourcing`` notification log selected in batches of 500 and each
  record decoded by the library's mapper, once.

Throughput is log events per second of the whole command.
"""

from __future__ import annotations

import time
from typing import Any

from bench.baseline import close, ledger_application, read_all
from bench.loggen import CachedLog
from bench.stats import Comparison
from ledger.store import LedgerStore
from projections.catalog import all_projections
from projections.rebuild import rebuild_all
from projections.registry import PROJECTIONS
from projections.runner import engine_for


def measure_rebuild(log: CachedLog, url: str, repetitions: int) -> Comparison:
    """Events/s of rebuilding every read model of ``url`` (a copy of ``log``)."""
    result = Comparison(
        "rebuild",
        "events/s",
        "projections rebuild (all models)",
        "eventsourcing select + decode",
        extra={"size": log.size, "models": []},
    )
    for number in range(repetitions):
        if number % 2 == 0:
            ours = _rebuild(url, result.extra)
            baseline = _read(url)
        else:
            baseline = _read(url)
            ours = _rebuild(url, result.extra)
        result.add(ours, baseline)
    return result


def _rebuild(url: str, extra: dict[str, Any]) -> float:
    store = LedgerStore(url)
    engine = engine_for(store)
    try:
        models = [*PROJECTIONS, *all_projections(store)]
        extra["models"] = [model.name for model in models]
        started = time.perf_counter()
        events = rebuild_all(store, engine, models)
        return events / (time.perf_counter() - started)
    finally:
        engine.dispose()
        store.close()


def _read(url: str) -> float:
    application = ledger_application(url)
    try:
        started = time.perf_counter()
        count = read_all(application)
        return count / (time.perf_counter() - started)
    finally:
        close(application)
