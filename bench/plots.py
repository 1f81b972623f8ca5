"""PNG plots of a run: append throughput and latency, and proof time, against log size.

Needs matplotlib (the ``bench`` extra: ``pip install -e '.[bench]'``); without it the
run still reports every figure and says that no plot was drawn.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.stats import Comparison

Figures = Sequence[object]


def draw(figures: Figures, folder: Path) -> str:
    """Write the plots into ``folder``; a line saying what was written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plots: not drawn (matplotlib is not installed: pip install -e '.[bench]')"
    folder.mkdir(parents=True, exist_ok=True)
    comparisons = [f for f in figures if isinstance(f, Comparison)]
    written = [
        _throughput(plt, comparisons, folder / "append_throughput.png"),
        _latency(plt, comparisons, folder / "append_latency.png"),
        _proofs(plt, comparisons, folder / "proofs.png"),
    ]
    return "plots: " + ", ".join(str(path) for path in written)


def _series(figures: list[Comparison], name: str) -> list[Comparison]:
    return sorted((f for f in figures if f.name == name), key=lambda f: int(f.extra["size"]))


def _throughput(plt: Any, figures: list[Comparison], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for backend, marker in (("SQLite", "o"), ("PostgreSQL", "s")):
        series = _series(figures, f"append ({backend})")
        if not series:
            continue
        sizes = [f.extra["size"] for f in series]
        for values, label, style in (
            ([f.ours for f in series], "LedgerService.execute", "-"),
            ([f.baseline for f in series], "eventsourcing load + save", "--"),
        ):
            medians = [statistics.median(v) for v in values]
            low = [m - min(v) for m, v in zip(medians, values, strict=True)]
            high = [max(v) - m for m, v in zip(medians, values, strict=True)]
            axes.errorbar(
                sizes,
                medians,
                yerr=[low, high],
                marker=marker,
                linestyle=style,
                capsize=3,
                label=f"{label} ({backend})",
            )
    _axes(axes, "events already in the log", "appends per second (median, min–max)")
    axes.set_title("One command per transaction: throughput against log size")
    return _save(plt, figure, path)


def _latency(plt: Any, figures: list[Comparison], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for backend, marker in (("SQLite", "o"), ("PostgreSQL", "s")):
        series = _series(figures, f"append ({backend})")
        if not series:
            continue
        sizes = [f.extra["size"] for f in series]
        for key, label, style in (
            ("ours_latency_ms", "LedgerService.execute", "-"),
            ("baseline_latency_ms", "eventsourcing load + save", "--"),
        ):
            medians = [f.extra[key]["median"] for f in series]
            upper = [f.extra[key]["p90"] - m for f, m in zip(series, medians, strict=True)]
            axes.errorbar(
                sizes,
                medians,
                yerr=[[0] * len(upper), upper],
                marker=marker,
                linestyle=style,
                capsize=3,
                label=f"{label} ({backend})",
            )
    _axes(axes, "events already in the log", "milliseconds per append (median, bar to p90)")
    axes.set_title("One command per transaction: latency against log size")
    return _save(plt, figure, path)


def _proofs(plt: Any, figures: list[Comparison], path: Path) -> Path:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    series = _series(figures, "inclusion proof")
    sizes = [f.extra["size"] for f in series]
    for values, label in (
        ([f.ours for f in series], "inclusion proof"),
        ([f.extra["consistency_us"] for f in series], "consistency proof"),
        ([f.baseline for f in series], "one indexed row read (baseline)"),
    ):
        axes.plot(sizes, [statistics.median(v) for v in values], marker="o", label=label)
    _axes(axes, "leaves in the Merkle tree", "microseconds (median of repetitions)")
    axes.set_title("Proof generation from the stored tree against tree size")
    return _save(plt, figure, path)


def _axes(axes: Any, x_label: str, y_label: str) -> None:
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")


def _save(plt: Any, figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
