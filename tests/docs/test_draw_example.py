"""The worked example in docs/draw.md is what the code computes, table for table."""

from __future__ import annotations

import difflib
from pathlib import Path

from tests.support.draw import render_worked_example, worked_example

DOC = Path(__file__).resolve().parents[2] / "docs" / "draw.md"
BEGIN = "<!-- worked-example:begin -->\n"
END = "<!-- worked-example:end -->\n"


def test_the_documented_worked_example_is_the_computed_one() -> None:
    text = DOC.read_text("utf-8")
    documented = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    computed = render_worked_example()
    diff = "".join(difflib.unified_diff(documented.splitlines(True), computed.splitlines(True)))
    assert documented == computed, f"regenerate with python -m tests.support.draw:\n{diff}"


def test_the_worked_example_draws_four_experts_from_two_regions_into_two_venues() -> None:
    result = worked_example().result
    assert {(s.region, s.venue) for s in result.members} == {
        ("jian", "main"),
        ("changle", "secondary"),
    }
    assert len(result.members) == 4
    assert {x.expert_id for x in result.excluded} == {
        "CL-02",
        "CL-05",
        "CL-06",
        "CL-07",
        "FZ-01",
        "JA-03",
        "JA-05",
    }
