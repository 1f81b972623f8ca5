"""The contract of a read model kept by the catch-up runner (R3).

A projection owns a few SQL tables (names prefixed with its own ``name``) and folds the
ledger's events into them one at a time, in log order, inside the runner's transaction.
It must be deterministic: given the same events it produces the same rows, whether kept
incrementally or rebuilt from scratch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import sqlalchemy

from ledger.events import LedgerEvent


class Projection(Protocol):
    """A read model: its tables, and how one event changes them."""

    name: str
    """Unique, e.g. ``"tender_state"``; also the prefix of its table names."""

    version: int
    """Bump to force a rebuild (the runner rebuilds when the stored version differs)."""

    def tables(self, metadata: sqlalchemy.MetaData) -> list[sqlalchemy.Table]:
        """Define this projection's tables on ``metadata`` (names ``f"{name}_..."``)."""
        ...

    def apply(self, connection: sqlalchemy.Connection, event: LedgerEvent, position: int) -> None:
        """Fold ONE decoded event (at log index ``position``) into the tables.

        Runs inside the runner's transaction; reads and writes only this projection's
        own tables through ``connection``; uses nothing but the event and those tables.
        """
        ...


class BatchProjection(Projection, Protocol):
    """A read model that can also fold many events at once (``apply_batch``): the runner then
    hands it each batch of the log, which it may write with a few statements; the rows it
    leaves must be the ones ``apply`` leaves event by event."""

    def apply_batch(
        self, connection: sqlalchemy.Connection, events: Sequence[tuple[LedgerEvent, int]]
    ) -> None:
        """Fold events (each with its log index), in log order, into the tables."""
        ...
