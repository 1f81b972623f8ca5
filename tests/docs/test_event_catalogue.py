"""The event catalogue names every command, its role, and every event type the ledger has."""

from __future__ import annotations

import re
from pathlib import Path

from ledger.procedure import dispatch
from ledger.procedure.base import APPLIERS, HANDLERS

CATALOGUE = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text("utf-8")


def test_every_command_is_in_the_catalogue_with_its_role() -> None:
    assert dispatch.command_class("SubmitBid").guard.role == "bidder"
    for name, handler in HANDLERS.items():
        rows = [line for line in CATALOGUE.splitlines() if line.startswith(f"| {name} |")]
        assert rows, f"{name} missing from docs/events.md"
        role = handler.command.guard.role
        assert f"| {role} |" in rows[0], f"{name}: role {role} not in its row"


def test_every_event_type_is_in_the_catalogue() -> None:
    assert "BidSubmitted" in APPLIERS
    for name in APPLIERS:
        assert f"| {name} |" in CATALOGUE, f"event {name} missing from docs/events.md"


def test_the_glossary_names_only_commands_and_events_that_exist() -> None:
    glossary = (Path(__file__).resolve().parents[2] / "docs" / "glossary.md").read_text("utf-8")
    named = set(re.findall(r"`([A-Z][a-z]+(?:[A-Z][a-z]+)+)`", glossary))
    assert {"SubmitBid", "BidSubmitted", "RecordCalendar"} <= named
    known = set(HANDLERS) | set(APPLIERS) | {"WorkingCalendar", "Receipt"}
    assert named <= known, f"not commands or events: {sorted(named - known)}"
