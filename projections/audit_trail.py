"""The audit trail read model: every event in log order, in words, with its signature checked.

Each row names the time, the actor (and its registered name), the role, the action in
Chinese and English, a one-line summary, the event's hash and the hash it chains to, and
``signature_checked``: ``"ok"`` or why the signed command does not verify against the
registry as it stood at that log index (the same check as ``verify_log``).
The registry is kept in memory and reloaded from the store whenever it is not exactly at
the registry events before the event's log index, so the model resumes after a restart.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

import sqlalchemy as sa

from ledger.events import LedgerEvent
from ledger.procedure import dispatch
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.replay import ATTEMPT_TYPES
from ledger.rules import catalogue as rules
from ledger.store import LedgerStore
from projections.labels import action_name
from projections.summaries import summarise
from projections.tender_state import moment

PREFIX = "audit_trail"
_TEXT = (
    *("stream", "target", "time", "actor", "actor_name", "role", "command", "command_id"),
    *("key_id", "event_type", "action_zh", "action_en", "summary", "event_hash", "prev_hash"),
    "signature_checked",
)
OK = "ok"
_NO_PARTIES = cast(RegistryState, SimpleNamespace(parties={}))  # before the registry exists


def define_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        f"{PREFIX}_events",
        metadata,
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer, nullable=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in _TEXT),
    )


class RegistryAt:
    """The registry as the registry events before a given log index left it."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self._positions: list[int] = []  # log indexes of the registry stream's events
        self._scanned = 0  # the log has been read up to this index
        self._registry: RegistryState | None = None

    def before(self, position: int) -> RegistryState | None:
        """The registry built from its events with a log index below ``position``."""
        if position - 1 > self._scanned:
            self._scan()
        version = bisect_left(self._positions, position)
        if version == 0:
            return None
        if self._registry is None or self._registry.version != version:
            self._registry = self._store.state(RegistryState, REGISTRY_STREAM, version)
        return self._registry

    def advance(self, event: LedgerEvent, position: int) -> None:
        """Fold the registry event at ``position`` into the kept registry."""
        registry = self.before(position)
        result = dispatch.apply(registry, event.record())
        if not isinstance(result, RegistryState):
            raise TypeError(f"log index {position}: the registry stream holds a foreign event")
        self._registry = result

    def _scan(self) -> None:
        self._positions = self._store.positions(REGISTRY_STREAM)
        self._scanned = self._store.head()


def check_signature(event: LedgerEvent, registry: RegistryState | None) -> str:
    """``"ok"`` if the event's signed command verifies as ``verify_log`` checks it; else why."""
    command = event.signed_command()
    try:
        if event.type == "AuthorityEstablished":
            command.verify_with(bytes.fromhex(event.args["public_key"]), where="genesis")
        elif registry is None:
            return "failed: no registry before this event"
        else:
            registry.authenticate(command, event.timestamp, event.role)
    except Exception as exc:  # a forged or damaged event can fail in any way: say how
        return f"failed: {exc}"
    return OK


class AuditTrail:
    """Projection ``audit_trail``: one row per event of every stream."""

    name = PREFIX
    version = 1

    def __init__(self, store: LedgerStore) -> None:
        self.table = define_table(sa.MetaData())
        self._registries = RegistryAt(store)

    def tables(self, metadata: sa.MetaData) -> list[sa.Table]:
        return [self.table.to_metadata(metadata)]

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        self.apply_batch(connection, [(event, position)])

    def apply_batch(
        self, connection: sa.Connection, events: Sequence[tuple[LedgerEvent, int]]
    ) -> None:
        """One row per event, inserted together."""
        rows = []
        for event, position in events:
            rows.append(_row(event, position, self._registries.before(position)))
            if event.originator_id == REGISTRY_STREAM:
                self._registries.advance(event, position)
        connection.execute(self.table.insert(), rows)


def _row(event: LedgerEvent, position: int, registry: RegistryState | None) -> dict[str, Any]:
    event_type = event.type
    zh, en = action_name(event_type)
    summary = _summary(event, registry)
    if event.type in ATTEMPT_TYPES:  # kept on the record, not applied
        zh, en = "被拒绝的操作", f"refused: {event.command}"
        summary = rules.describe(event.facts)
    names = {} if registry is None else registry.parties
    party = names.get(event.actor)
    if party is not None:
        actor_name = party.name
    elif event.type == "AuthorityEstablished":
        actor_name = str(event.args.get("name", event.actor))
    else:
        actor_name = event.actor
    return {
        "position": position,
        "version": event.originator_version,
        "stream": str(event.originator_id),
        "target": event.signed_command().stream,
        "time": moment(event.timestamp),
        "actor": event.actor,
        "actor_name": actor_name,
        "role": event.role,
        "command": event.command,
        "command_id": event.command_id,
        "key_id": event.key_id,
        "event_type": event_type,
        "action_zh": zh,
        "action_en": en,
        "summary": summary,
        "event_hash": event.event_hash,
        "prev_hash": event.prev_hash,
        "signature_checked": check_signature(event, registry),
    }


def _summary(event: LedgerEvent, registry: RegistryState | None) -> str:
    try:
        return summarise(event, registry or _NO_PARTIES)
    except Exception as exc:  # a summary is words for people: never stop the model for it
        return f"({type(exc).__name__} while summarising)"


def audit_rows(
    connection: sa.Connection, stream: UUID, *, with_attempts: bool = False
) -> list[dict[str, Any]]:
    """The audit rows of ``stream`` in log order; with ``with_attempts`` also the refused
    attempts signed for it (kept in its attempts stream)."""
    table = define_table(sa.MetaData())
    where = table.c.stream == str(stream)
    if with_attempts:
        where = sa.or_(where, table.c.target == str(stream))
    query = sa.select(table).where(where).order_by(table.c.position)
    return [dict(row._mapping) for row in connection.execute(query)]
