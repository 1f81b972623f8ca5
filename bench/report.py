"""The figures as Markdown tables, and the headline ratios as one JSON object."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.stats import Comparison, Unmeasured

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


def headline(figures: Sequence[Comparison | Unmeasured]) -> Headline:
    """Each headline figure at the largest log size measured."""
    result = Headline()
    for key, name in HEADLINES.items():
        found = [f for f in figures if f.name == name]
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


def markdown(figures: Sequence[Comparison | Unmeasured]) -> str:
    """Every figure, then append latencies, as Markdown tables."""
    lines = [
        "| figure | log size | ours (median) | baseline (median) | ratio median | min | max "
        "| reps | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for figure in figures:
        lines.append(_row(figure))
    lines += ["", *_latencies([f for f in figures if isinstance(f, Comparison)])]
    return "\n".join(lines)


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
    if "consistency_us" in extra:
        return f"consistency proof {number(statistics.median(extra['consistency_us']))} µs"
    if "read_rate" in extra:
        return f"read + decode {number(statistics.median(extra['read_rate']))} events/s"
    if "models" in extra:
        return "one pass: " + ", ".join(extra["models"])
    if "processes" in extra:
        return f"{extra['processes']} process(es) each side"
    if "document_bytes" in extra:
        return f"{extra['bids']:,} bids of {extra['document_bytes']:,} bytes"
    return ""


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


def _size(figure: Comparison | Unmeasured) -> int:
    if isinstance(figure, Unmeasured):
        return figure.size
    return int(figure.extra.get("size", 0))


def number(value: float) -> str:
    """A figure rounded for reading: thousands separated, three significant digits."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
