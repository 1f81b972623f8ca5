"""docs/commands.md is what ``python -m commands.docgen`` writes from the typed commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands import docgen
from ledger.procedure import dispatch, schema
from ledger.procedure.base import HANDLERS


def test_the_commands_page_is_what_the_generator_writes() -> None:
    assert docgen.DOC.read_text(encoding="utf-8") == docgen.render(), (
        "docs/commands.md is out of date: run python -m commands.docgen"
    )


def test_the_check_fails_on_a_page_that_drifted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    drifted = tmp_path / "commands.md"
    drifted.write_text(docgen.render().replace("| `lot` |", "| `lots` |", 1), encoding="utf-8")
    monkeypatch.setattr(docgen, "DOC", drifted)
    assert docgen.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    drifted.write_text(docgen.render(), encoding="utf-8")
    assert docgen.main(["--check"]) == 0


def test_every_command_has_its_section_with_its_role_and_every_field() -> None:
    page = docgen.render()
    assert dispatch.command_class("SubmitBid").guard.role == "bidder"
    for name, handler in HANDLERS.items():
        section = page.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        assert f"signing as `{handler.command.guard.role}`" in section, name
        for field in schema.fields_of(handler.command):
            assert f"| `{field.key}` |" in section, f"{name}.{field.key}"


def test_a_late_bid_is_listed_as_refused_by_its_clause() -> None:
    section = docgen.render().split("### SubmitBid\n", 1)[1].split("\n### ", 1)[0]
    assert "- §21.1 `LATE_BID`: bids received after the submission deadline are rejected" in section
    assert "- C2 `BID_BOUND`" in section
