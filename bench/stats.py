"""Repetitions of a figure beside its baseline, and their ratio: median, min and max."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of some repetitions."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        if not values:
            raise ValueError("no repetitions to summarise")
        return cls(statistics.median(values), min(values), max(values))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "min": self.low, "max": self.high}


@dataclass
class Comparison:
    """One figure (``ours``) beside its baseline, measured in the same repetitions.

    The ratio of each repetition is ours ÷ baseline of the same quantity: for a
    throughput, above 1 means faster than the baseline; for a time or a size, above 1
    means more time or more memory than the baseline.
    """

    name: str
    unit: str
    ours_label: str
    baseline_label: str
    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, ours: float, baseline: float) -> None:
        self.ours.append(ours)
        self.baseline.append(baseline)

    @property
    def ratios(self) -> list[float]:
        return [o / b for o, b in zip(self.ours, self.baseline, strict=True)]

    def ratio(self) -> Spread:
        return Spread.of(self.ratios)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "ours_label": self.ours_label,
            "baseline_label": self.baseline_label,
            "repetitions": len(self.ours),
            "ours": Spread.of(self.ours).as_dict(),
            "baseline": Spread.of(self.baseline).as_dict(),
            "ratio": self.ratio().as_dict(),
            "ours_values": self.ours,
            "baseline_values": self.baseline,
            **self.extra,
        }


@dataclass(frozen=True)
class Unmeasured:
    """A figure that could not be measured, and why."""

    name: str
    reason: str
    size: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "ratio": None, "reason": self.reason}
