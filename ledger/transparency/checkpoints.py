"""Signed checkpoints of the log's Merkle tree (C2SP tlog-checkpoint), and when to issue them.

A checkpoint note is origin, tree size and root, then one extension line saying what the
tree is: ``bidledger <reason> <time> [<tender>]``. ``time`` is the moment whose log the tree
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

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, NotFound, VerificationFailure
from ledger.merkle import verify_consistency
from ledger.notes import (
    Checkpoint,
    NoteSigner,
    add_cosignature,
    cosign,
    open_checkpoint,
    sign_checkpoint,
)
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

REASONS = ("batch", "deadline", "opening", "award", "manual")
CLAIM_TAG = "bidledger"
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


@dataclass(frozen=True)
class CheckpointClaim:
    """What a checkpoint says its tree is: why it was issued, as of when, for which tender."""

    reason: str
    time: datetime
    tender: str | None = None

    def line(self) -> str:
        tender = f" {self.tender}" if self.tender else ""
        return f"{CLAIM_TAG} {self.reason} {format_time(self.time)}{tender}"

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointClaim:
        """The claim in a checkpoint's extension lines; VerificationFailure if absent or bad."""
        lines = [e for e in checkpoint.extensions if e.split(" ", 1)[0] == CLAIM_TAG]
        where = f"checkpoint of size {checkpoint.size}"
        if len(lines) != 1:
            raise VerificationFailure(where, f"needs one '{CLAIM_TAG}' line, found {len(lines)}")
        parts = lines[0].split(" ")
        if len(parts) not in (3, 4) or parts[1] not in REASONS:
            raise VerificationFailure(where, f"malformed line {lines[0]!r}")
        try:
            time = parse_time(parts[2])
        except (InvalidInput, ValueError):
            raise VerificationFailure(where, f"bad time in {lines[0]!r}") from None
        return cls(parts[1], time, parts[3] if len(parts) == 4 else None)


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
    note = sign_checkpoint(signer, Checkpoint(origin, size, root, (claim.line(),)))
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

    def checkpoint(self, now: datetime, reason: str = "manual") -> str:
        """Bring the tree up to date and issue a checkpoint of it now."""
        self.tree.sync(self.store)
        return self._issue(reason, now).note

    def cosign_latest(
        self,
        witness: NoteSigner,
        timestamp: int,
        *,
        reason: str | None = None,
        tender: UUID | str | None = None,
    ) -> str:
        """A witness checks and cosigns the latest checkpoint (of ``reason``/``tender``)."""
        stored = self.tree.checkpoints()
        chosen = [
            c
            for c in stored
            if reason in (None, c.reason) and (tender is None or c.tender == str(tender))
        ]
        if not chosen:
            raise NotFound(f"no checkpoint to cosign (reason {reason}, tender {tender})")
        target = chosen[-1]
        checkpoint = open_checkpoint(target.note, self.signer.verifier())
        _witness_checks(self.tree, stored, target, checkpoint)
        note = add_cosignature(target.note, cosign(witness, checkpoint, timestamp))
        self.tree.replace_note(target.seq, note)
        return note

    def _issue(
        self, reason: str, now: datetime, tender: str | None = None, as_of: datetime | None = None
    ) -> StoredCheckpoint:
        return _issue(self.tree, self.signer, self.origin, reason, tender, now, as_of)

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


def _witness_checks(
    tree: TreeStore, stored: list[StoredCheckpoint], target: StoredCheckpoint, cp: Checkpoint
) -> None:
    """What a witness checks before cosigning: the root, and consistency with the previous."""
    where = f"checkpoint #{target.seq}"
    if cp.size > tree.size() or tree.root(cp.size) != cp.root:
        raise VerificationFailure(where, "its root is not the tree's root at its size")
    earlier = [c for c in stored if c.seq < target.seq and 0 < c.size <= cp.size]
    if earlier:
        previous = earlier[-1]
        proof = tree.consistency_proof(previous.size, cp.size)
        verify_consistency(previous.size, cp.size, proof, previous.root, cp.root)
