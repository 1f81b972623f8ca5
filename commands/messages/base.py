"""The base of typed command messages: imperative names, frozen dataclasses, one per action.

A command's ``args`` are what its actor signs (money as decimal strings, times as ISO 8601
in Beijing time). ``tender`` is the project code; registry commands have none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.clock import format_time


@dataclass(frozen=True)
class Command:
    """Base of every command message."""

    def kind(self) -> str:
        """The command's name as signed: the class name."""
        return type(self).__name__

    def target(self) -> str | None:
        """The project code of the tender this command acts on; None for the registry."""
        value = getattr(self, "tender", None)
        return str(value) if value is not None else None

    def args(self) -> dict[str, Any]:
        return {
            item.name: signable(getattr(self, item.name))
            for item in dataclasses.fields(self)
            if item.name != "tender" and getattr(self, item.name) is not None
        }


def signable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return format_time(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: signable(getattr(value, item.name))
            for item in dataclasses.fields(value)
            if getattr(value, item.name) is not None
        }
    if isinstance(value, Mapping):
        return {str(key): signable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [signable(item) for item in items]
    return value
