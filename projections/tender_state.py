"""The tender state read model: every tender's lots, bids, scores and challenges (R3).

Rows are derived from the tender's state as the events leave it, so they always say what
the state says. Events come in batches (``apply_batch``; ``apply`` is a batch of one): the
states of the tenders in a batch are advanced in memory, then each changed tender's rows
are compared with the rows last written for it and only the difference is written (new
rows inserted, changed rows updated, vanished rows deleted), with one statement per table
and kind of change for the whole batch. Money and times are text exactly as in signed data
(``Decimal`` as ``f"{x:f}"``, times in Beijing ISO 8601), so rows compare equal on SQLite
and PostgreSQL. Receipts (one row per accepted submission, with its log index) are only
ever added. Party names come from the registry's events, for the views.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ledger.events import LedgerEvent
from ledger.procedure import dispatch
from ledger.procedure.state import TenderState
from ledger.store import LedgerStore
from projections.tender_rows import (
    Rows,
    amount,
    as_json,
    derived_rows,
    moment,
    phase,
    receipt_row,
)
from projections.tender_tables import PREFIX, define_tables

__all__ = [
    "CACHE_SIZE",
    "TENDER_EVENTS",
    "TenderStateModel",
    "amount",
    "as_json",
    "moment",
    "phase",
]

CACHE_SIZE = 512
TENDER_EVENTS = frozenset(dispatch.event_types("tender"))


class TenderStateModel:
    """Projection ``tender_state``: tenders, lots, bids, scores, challenges, parties."""

    name = PREFIX
    version = 2  # 2: the remote evaluation (venues, draws, check-ins) of each tender

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self.schema = define_tables(sa.MetaData())
        self._cache: OrderedDict[UUID, TenderState] = OrderedDict()
        self._written: OrderedDict[str, Rows] = OrderedDict()  # the rows last written

    def tables(self, metadata: sa.MetaData) -> list[sa.Table]:
        return [table.to_metadata(metadata) for table in self.schema.all()]

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        self.apply_batch(connection, [(event, position)])

    def apply_batch(
        self, connection: sa.Connection, events: Sequence[tuple[LedgerEvent, int]]
    ) -> None:
        """Fold events (in log order, with their log indices) into the tables at once."""
        changed: dict[str, tuple[TenderState, LedgerEvent, int, bool]] = {}
        receipts: list[dict[str, Any]] = []
        try:
            for event, position in events:
                if event.type in ("AuthorityEstablished", "PartyRegistered"):
                    self._party(connection, event)
                elif event.type in TENDER_EVENTS:
                    tender, new = self._advance(event)
                    known = changed.get(tender.stream, (tender, event, position, new))[3]
                    changed[tender.stream] = (tender, event, position, known)
                    if event.type == "BidSubmitted":
                        receipts.append(receipt_row(event, position))
            if receipts:
                connection.execute(self.schema.receipts.insert(), receipts)
            self._write(connection, changed)
        except BaseException:
            self._cache.clear()  # what the batch advanced was not written: read it again
            self._written.clear()
            raise

    def _advance(self, event: LedgerEvent) -> tuple[TenderState, bool]:
        """The tender as ``event`` leaves it (loaded when not cached at v-1); new or not."""
        stream = event.originator_id
        tender = self._cache.pop(stream, None)
        before = event.originator_version - 1
        if tender is None or tender.version != before:
            tender = self._store.state(TenderState, stream, before) if before else None
        result = dispatch.apply(tender, event.record())
        if not isinstance(result, TenderState):
            raise TypeError(f"stream {stream} holds a {event.type}, not a tender event")
        self._cache[stream] = result
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return result, before == 0

    def _party(self, connection: sa.Connection, event: LedgerEvent) -> None:
        parties = self.schema.parties
        if event.type == "AuthorityEstablished":
            party, name, roles, attributes = event.actor, event.args["name"], ["authority"], {}
        else:
            party, name = event.args["party"], event.args["name"]
            roles, attributes = sorted(event.args["roles"]), dict(event.args.get("attributes", {}))
        connection.execute(parties.delete().where(parties.c.party == party))
        connection.execute(
            parties.insert().values(
                party=party,
                name=name,
                roles=as_json(roles),
                address=str(attributes.get("address", "")),
                phone=str(attributes.get("phone", "")),
            )
        )

    def _write(
        self,
        connection: sa.Connection,
        changed: dict[str, tuple[TenderState, LedgerEvent, int, bool]],
    ) -> None:
        """Write each changed tender's difference from its rows last written."""
        work = {table.name: _Changes() for table in self.schema.derived()}
        for stream, (tender, event, position, new) in changed.items():
            rows = derived_rows(self.schema, tender, event, position)
            before = {} if new else self._previous(connection, stream)
            for name, now in rows.items():
                work[name].add(before.get(name, {}), now)
            self._written[stream] = rows
            self._written.move_to_end(stream)
        while len(self._written) > CACHE_SIZE:
            self._written.popitem(last=False)
        for table in self.schema.derived():
            work[table.name].write(connection, table)

    def _previous(self, connection: sa.Connection, stream: str) -> Rows:
        """The rows last written for a tender: kept, or read back from its tables."""
        if stream in self._written:
            return self._written[stream]
        rows: Rows = {}
        for table in self.schema.derived():
            keys = [column.name for column in table.primary_key.columns]
            found = connection.execute(sa.select(table).where(table.c.stream == stream))
            rows[table.name] = {
                tuple(row._mapping[key] for key in keys): dict(row._mapping) for row in found
            }
        return rows


class _Changes:
    """The rows of one table to insert, update and delete, for a batch of tenders."""

    def __init__(self) -> None:
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.deletes: list[dict[str, Any]] = []

    def add(
        self,
        before: dict[tuple[Any, ...], dict[str, Any]],
        now: dict[tuple[Any, ...], dict[str, Any]],
    ) -> None:
        for key, row in now.items():
            old = before.get(key)
            if old is None:
                self.inserts.append(row)
            elif old != row:
                self.updates.append(row)
        self.deletes += [row for key, row in before.items() if key not in now]

    def write(self, connection: sa.Connection, table: sa.Table) -> None:
        keys = [column.name for column in table.primary_key.columns]
        where = [table.c[key] == sa.bindparam(f"key_{key}") for key in keys]
        if self.deletes:
            rows = [{f"key_{key}": row[key] for key in keys} for row in self.deletes]
            connection.execute(table.delete().where(*where), rows)
        if self.updates:
            columns = [column.name for column in table.columns if column.name not in keys]
            values: dict[str, Any] = {name: sa.bindparam(f"new_{name}") for name in columns}
            rows = [
                {f"new_{name}": row[name] for name in columns}
                | {f"key_{key}": row[key] for key in keys}
                for row in self.updates
            ]
            connection.execute(table.update().where(*where).values(values), rows)
        if self.inserts:
            connection.execute(table.insert(), self.inserts)
