"""``python -m bench [--quick]``: every benchmark, each figure beside its baseline.

Prints the machine, progress, a Markdown table of every figure (median, min and max of
the per-repetition ratios, with the absolute medians), and, as the very last line, one
JSON object with the headline ratios (medians; null where not measurable, with the
reason printed above it). Generated logs are cached in ``bench/.cache``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import cast, plots, report
from bench.append import AppendBench, AppendRun, growth
from bench.loggen import CACHE, DEFAULT_BIDDERS, CachedLog, ensure_logs
from bench.machine import describe
from bench.opening import measure_opening
from bench.pgcopy import postgres_copy, server_version
from bench.proofs import compare
from bench.rebuild import measure_rebuild
from bench.rush import RushFigure, rush
from bench.stats import Comparison, Unmeasured
from bench.verify import measure_verify, verify_memory

PG_VARIABLE = "BIDLEDGER_BENCH_PG_URL"
DOCUMENT_BYTES = 10 * 1024
Figure = Comparison | Unmeasured | RushFigure


@dataclass(frozen=True)
class Preset:
    """What a run measures, and how often."""

    name: str
    sizes: tuple[int, ...]
    repetitions: int
    bids_per_repetition: int
    verify_size: int
    memory_sizes: tuple[int, ...]  # larger logs verified once, for peak memory
    rebuild_size: int
    opening_bids: int
    opening_repetitions: int
    proof_sizes: tuple[int, ...]
    proof_samples: int
    signatures: int
    rush_clients: int
    rush_processes: int
    rush_repetitions: int


QUICK = Preset(
    "quick",
    sizes=(1_000, 10_000),
    repetitions=5,
    bids_per_repetition=20,
    verify_size=10_000,
    memory_sizes=(),
    rebuild_size=10_000,
    opening_bids=1_000,
    opening_repetitions=3,
    proof_sizes=(1_000, 10_000),
    proof_samples=200,
    signatures=8_000,
    rush_clients=40,
    rush_processes=4,
    rush_repetitions=1,
)
FULL = Preset(
    "full",
    sizes=(1_000, 10_000, 100_000),
    repetitions=7,
    bids_per_repetition=30,
    verify_size=100_000,
    memory_sizes=(1_000_000,),
    rebuild_size=100_000,
    opening_bids=1_000,
    opening_repetitions=7,
    proof_sizes=(10_000, 100_000, 1_000_000),
    proof_samples=300,
    signatures=20_000,
    rush_clients=200,
    rush_processes=8,
    rush_repetitions=3,
)


def main(argv: list[str] | None = None) -> None:
    options = _parser().parse_args(argv)
    preset = _preset(options)
    pg_url = os.environ.get(PG_VARIABLE) or None
    machine = describe(server_version(pg_url) if pg_url else None)
    print(f"bidledger benchmarks ({preset.name}): {json.dumps(machine, ensure_ascii=False)}")
    if not pg_url:
        print(f"PostgreSQL: not measured ({PG_VARIABLE} is not set)")
    needed = [*preset.sizes, preset.verify_size, preset.rebuild_size, *preset.memory_sizes]
    logs = ensure_logs([*needed, registry_size()], progress=_say)
    figures = run_all(preset, logs, pg_url, options.processes)
    results = {"preset": preset.name, "machine": machine, "figures": _dicts(figures)}
    (CACHE / f"results-{preset.name}.json").write_text(json.dumps(results, indent=1) + "\n")
    print(report.markdown(figures))
    if options.plots:
        print(plots.draw(figures, options.plots))
    headline = report.headline(figures)
    for key, reason in headline.reasons.items():
        print(f"{key} is null: {reason}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    _say(f"done; load average (1, 5, 15 min) now {load}")
    print(json.dumps(headline.ratios))


def run_all(
    preset: Preset, logs: dict[int, CachedLog], pg_url: str | None, processes: int
) -> list[Figure]:
    """Every figure of ``preset`` on the cached ``logs``."""
    figures: list[Figure] = []
    for size in preset.sizes:
        figures += _append(preset, logs[size], "SQLite", None)
        if pg_url:
            figures += _append(preset, logs[size], "PostgreSQL", pg_url)
    figures += growth(figures)
    figures += _rushes(preset, logs[registry_size()], pg_url)
    _say(f"verify: {preset.verify_size:,} events, {processes} process(es), {preset.repetitions}×")
    speed, memory = measure_verify(
        logs[preset.verify_size], preset.repetitions, processes, preset.signatures
    )
    figures += [speed, memory]
    for size in preset.memory_sizes:
        _say(f"verify peak memory: {size:,} events, once")
        figures.append(verify_memory(logs[size], processes))
    _say(f"rebuild: {preset.rebuild_size:,} events")
    with _scratch(logs[preset.rebuild_size]) as url:
        figures.append(measure_rebuild(logs[preset.rebuild_size], url, preset.repetitions))
    _say(f"opening: {preset.opening_bids:,} sealed bids of {DOCUMENT_BYTES:,} bytes")
    figures.append(measure_opening(preset.opening_bids, DOCUMENT_BYTES, preset.opening_repetitions))
    _say(f"proofs: {', '.join(f'{s:,}' for s in preset.proof_sizes)} leaves")
    figures += compare(list(preset.proof_sizes), preset.repetitions, preset.proof_samples)
    return figures


def _rushes(preset: Preset, registry: CachedLog, pg_url: str | None) -> list[Figure]:
    """The deadline rush on SQLite (and PostgreSQL), ``rush_repetitions`` times each."""
    bidders = [cast.bidder(number) for number in range(preset.rush_clients)]
    figures: list[Figure] = []
    for backend, server in (("SQLite", None), ("PostgreSQL", pg_url)):
        if backend == "PostgreSQL" and server is None:
            continue
        _say(
            f"deadline rush: {backend}, {len(bidders)} clients in {preset.rush_processes} processes"
        )
        results = []
        for _ in range(preset.rush_repetitions):
            with _database(registry, server) as url:
                results.append(rush(url, bidders, processes=preset.rush_processes))
        figures.append(RushFigure(f"deadline rush ({backend})", backend, results))
    return figures


def _append(preset: Preset, log: CachedLog, backend: str, pg_url: str | None) -> list[Figure]:
    _say(f"append: {backend}, {log.size:,} events in the log")
    with _database(log, pg_url) as url:
        bench = AppendBench(url, log.last_time)
        try:
            reps, per_rep = preset.repetitions, preset.bids_per_repetition
            single = bench.single(bench.prepare("one", reps, per_rep), log.size, backend)
            batch: AppendRun | str | None = bench.batch_missing()
            if batch is None:
                batch = bench.batched(bench.prepare("many", reps, per_rep), log.size, backend)
        finally:
            bench.close()
    figures: list[Figure] = [single.comparison(f"append ({backend})")]
    if isinstance(batch, str):
        figures.append(Unmeasured(f"batched append ({backend})", batch, log.size))
    else:
        figures.append(batch.comparison(f"batched append ({backend})"))
    return figures


@contextmanager
def _database(log: CachedLog, pg_url: str | None) -> Iterator[str]:
    if pg_url is None:
        with _scratch(log) as url:
            yield url
    else:
        with postgres_copy(log.url, pg_url, str(log.size)) as url:
            yield url


@contextmanager
def _scratch(log: CachedLog) -> Iterator[str]:
    """A throwaway copy of a cached log (benchmarks write to it)."""
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="scratch-") as folder:
        path = Path(folder) / log.path.name
        shutil.copyfile(log.path, path)
        yield f"sqlite:///{path}"


def _dicts(figures: list[Figure]) -> list[dict[str, Any]]:
    return [figure.as_dict() for figure in figures]


_STARTED = time.monotonic()


def _say(message: str) -> None:
    """A progress line, with the seconds since the run started."""
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {message}", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, 5 repetitions")
    parser.add_argument("--sizes", type=int, nargs="+", help="log sizes for append")
    parser.add_argument("--repetitions", type=int, help="repetitions of every figure")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="verify's walker processes, and the baseline's (default: every core)",
    )
    parser.add_argument("--plots", type=Path, help="write PNG plots to this folder")
    return parser


def registry_size(bidders: int = DEFAULT_BIDDERS) -> int:
    """The length of the generated registry alone (the plan's first steps)."""
    return len(cast.registration(bidders))


def _preset(options: argparse.Namespace) -> Preset:
    preset = QUICK if options.quick else FULL
    if options.sizes:
        sizes = tuple(sorted(options.sizes))
        preset = replace(
            preset, sizes=sizes, verify_size=sizes[-1], rebuild_size=sizes[0], memory_sizes=()
        )
    if options.repetitions:
        preset = replace(preset, repetitions=options.repetitions)
    return preset
