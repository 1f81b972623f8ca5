"""The figures as Markdown tables, and the headline ratios as one JSON object."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.rush import RushFigure
from bench.stats import Comparison, Unmeasured

Figure = Comparison | Unmeasured | RushFigure

HEADLINES = {
    "append_ratio": "append (SQLite)",
    "batch_append_ratio": "batched append (SQLite)",
    "verify_ratio": "verify",
    "rebuild_ratio": "rebuild",
    "opening_ratio": "opening",
}


@dataclass
class Headline:
    """The medians of the headline ratios (None where not measured) and why not."""

    ratios: dict[str, float | None] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def headline(figures: Sequence[Figure]) -> Headline:
    """Each headline figure at the largest log size measured."""
    result = Headline()
    for key, name in HEADLINES.items():
        found = [f for f in figures if f.name == name and not isinstance(f, RushFigure)]
        if not found:
            result.ratios[key] = None
            result.reasons[key] = f"{name!r} was not run"
            continue
        last = max(found, key=_size)
        if isinstance(last, Unmeasured):
            result.ratios[key] = None
            result.reasons[key] = last.reason
        else:
            result.ratios[key] = round(last.ratio().median, 4)
    return result


def markdown(figures: Sequence[Figure]) -> str:
    """Every figure, then append latencies and the deadline rushes, as Markdown tables."""
    lines = [
        "| figure | log size | ours (median) | baseline (median) | ratio median | min | max "
        "| reps | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for figure in figures:
        if not isinstance(figure, RushFigure):
            lines.append(_row(figure))
    lines += ["", *_latencies([f for f in figures if isinstance(f, Comparison)])]
    lines += ["", *_rushes([f for f in figures if isinstance(f, RushFigure)])]
    return "\n".join(lines)


def _rushes(figures: list[RushFigure]) -> list[str]:
    if not figures:
        return []
    lines = [
        "| deadline rush | clients (processes) | commands | bids accepted | withdrawals "
        "| refused after the deadline | commands/s median (min–max) | p50 | p99 | reps |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for figure in figures:
        runs = [result.as_dict() for result in figure.results]
        rates = [run["throughput"] for run in runs]
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        lines.append(
            f"| {figure.backend} | {runs[0]['clients']} ({runs[0]['processes']}) "
            f"| {median['commands']:,.0f} | {median['accepted_bids']:,.0f} "
            f"| {median['withdrawals']:,.0f} | {median['refused_after_deadline']:,.0f} "
            f"| {number(median['throughput'])} ({number(min(rates))}–{number(max(rates))}) "
            f"| {median['p50_ms']:.0f} ms | {median['p99_ms']:.0f} ms | {len(runs)} |"
        )
    return lines


def _row(figure: Comparison | Unmeasured) -> str:
    size = f"{_size(figure):,}" if _size(figure) else ""
    if isinstance(figure, Unmeasured):
        return f"| {figure.name} | {size} | – | – | null | | | | {figure.reason} |"
    ours = statistics.median(figure.ours)
    baseline = statistics.median(figure.baseline)
    ratio = figure.ratio()
    return (
        f"| {figure.name} | {size} | {number(ours)} {figure.unit} ({figure.ours_label}) "
        f"| {number(baseline)} {figure.unit} ({figure.baseline_label}) "
        f"| {ratio.median:.3g} | {ratio.low:.3g} | {ratio.high:.3g} | {len(figure.ours)} "
        f"| {_notes(figure)} |"
    )


def _notes(figure: Comparison) -> str:
    extra = figure.extra
    notes: dict[str, Callable[[], str]] = {
        "consistency_us": lambda: f"consistency proof {_median(extra['consistency_us'])} µs",
        "verify_rate": lambda: (
            f"one run; verify {_median(extra['verify_rate'])} events/s, "
            f"read + decode {_median(extra['read_rate'])} events/s"
        ),
        "read_rate": lambda: f"read + decode {_median(extra['read_rate'])} events/s",
        "from_size": lambda: "target: at most 1.3 (constant cost per command)",
        "models": lambda: "one pass: " + ", ".join(extra["models"]),
        "processes": lambda: f"{extra['processes']} process(es) each side",
        "document_bytes": lambda: f"{extra['bids']:,} bids of {extra['document_bytes']:,} bytes",
    }
    return next((note() for key, note in notes.items() if key in extra), "")


def _median(values: list[float]) -> str:
    return number(statistics.median(values))


def _latencies(figures: list[Comparison]) -> list[str]:
    rows = [f for f in figures if "ours_latency_ms" in f.extra]
    if not rows:
        return []
    lines = [
        "| append latency | log size | ours median | ours p90 | baseline median | baseline p90 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for figure in rows:
        ours, base = figure.extra["ours_latency_ms"], figure.extra["baseline_latency_ms"]
        lines.append(
            f"| {figure.name} | {_size(figure):,} | {ours['median']:.2f} ms "
            f"| {ours['p90']:.2f} ms | {base['median']:.2f} ms | {base['p90']:.2f} ms |"
        )
    return lines


def _size(figure: Figure) -> int:
    if isinstance(figure, Unmeasured | RushFigure):
        return figure.size
    return int(figure.extra.get("size", 0))


def number(value: float) -> str:
    """A figure rounded for reading: thousands separated, three significant digits."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
