"""The Merkle tree recomputed from the log, and what it is compared with (T1, T2, T4).

:class:`LogTree` is the tree verify_log rebuilds as it walks the log (its right edge, and
the roots at the sizes some checkpoint names). :func:`open_heads` verifies checkpoints under
the log key registered on the log itself; :func:`check_heads` finds a rolled-back log (a
checkpoint larger than the log) and a rewritten one (a root that differs), and names the
range of leaves the first change lies in.
"""

from __future__ import annotations

import hmac
import itertools
from dataclasses import dataclass
from datetime import datetime

from ledger.clock import format_time
from ledger.errors import InvalidInput, LedgerError, VerificationFailure
from ledger.merkle import CompactRange
from ledger.notes import ED25519, Checkpoint, NoteVerifier, open_checkpoint, open_note, parse_note
from ledger.notes.claims import CheckpointClaim
from ledger.procedure.registry_state import RegistryState, note_verifier
from ledger.transparency.stored_audit import StoredTreeCheck
from ledger.transparency.tree_store import StoredCheckpoint


@dataclass(frozen=True)
class SignedHead:
    """A checkpoint whose log signature (and any registered witness's) verified: what the
    whole-log checks need of it (its note is read again when needed, never kept)."""

    label: str
    size: int
    root: bytes
    claim: CheckpointClaim | None
    stored: StoredCheckpoint | None = None


@dataclass(frozen=True)
class NoteInfo:
    """What a checkpoint note says, read before its signature is checked (to know what to
    keep along the walk); None where it cannot be read (its check will name why)."""

    order: int
    label: str
    size: int | None
    claim: CheckpointClaim | None
    stored: StoredCheckpoint | None


def note_info(order: int, label: str, note: str, stored: StoredCheckpoint | None) -> NoteInfo:
    try:
        checkpoint = Checkpoint.parse(parse_note(note)[0])
    except LedgerError:
        return NoteInfo(order, label, None, None, stored)
    try:
        claim: CheckpointClaim | None = CheckpointClaim.of(checkpoint)
    except LedgerError:
        claim = None
    return NoteInfo(order, label, checkpoint.size, claim, stored)


class LogTree:
    """The Merkle tree of the log as the walk builds it: its right edge, the roots at the
    sizes some checkpoint names, and (with ``stored``) each leaf and node compared with the
    stored tree as it is made. Memory does not grow with the log."""

    def __init__(self, wanted: set[int], stored: StoredTreeCheck | None = None) -> None:
        self.roots: dict[int, bytes] = {}
        self.stored = stored
        self._wanted = wanted
        self._range = CompactRange(0, [])
        if 0 in wanted:
            self.roots[0] = self._range.root()

    @property
    def size(self) -> int:
        return self._range.size

    def append(self, log_index: int, leaf_hash: bytes) -> None:
        index = self.size
        nodes = self._range.append(leaf_hash)
        if self.size in self._wanted:
            self.roots[self.size] = self._range.root()
        if self.stored is not None:
            self.stored.leaf(index, log_index, leaf_hash, nodes)

    def root(self) -> bytes:
        return self._range.root()


def wanted_size(note: str) -> int | None:
    """The tree size a checkpoint note names, unverified (to know which roots to keep)."""
    try:
        return Checkpoint.parse(parse_note(note)[0]).size
    except LedgerError:
        return None


def stored_label(stored: StoredCheckpoint) -> str:
    return f"checkpoint #{stored.seq} ({stored.reason}, issued {format_time(stored.issued_at)})"


class NoteKeys:
    """The note keys a registry holds (log keys newest first, witnesses), read once for all
    the checkpoints a walk verifies; the same answers as the registry's own lookups."""

    def __init__(self, registry: RegistryState) -> None:
        self._registry = registry
        self._logs = [
            (key, verifier)
            for key in reversed(list(registry.keys.values()))
            if (verifier := note_verifier(key)) is not None and verifier.algorithm == ED25519
        ]
        self.witnesses = registry.witness_verifiers()

    def log_verifier(self, origin: str, at: datetime | None) -> NoteVerifier:
        for key, verifier in self._logs:
            if verifier.name == origin and (at is None or key.valid_at(at)):
                return verifier
        return self._registry.log_verifier(origin, at)  # raises, naming what is missing


def open_head(
    note: str,
    registry: RegistryState | None,
    label: str,
    stored: StoredCheckpoint | None = None,
    keys: NoteKeys | None = None,
) -> SignedHead:
    """Verify a checkpoint under the log key registered for its origin, and its cosignatures."""
    if registry is None:
        raise VerificationFailure(label, "the log has no registry to find the log key in")
    keys = keys or NoteKeys(registry)
    try:
        unverified = Checkpoint.parse(parse_note(note)[0])
    except VerificationFailure as exc:
        raise VerificationFailure(label, f"not a checkpoint note: {exc}") from None
    claim = _claim(unverified, stored is not None, label)
    at: datetime | None = claim.time if claim else None
    try:
        log_key = keys.log_verifier(unverified.origin, at)
    except VerificationFailure as exc:
        raise VerificationFailure(label, f"unknown log: {exc}") from None
    try:
        checkpoint = _open_signed(note, log_key, keys.witnesses)
    except (VerificationFailure, InvalidInput) as exc:
        raise VerificationFailure(label, f"forged or damaged checkpoint: {exc}") from None
    if stored is not None:
        _check_row(stored, checkpoint, claim, label)
    return SignedHead(label, checkpoint.size, checkpoint.root, claim, stored)


def _open_signed(note: str, log_key: NoteVerifier, witnesses: list[NoteVerifier]) -> Checkpoint:
    """Every known signature on the note verified once; the log's must be among them."""
    opened = open_note(note, [log_key, *witnesses])
    if log_key not in opened.verified_by:
        open_checkpoint(note, log_key)  # raises what a note without the log's signature gets
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != log_key.name:
        open_checkpoint(note, log_key)  # raises, naming the origin expected
    return checkpoint


def _claim(checkpoint: Checkpoint, required: bool, label: str) -> CheckpointClaim | None:
    try:
        return CheckpointClaim.of(checkpoint)
    except VerificationFailure as exc:
        if required:
            raise VerificationFailure(label, exc.detail) from None
        return None


def _check_row(
    stored: StoredCheckpoint, checkpoint: Checkpoint, claim: CheckpointClaim | None, label: str
) -> None:
    """The checkpoints table is a read model of its notes: each column must say the same."""
    for column, found, signed in (
        ("size", stored.size, checkpoint.size),
        ("root", stored.root.hex(), checkpoint.root.hex()),
        ("reason", stored.reason, claim.reason if claim else None),
        ("tender", stored.tender, claim.tender if claim else None),
    ):
        if found != signed:
            raise VerificationFailure(
                label,
                f"the checkpoints table disagrees with its signed note: {column} {found} is "
                f"stored, the note signs {signed}",
            )


def check_heads(heads: list[SignedHead], tree: LogTree) -> None:
    """Each checkpoint must be a prefix of the log: not larger (rolled back), same root."""
    matching = 0
    for head in sorted(heads, key=lambda h: h.size):
        size = head.size
        if size > tree.size:
            raise VerificationFailure(
                head.label,
                f"the log was rolled back: this checkpoint covers {size} entries, the log has "
                f"only {tree.size} (leaves {tree.size} to {size - 1} were deleted)",
            )
        root = tree.roots.get(size)
        if root is None:
            raise VerificationFailure(head.label, f"no root of the log was kept at size {size}")
        if not hmac.compare_digest(root, head.root):
            raise VerificationFailure(
                head.label,
                f"the log was rewritten: its first {size} entries hash to root {root.hex()}, "
                f"the checkpoint signs {head.root.hex()}; the first change lies in "
                f"leaves {matching} to {size - 1}",
            )
        matching = size
    ordered = [h for h in heads if h.stored is not None]
    for earlier, later in itertools.pairwise(ordered):
        if later.size < earlier.size:
            raise VerificationFailure(
                later.label,
                f"covers {later.size} entries, fewer than the earlier "
                f"{earlier.label} ({earlier.size})",
            )
