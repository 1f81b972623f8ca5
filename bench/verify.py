"""Verifying the whole log beside the machine's Ed25519 rate; its peak memory.

Each repetition runs, each in fresh child processes (``bench.probe``):

- ours: ``verify_log`` on a generated log with ``processes`` walker processes (one walks
  the log alone; several each own part of the streams, the main process merging);
- baseline: PyNaCl verifying Ed25519 signatures of messages the size of an average
  stored event, in as many processes at once (their rates added up): the ceiling for a
  verifier that checks one signature per event;
- memory baseline: the plain library reading and decoding the same log in one process.

Peak memory is the largest process's ``ru_maxrss`` (interpreter and imports included):
the main process or any walker.
"""

from __future__ import annotations

import sqlalchemy as sa

from bench.baseline import LEDGER_TABLE
from bench.loggen import CachedLog
from bench.probe import ProbeResult, probe
from bench.stats import Comparison


def measure_verify(
    log: CachedLog, repetitions: int, processes: int, signatures: int
) -> tuple[Comparison, Comparison]:
    """(events/s of verify beside Ed25519 verifications/s, peak MB beside reading the log)."""
    size = mean_event_bytes(log.url)
    speed = Comparison(
        "verify",
        "events/s",
        "verify_log",
        f"PyNaCl Ed25519 verify ({size}-byte messages)",
        extra={"size": log.size, "processes": processes},
    )
    memory = Comparison(
        "verify peak memory",
        "MB",
        "verify_log",
        "eventsourcing read + decode",
        extra={"size": log.size, "read_rate": []},
    )
    for number in range(repetitions):
        ours, baseline = _pair(number, log.url, processes, size, signatures)
        read = probe("read", 1, log.url)
        speed.add(ours.rate, baseline.rate)
        memory.add(ours.peak_mb, read.peak_mb)
        memory.extra["read_rate"].append(read.rate)
    return speed, memory


def _pair(
    number: int, url: str, processes: int, size: int, signatures: int
) -> tuple[ProbeResult, ProbeResult]:
    """(ours, baseline), run in alternating order."""
    if number % 2 == 0:
        ours = probe("verify", 1, url, str(processes))
        return ours, probe("ed25519", processes, str(size), str(signatures))
    baseline = probe("ed25519", processes, str(size), str(signatures))
    return probe("verify", 1, url, str(processes)), baseline


def verify_memory(log: CachedLog, processes: int) -> Comparison:
    """One verify of a large log: its peak memory beside reading the same log (one run)."""
    ours = probe("verify", 1, log.url, str(processes))
    read = probe("read", 1, log.url)
    memory = Comparison(
        "verify peak memory",
        "MB",
        "verify_log",
        "eventsourcing read + decode",
        extra={"size": log.size, "read_rate": [read.rate], "verify_rate": [ours.rate]},
    )
    memory.add(ours.peak_mb, read.peak_mb)
    return memory


def mean_event_bytes(url: str) -> int:
    """The average size of a stored event's state, in bytes."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = f"SELECT avg(length(state)) FROM {LEDGER_TABLE}"
            return round(float(connection.execute(sa.text(query)).scalar() or 0))
    finally:
        engine.dispose()
