"""What a platform operator gone bad can do to a copy of its own database.

It holds the database and the platform's keys (the log key included); it does not hold the
registration authority's, the other parties' or the witnesses' keys unless a test says it
does. Each helper does one thing the way such an operator would: append or delete events,
rebuild the Merkle tree, re-sign the checkpoints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger.envelope import GENESIS_HASH, SignedCommand
from ledger.events import LedgerEvent, new_event
from ledger.notes import Checkpoint, NoteSigner, parse_note, sign_checkpoint
from ledger.notes.claims import claims_of, extension_lines
from ledger.procedure.attempts import attempts_stream
from ledger.store import LedgerStore
from ledger.transparency import TreeStore


def copy_database(source: Path, target: Path) -> Path:
    """A byte-exact copy of a live SQLite database (its write-ahead log included)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    return target


def append(
    path: Path,
    stream: UUID,
    event_type: str,
    command: SignedCommand,
    time: datetime,
    facts: Mapping[str, Any] | None = None,
) -> LedgerEvent:
    """Append an event to ``stream``, chained to its last one, rules or no rules."""
    store = LedgerStore(f"sqlite:///{path}")
    try:
        version = store.version_of(stream)
        previous = store.event_at(stream, version).event_hash if version else GENESIS_HASH
        event = new_event(
            stream=stream,
            version=version + 1,
            event_type=event_type,
            command=command,
            time=time,
            facts=dict(facts or {}),
            prev_hash=previous,
        )
        store.append([event])
        return event
    finally:
        store.close()


def rechain(path: Path) -> None:
    """Renumber every stream's versions and recompute every chain link and hash, in log
    order, after events were deleted or edited: what a careful operator does next."""
    store = LedgerStore(f"sqlite:///{path}")
    heads: dict[UUID, tuple[int, str]] = {}
    rewritten: list[tuple[int, int, bytes]] = []
    try:
        for notification in store.log():
            event: LedgerEvent = store.decode(notification)
            stream = event.originator_id
            version, previous = heads.get(stream, (0, GENESIS_HASH))
            fixed = new_event(
                stream=stream,
                version=version + 1,
                event_type=event.type,
                command=event.signed_command(),
                time=event.timestamp,
                facts=event.facts,
                prev_hash=previous,
            )
            heads[stream] = (version + 1, fixed.event_hash)
            rewritten.append((notification.id, version + 1, bytes(store.encode(fixed).state)))
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        for row_id, version, state in rewritten:
            db.execute(
                "UPDATE application_events SET originator_version = ?, state = ? WHERE id = ?",
                (version, state, row_id),
            )


def rebuild_tree(path: Path) -> None:
    """Drop the Merkle tables' rows and rebuild them from the (altered) log."""
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM merkle_leaves")
        db.execute("DELETE FROM merkle_nodes")
    store, tree = LedgerStore(f"sqlite:///{path}"), TreeStore(f"sqlite:///{path}")
    try:
        tree.sync(store)
    finally:
        tree.close()
        store.close()


def resign_checkpoints(path: Path, log: NoteSigner, *, keep_up_to: int | None = None) -> None:
    """Re-sign each checkpoint whose tree changed, with the platform's own log key (no
    witness will cosign these); keep the genuine notes of the unchanged ones, cosignatures
    and all; drop the checkpoints beyond ``keep_up_to`` leaves."""
    tree = TreeStore(f"sqlite:///{path}")
    try:
        size = tree.size()
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM checkpoints WHERE size > ?", (keep_up_to or size,))
        previous = 0
        for stored in tree.checkpoints():
            old = Checkpoint.parse(parse_note(stored.note)[0])
            if old.root == tree.root(stored.size):
                previous = stored.size
                continue  # unchanged: the genuine note stays
            claim = claims_of(old).claim
            always = [claim.tender, str(attempts_stream(claim.tender))] if claim.tender else []
            heads = tree.heads(previous, stored.size, always)
            lines = extension_lines(claim, heads)
            new = Checkpoint(log.name, stored.size, tree.root(stored.size), lines)
            with sqlite3.connect(path) as db:
                db.execute(
                    "UPDATE checkpoints SET note = ?, root = ? WHERE seq = ?",
                    (sign_checkpoint(log, new), new.root, stored.seq),
                )
            previous = stored.size
    finally:
        tree.close()


def delete_events(path: Path, where: str, *parameters: object) -> int:
    """Delete log entries (``where`` on application_events); how many went."""
    with sqlite3.connect(path) as db:
        return db.execute(f"DELETE FROM application_events WHERE {where}", parameters).rowcount
