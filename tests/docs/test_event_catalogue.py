"""The event catalogue names every command and every event class the ledger has."""

from __future__ import annotations

from pathlib import Path

from ledger.events import LedgerEvent
from ledger.tender.actions import TENDER_ACTIONS

CATALOGUE = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text("utf-8")


def _event_classes(base: type) -> set[str]:
    found = set()
    for child in base.__subclasses__():
        found.add(child.__name__)
        found |= _event_classes(child)
    return found


def test_every_tender_command_is_in_the_catalogue_with_its_role() -> None:
    for name, action in TENDER_ACTIONS.items():
        rows = [line for line in CATALOGUE.splitlines() if line.startswith(f"| {name} |")]
        assert rows, f"{name} missing from docs/events.md"
        assert f"| {action.role} |" in rows[0], f"{name}: role {action.role} not in its row"


def test_every_event_class_is_in_the_catalogue() -> None:
    for name in {n for n in _event_classes(LedgerEvent) if not n.startswith("_")} - {
        "LedgerCreated"
    }:
        assert f"| {name} |" in CATALOGUE, f"event {name} missing from docs/events.md"
