"""What a tender command does: the role it needs and the function that applies it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ledger.envelope import SignedCommand
from ledger.identity.registry import Registry
from ledger.tender.aggregate import Tender

Apply = Callable[[Tender, SignedCommand, datetime, Registry], None]


@dataclass(frozen=True)
class Action:
    """A tender command: the role that may sign it and the rule-checking function."""

    role: str
    apply: Apply
