"""Signed checkpoints of the log's Merkle tree (C2SP tlog-checkpoint), and when to issue them.

A checkpoint note is origin, tree size and root, then extension lines saying what the tree
is (``ledger.notes.claims``): ``bidledger <reason> <time> [<tender>]`` and the head of every
stream changed since the previous checkpoint (T9). ``time`` is the moment whose log the tree
is: the issue time, except for a deadline checkpoint, whose time is the tender's submission
deadline. A deadline checkpoint is issued right before the first command at or after the
deadline runs, so nothing was logged between the deadline and it: it fixes the set of
sealed bids (T4). :class:`TransparencyLog` is what the service calls around each command.
With several writer processes, one of them issues it (the deadline row is claimed
atomically); a command another process began just before the deadline but saved just after
that checkpoint would be named by ``verify`` as logged after it: run one writer at a
tender's deadline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, LedgerError, NotFound, VerificationFailure
from ledger.notes import (
    Checkpoint,
    NoteSigner,
    add_cosignature,
    sign_checkpoint,
)
from ledger.notes.claims import REASONS, TENDER_REASONS, CheckpointClaim, extension_lines
from ledger.procedure.attempts import attempts_stream
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState
from ledger.store import LedgerStore
from ledger.transparency.tree_store import (
    METADATA,
    Leaf,
    StoredCheckpoint,
    TreeStore,
    engine_of,
)
from ledger.transparency.witnessing import WitnessEndpoint

DEFAULT_EVERY = 64
DEADLINES = sa.Table(
    "checkpoint_deadlines",
    METADATA,
    sa.Column("tender", sa.String(36), primary_key=True),
    sa.Column("deadline", sa.String(40), nullable=False),
    sa.Column("seq", sa.Integer, nullable=True),
)
_AFTER = {"OpeningStarted": "opening", "LotAwarded": "award"}
_CLAIMED = -1  # a deadline checkpoint being issued


def issue_checkpoint(
    tree: TreeStore,
    signer: NoteSigner,
    *,
    origin: str,
    reason: str,
    tender: str | None = None,
    now: datetime,
    as_of: datetime | None = None,
) -> str:
    """Sign and store a checkpoint of the tree as it stands; return the signed note."""
    return _issue(tree, signer, origin, reason, tender, now, as_of).note


def _issue(
    tree: TreeStore,
    signer: NoteSigner,
    origin: str,
    reason: str,
    tender: str | None,
    now: datetime,
    as_of: datetime | None,
) -> StoredCheckpoint:
    if reason not in REASONS:
        raise InvalidInput(f"checkpoint reason must be one of {REASONS}, found {reason!r}")
    size = tree.size()
    root = tree.root(size)
    claim = CheckpointClaim(reason, as_of or now, tender)
    previous = tree.latest_checkpoint()
    always = [tender, str(attempts_stream(tender))] if tender else []
    heads = tree.heads(previous.size if previous else 0, size, always)
    note = sign_checkpoint(signer, Checkpoint(origin, size, root, extension_lines(claim, heads)))
    return tree.add_checkpoint(
        size=size, root=root, note=note, reason=reason, tender=tender, issued_at=now
    )


class TransparencyLog:
    """Keeps the tree in step with the log and issues the checkpoints the service owes."""

    def __init__(
        self,
        store: LedgerStore,
        signer: NoteSigner,
        *,
        origin: str | None = None,
        checkpoint_every: int = DEFAULT_EVERY,
        witnesses: Sequence[WitnessEndpoint] = (),
    ) -> None:
        if origin is not None and origin != signer.name:
            raise InvalidInput(f"log origin {origin!r} must be the log key's name {signer.name!r}")
        if checkpoint_every < 1:
            raise InvalidInput(f"checkpoint_every must be at least 1, found {checkpoint_every}")
        self.store = store
        self.signer = signer
        self.every = checkpoint_every
        self.tree = TreeStore(engine_of(store))
        self.tree.create()
        self._deadlines: dict[str, datetime] = {}
        self._key_known = False
        self.witnesses = tuple(witnesses)
        self.unwitnessed: list[tuple[int, str, str]] = []  # (seq, witness, why): to retry

    @property
    def origin(self) -> str:
        return self.signer.name

    def before_command(self, now: datetime) -> None:
        """Issue the deadline checkpoint of every tender whose deadline has come (T4)."""
        due = [(t, d) for t, d in self._pending() if d <= now]
        if not due:
            return
        self.tree.sync(self.store)
        for tender, deadline in sorted(due, key=lambda item: item[1]):
            if not self._mark(tender, None, _CLAIMED):
                continue  # another writer is issuing it
            issued = self._issue("deadline", now, tender, as_of=deadline)
            self._mark(tender, _CLAIMED, issued.seq)

    def note_saved(self, state: object) -> None:
        """Schedule (or move) the deadline checkpoint of a tender just saved."""
        if not isinstance(state, TenderState):
            return
        tender, deadline = state.stream, state.deadline
        if self._deadlines.get(tender) == deadline:
            return
        with self.tree.engine.begin() as connection:
            found = sa.select(DEADLINES).where(DEADLINES.c.tender == tender)
            row = connection.execute(found).first()
            if row is None:
                connection.execute(
                    sa.insert(DEADLINES).values(tender=tender, deadline=format_time(deadline))
                )
            elif parse_time(row.deadline) != deadline:
                connection.execute(
                    sa.update(DEADLINES)
                    .where(DEADLINES.c.tender == tender)
                    .values(deadline=format_time(deadline), seq=None)
                )
        self._deadlines[tender] = deadline

    def after_command(self, now: datetime) -> None:
        """Bring the tree up to date; issue opening, award and batch checkpoints as due."""
        owed: list[tuple[str, str]] = []

        def observe(leaf: Leaf, event: Any) -> None:
            reason = _AFTER.get(event.type)
            if reason is not None:
                owed.append((reason, leaf.stream))

        self.tree.sync(self.store, on_leaf=observe)
        for reason, tender in owed:
            self._issue(reason, now, tender)
        latest = self.tree.latest_checkpoint()
        due = self.tree.size() - (latest.size if latest else 0) >= self.every
        if due and self._registered(now):
            self._issue("batch", now)

    def checkpoint(self, now: datetime, reason: str = "manual", tender: str | None = None) -> str:
        """Bring the tree up to date and issue a checkpoint of it now (``closing``: the one
        covering a tender's last event, cosigned by the witnesses)."""
        if (tender is not None) != (reason in TENDER_REASONS):
            raise InvalidInput(f"a {reason} checkpoint names a tender iff it is about one")
        self.tree.sync(self.store)
        return self._issue(reason, now, tender).note

    def _issue(
        self, reason: str, now: datetime, tender: str | None = None, as_of: datetime | None = None
    ) -> StoredCheckpoint:
        issued = _issue(self.tree, self.signer, self.origin, reason, tender, now, as_of)
        if self.witnesses:
            issued = self._witness(issued)
        return issued

    def _witness(self, issued: StoredCheckpoint) -> StoredCheckpoint:
        """Ask every witness to cosign; a refusal is kept in ``unwitnessed`` to retry."""
        note = issued.note
        for witness in self.witnesses:
            try:
                for line in witness.cosign(note, self.tree.consistency_proof):
                    note = add_cosignature(note, line)
            except LedgerError as exc:
                self.unwitnessed.append((issued.seq, witness.name, str(exc)))
        self.tree.replace_note(issued.seq, note)
        return dataclasses.replace(issued, note=note)

    def _registered(self, now: datetime) -> bool:
        """Whether the log key is on the registry yet (batch checkpoints wait for it)."""
        if not self._key_known:
            try:
                registry = self.store.state(RegistryState, REGISTRY_STREAM)
                self._key_known = registry.log_verifier(self.origin, now) == self.signer.verifier()
            except (NotFound, VerificationFailure):
                return False
        return self._key_known

    def _mark(self, tender: str, expected: int | None, seq: int) -> bool:
        """Set a deadline's checkpoint number if it is still ``expected`` (atomically)."""
        current = DEADLINES.c.seq.is_(None) if expected is None else DEADLINES.c.seq == expected
        with self.tree.engine.begin() as connection:
            done = connection.execute(
                sa.update(DEADLINES).where(DEADLINES.c.tender == tender, current).values(seq=seq)
            )
        return bool(done.rowcount)

    def _pending(self) -> list[tuple[str, datetime]]:
        with self.tree.engine.connect() as connection:
            rows = connection.execute(
                sa.select(DEADLINES.c.tender, DEADLINES.c.deadline).where(DEADLINES.c.seq.is_(None))
            ).all()
        return [(row.tender, parse_time(row.deadline)) for row in rows]
