"""Proof generation from the stored Merkle tree stays O(log n): 10^4, 10^5 and 10^6 leaves.

For each size a SQLite file gets a tree of random leaf hashes, built directly through
``TreeStore.append`` (the path ``sync`` uses, without decoding events). Then, on that same
file and in the same run, it times:

- the baseline: one indexed row read of the node table (``TreeStore.node``, one query);
- inclusion proofs and consistency proofs of random leaves and sizes, as ``prove`` makes
  them (one query for the tree size, one for the proof's nodes).

Times are reported as ratios to the baseline and to the smallest size's proof time, with
the number of node rows each proof read. Run from the repository root::

    .venv/bin/python -m bench.proofs                  # 10^4, 10^5, 10^6 leaves
    .venv/bin/python -m bench.proofs --sizes 10000 --samples 200

``python -m bench`` runs :func:`compare`: the same trees, with repetitions.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from uuid import uuid4

from bench.stats import Comparison
from ledger.merkle import verify_consistency, verify_inclusion
from ledger.transparency import Leaf, TreeStore

CHUNK = 50_000


@dataclass
class Result:
    size: int
    build_seconds: float
    file_mb: float
    baseline_us: float
    inclusion_us: float
    consistency_us: float
    inclusion_reads: tuple[float, int]
    consistency_reads: tuple[float, int]


def build(path: Path, size: int, chooser: random.Random) -> tuple[TreeStore, list[bytes]]:
    """A tree of ``size`` random leaves in a new SQLite file; returns it and some leaves."""
    tree = TreeStore(f"sqlite:///{path}")
    stream, kept = str(uuid4()), []
    for start in range(0, size, CHUNK):
        hashes = [chooser.randbytes(32) for _ in range(min(CHUNK, size - start))]
        kept.extend(hashes[:: max(1, size // 1000)])
        tree.append([Leaf(start + i, start + i + 1, stream, 1, h) for i, h in enumerate(hashes)])
    return tree, kept


def _timed(samples: int, work: Callable[[int], object], chooser: random.Random) -> list[float]:
    times = []
    for _ in range(samples):
        argument = chooser.randrange(1 << 62)
        start = time.perf_counter()
        work(argument)
        times.append(time.perf_counter() - start)
    return times


def _reads(tree: TreeStore, work: Callable[[], object]) -> int:
    before = tree.node_reads
    work()
    return tree.node_reads - before


def measure(size: int, folder: Path, samples: int, seed: int) -> Result:
    chooser = random.Random(seed + size)
    path = folder / f"tree-{size}.db"
    started = time.perf_counter()
    tree, _ = build(path, size, chooser)
    built = time.perf_counter() - started
    root = tree.root(size)
    baseline = _timed(samples, lambda r: tree.node(0, r % size), chooser)
    inclusion = _timed(samples, lambda r: tree.inclusion_proof(r % size, size), chooser)
    consistency = _timed(
        samples, lambda r: tree.consistency_proof(1 + r % (size - 1), size), chooser
    )
    inclusion_reads, consistency_reads = [], []
    for _ in range(200):
        index, older = chooser.randrange(size), chooser.randrange(1, size)
        inclusion_reads.append(_reads(tree, partial(tree.inclusion_proof, index, size)))
        consistency_reads.append(_reads(tree, partial(tree.consistency_proof, older, size)))
    _spot_check(tree, size, root, chooser)
    tree.close()
    result = Result(
        size,
        built,
        path.stat().st_size / 1e6,
        statistics.median(baseline) * 1e6,
        statistics.median(inclusion) * 1e6,
        statistics.median(consistency) * 1e6,
        (statistics.mean(inclusion_reads), max(inclusion_reads)),
        (statistics.mean(consistency_reads), max(consistency_reads)),
    )
    path.unlink()
    return result


def _spot_check(tree: TreeStore, size: int, root: bytes, chooser: random.Random) -> None:
    """The timed proofs are real: a few of them verify against the root."""
    for _ in range(5):
        index, older = chooser.randrange(size), chooser.randrange(1, size)
        leaf = tree.leaf(index).leaf_hash
        verify_inclusion(leaf, index, size, tree.inclusion_proof(index, size), root)
        proof = tree.consistency_proof(older, size)
        verify_consistency(older, size, proof, tree.root(older), root)


def compare(sizes: list[int], repetitions: int, samples: int, seed: int = 6962) -> list[Comparison]:
    """Per size, repeated: median inclusion-proof time beside one indexed row read."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            chooser = random.Random(seed + size)
            path = Path(folder) / f"tree-{size}.db"
            tree, _ = build(path, size, chooser)
            _spot_check(tree, size, tree.root(size), chooser)
            results.append(_repeated(tree, size, repetitions, samples, chooser))
            tree.close()
            path.unlink()
    return results


def _repeated(
    tree: TreeStore, size: int, repetitions: int, samples: int, chooser: random.Random
) -> Comparison:
    result = Comparison(
        "inclusion proof",
        "µs",
        "TreeStore.inclusion_proof",
        "TreeStore.node (one indexed row)",
        extra={"size": size, "consistency_us": []},
    )
    for _ in range(repetitions):
        row = _timed(samples, lambda r: tree.node(0, r % size), chooser)
        inclusion = _timed(samples, lambda r: tree.inclusion_proof(r % size, size), chooser)
        consistency = _timed(
            samples, lambda r: tree.consistency_proof(1 + r % (size - 1), size), chooser
        )
        result.add(statistics.median(inclusion) * 1e6, statistics.median(row) * 1e6)
        result.extra["consistency_us"].append(statistics.median(consistency) * 1e6)
    return result


def report(results: list[Result]) -> str:
    first = results[0]
    lines = [
        "| leaves | log2 n | build s | file MB | row read µs | inclusion µs (× row, × first) "
        "| consistency µs (× row, × first) | node reads incl. mean/max | cons. mean/max |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.size:,} | {math.log2(r.size):.1f} | {r.build_seconds:.1f} | {r.file_mb:.0f} "
            f"| {r.baseline_us:.0f} "
            f"| {r.inclusion_us:.0f} ({r.inclusion_us / r.baseline_us:.2f}×, "
            f"{r.inclusion_us / first.inclusion_us:.2f}×) "
            f"| {r.consistency_us:.0f} ({r.consistency_us / r.baseline_us:.2f}×, "
            f"{r.consistency_us / first.consistency_us:.2f}×) "
            f"| {r.inclusion_reads[0]:.1f}/{r.inclusion_reads[1]} "
            f"| {r.consistency_reads[0]:.1f}/{r.consistency_reads[1]} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**4, 10**5, 10**6])
    parser.add_argument("--samples", type=int, default=500, help="timed proofs per size")
    parser.add_argument("--seed", type=int, default=6962)
    parser.add_argument("--dir", type=Path, help="where the SQLite files go (default: a temp dir)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=options.dir) as folder:
        results = []
        for size in options.sizes:
            results.append(measure(size, Path(folder), options.samples, options.seed))
            print(f"{size:,} leaves measured", flush=True)
    print(report(results))


if __name__ == "__main__":
    main()
