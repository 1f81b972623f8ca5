"""How the benchmark summarises repetitions into ratios and the headline JSON."""

from __future__ import annotations

import pytest

from bench.append import growth
from bench.report import HEADLINES, headline, markdown
from bench.rush import RushFigure, RushResult
from bench.stats import Comparison, Spread, Unmeasured


def _append(size: int, pairs: list[tuple[float, float]]) -> Comparison:
    comparison = Comparison("append (SQLite)", "events/s", "ours", "plain", extra={"size": size})
    for ours, baseline in pairs:
        comparison.add(ours, baseline)
    return comparison


def test_each_repetition_gives_its_own_ratio_and_the_spread_is_taken_over_them() -> None:
    comparison = _append(1000, [(10, 100), (30, 100), (20, 50)])
    assert comparison.ratios == [0.1, 0.3, 0.4]
    assert comparison.ratio() == Spread(0.3, 0.1, 0.4)


def test_a_spread_of_no_repetitions_is_refused() -> None:
    with pytest.raises(ValueError, match="no repetitions"):
        Spread.of([])


def test_the_headline_takes_each_figure_at_the_largest_log_size() -> None:
    figures = [_append(100_000, [(1, 4), (1, 2), (1, 8)]), _append(1000, [(1, 1)])]
    assert headline(figures).ratios["append_ratio"] == 0.25


def test_the_headline_has_exactly_its_keys_and_says_why_a_ratio_is_null() -> None:
    reason = "LedgerService has no execute_many()"
    result = headline([Unmeasured("batched append (SQLite)", reason, 1000)])
    assert list(result.ratios) == list(HEADLINES)
    assert result.ratios["batch_append_ratio"] is None
    assert result.reasons["batch_append_ratio"] == reason
    assert result.reasons["verify_ratio"] == "'verify' was not run"


def test_the_table_shows_medians_beside_baselines_and_the_ratio_spread() -> None:
    table = markdown([_append(1000, [(10, 100), (30, 100), (20, 50)])])
    row = next(line for line in table.splitlines() if line.startswith("| append (SQLite)"))
    assert "| 1,000 | 20 events/s (ours) | 100 events/s (plain) | 0.3 | 0.1 | 0.4 | 3 |" in row


def test_a_command_cost_that_does_not_grow_with_the_log_gives_a_growth_near_one() -> None:
    small = _append(1000, [(100, 50), (120, 60)])
    large = _append(100_000, [(100, 25), (100, 30)])
    (found,) = growth([small, large])
    assert found.name == "append cost growth (SQLite)"
    assert found.ours == [1.0, 1.2]  # cost at 10^5 ÷ cost at 10^3, per repetition
    assert found.baseline == [2.0, 2.0]
    assert growth([small]) == []


def test_the_deadline_rush_gets_its_own_table_and_no_headline() -> None:
    run = RushResult(200, 8, 1000, 300, 250, 400, 4.0, [5.0] * 98 + [80.0, 90.0], 1234)
    table = markdown([RushFigure("deadline rush (SQLite)", "SQLite", [run, run])])
    row = next(line for line in table.splitlines() if line.startswith("| SQLite | 200 (8)"))
    assert "| 1,000 | 300 | 250 | 400 | 250 (250–250) | 5 ms | 90 ms | 2 |" in row
    assert headline(
        [RushFigure("deadline rush (SQLite)", "SQLite", [run])]
    ).ratios == dict.fromkeys(HEADLINES)
