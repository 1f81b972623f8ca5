"""Placeholder: filled in by the award phase."""

from __future__ import annotations

from ledger.tender.actions_base import Action

ACTIONS: dict[str, Action] = {}
