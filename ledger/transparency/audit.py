"""The checks of verify_log beyond each event's own hash, chain and signature (T1, T2, T4, C5).

While the log is walked, :meth:`LogAudit.event` runs, before the event's hash is compared,
the checks that name *what* was changed: a duplicated event, a key registered with a
back-dated validity, a swapped bid ciphertext; and it rebuilds the event's Merkle leaf.
After the walk, :meth:`LogAudit.finish` verifies every stored checkpoint (and one given
with ``--against``) under the log key registered on the log itself, compares the stored
tree with the log, opens every revealed bid again, checks that each deadline checkpoint
fixed its tender's sealed bids, and finds a rolled-back or rewritten log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, LedgerError, VerificationFailure
from ledger.events import LedgerEvent
from ledger.merkle import leaf_hash
from ledger.notes import Checkpoint, open_checkpoint, parse_note
from ledger.notes.claims import CheckpointClaim
from ledger.policy import TrustPolicy
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from ledger.transparency.head_audit import HeadLog, check_heads_named, check_heads_stated
from ledger.transparency.stored_audit import check_stored_tree
from ledger.transparency.tree_audit import (
    LogTree,
    SignedHead,
    check_heads,
    open_head,
    stored_label,
    wanted_size,
)
from ledger.transparency.tree_store import TreeStore, engine_of
from ledger.trust import check_anchors, check_quorum, check_witnessed
from ledger.trust import log_verifier as trust_log_verifier

AGAINST = "the checkpoint given with --against"


@dataclass(frozen=True)
class MerkleSummary:
    """What the Merkle checks covered."""

    size: int
    root: str
    stored_size: int
    checkpoints: int
    against_size: int | None


@dataclass(frozen=True)
class _Dated:
    leaf_index: int
    time: datetime
    kind: str
    where: str


class LogAudit:
    """Walks along with verify_log, then checks the tree, checkpoints and bids."""

    def __init__(
        self, store: LedgerStore, against: str | None = None, policy: TrustPolicy | None = None
    ) -> None:
        self.store = store
        self.against = against
        self.policy = policy
        self._opened: dict[str, str] = {}  # tender -> where its opening started
        self.tree_store = TreeStore(engine_of(store))
        self.stored = self.tree_store.checkpoints()
        notes = [c.note for c in self.stored] + ([against] if against is not None else [])
        sizes = {wanted_size(note) for note in notes} | {c.size for c in self.stored}
        self.tree = LogTree({size for size in sizes if size is not None})
        self._hashes: dict[str, int] = {}
        self._commands: dict[bytes, int] = {}
        self._deadline_streams = {_deadline_tender(note) for note in notes} - {None}
        self.head_log = HeadLog(notes)
        self._dated: dict[str, list[_Dated]] = {}

    def event(self, event: LedgerEvent, log_index: int, where: str) -> None:
        """Checks one event can fail alone, before its hash is compared; rebuild its leaf."""
        self._check_unique(event, log_index, where)
        if event.type == "KeyRegistered":
            _check_key_dates(event, where)
        elif event.type == "OpeningStarted":
            self._opened[str(event.originator_id)] = where
        self.tree.append(log_index, leaf_hash(event.preimage()))
        self.head_log.event(str(event.originator_id), event.originator_version, event.event_hash)
        stream = str(event.originator_id)
        if stream in self._deadline_streams:
            dated = _Dated(self.tree.size - 1, event.timestamp, event.type, where)
            self._dated.setdefault(stream, []).append(dated)

    def _check_unique(self, event: LedgerEvent, log_index: int, where: str) -> None:
        """No event twice, and no command recorded twice in one stream (S3)."""
        first = self._hashes.setdefault(event.event_hash, log_index)
        if first != log_index:
            raise VerificationFailure(
                where,
                f"duplicated event: it repeats the event at log index {first} "
                f"(event hash {event.event_hash})",
            )
        command = f"{event.originator_id}|{event.command_id}".encode()
        key = hashlib.sha256(command).digest()[:16]
        first = self._commands.setdefault(key, log_index)
        if first != log_index:
            raise VerificationFailure(
                where,
                f"duplicated event: command {event.command_id} was already recorded in this "
                f"stream at log index {first} (a command is accepted once, S3)",
            )

    def finish(self, registry: RegistryState | None) -> MerkleSummary:
        """The checks that need the whole log; the first failure raises."""
        try:
            return self._finish(registry)
        except VerificationFailure:
            raise
        except Exception as exc:  # damaged tables or notes can fail in any way; say so
            raise VerificationFailure(
                "the Merkle tree and checkpoints",
                f"cannot be checked ({type(exc).__name__}: {exc})",
            ) from None

    def _finish(self, registry: RegistryState | None) -> MerkleSummary:
        heads = [open_head(c.note, registry, stored_label(c), c) for c in self.stored]
        if self.against is not None:
            heads.append(open_head(self.against, registry, AGAINST))
        stored_size = 0
        if self.tree_store.exists():
            stored_size = check_stored_tree(self.tree_store, self.tree, heads, self.store)
        self._check_required(registry, heads)
        for head in heads:
            self._check_deadline(head)
        check_heads(heads, self.tree)
        self._check_stream_heads(heads)
        if self.policy is not None:
            self._check_policy(self.policy, registry, heads)
        return MerkleSummary(
            self.tree.size,
            self.tree.root().hex(),
            stored_size,
            len(self.stored),
            heads[-1].checkpoint.size if self.against is not None else None,
        )

    def _check_required(self, registry: RegistryState | None, heads: list[SignedHead]) -> None:
        """Once a log key is registered, the tree and each deadline checkpoint must exist."""
        if registry is None or not any(key.purpose == "log" for key in registry.keys.values()):
            return
        if not self.tree_store.exists():
            raise VerificationFailure(
                "the Merkle tree", "the registry holds a log key, but the database has no tree"
            )
        fixed = {h.claim.tender for h in heads if h.claim and h.claim.reason == "deadline"}
        for tender, where in sorted(self._opened.items()):
            if tender not in fixed:
                raise VerificationFailure(
                    where,
                    f"the opening of tender {tender} started, but no deadline checkpoint fixed "
                    "its sealed bids (T4: deleted, or never issued)",
                )

    def _check_policy(
        self, policy: TrustPolicy, registry: RegistryState | None, heads: list[SignedHead]
    ) -> None:
        """T7, T8: the pinned keys, and the witnesses' quorum where the policy needs it."""
        check_anchors(policy, registry, "log")
        verifier = trust_log_verifier(policy)
        stored = [head for head in heads if head.stored is not None]
        if policy.quorum and stored:
            check_quorum(stored[-1].label, stored[-1].note, policy)
        for head in heads:
            try:
                open_checkpoint(head.note, verifier)
            except (VerificationFailure, InvalidInput) as exc:
                raise VerificationFailure(
                    head.label, f"not signed by the policy's log key: {exc}"
                ) from None
            if head.stored is not None and head.claim is not None:
                check_witnessed(head.label, head.note, head.claim, policy)

    def _check_stream_heads(self, heads: list[SignedHead]) -> None:
        """T9: every checkpoint names exactly the stream heads the log gives."""
        previous = 0
        for head in heads:
            if head.stored is None:
                check_heads_stated(head.label, head.checkpoint, self.head_log)
                continue
            tender = head.claim.tender if head.claim else None
            check_heads_named(head.label, head.checkpoint, previous, self.head_log, tender)
            previous = head.checkpoint.size

    def _check_deadline(self, head: SignedHead) -> None:
        """T4: a deadline checkpoint holds every event of its tender before the deadline."""
        claim: CheckpointClaim | None = head.claim
        if claim is None or claim.reason != "deadline" or claim.tender is None:
            return
        size, deadline = head.checkpoint.size, claim.time
        for dated in self._dated.get(claim.tender, []):
            if dated.leaf_index < size and dated.time >= deadline:
                raise VerificationFailure(
                    dated.where,
                    f"{dated.kind} dated {format_time(dated.time)} lies inside {head.label}, "
                    f"which fixes the log as of the deadline {format_time(deadline)}",
                )
            if dated.leaf_index >= size and dated.kind == "BidSubmitted":
                raise VerificationFailure(
                    dated.where,
                    f"a bid was inserted after the deadline: it was logged after {head.label} "
                    f"fixed the sealed bids (T4)",
                )
            if dated.leaf_index >= size and dated.time < deadline:
                raise VerificationFailure(
                    dated.where,
                    f"an event was inserted after the deadline: {dated.kind} dated "
                    f"{format_time(dated.time)}, before the deadline, was logged after "
                    f"{head.label} fixed the sealed bids (T4)",
                )


def _deadline_tender(note: str) -> str | None:
    """The tender a deadline checkpoint note names, unverified (to know what to collect)."""
    try:
        claim = CheckpointClaim.of(Checkpoint.parse(parse_note(note)[0]))
    except LedgerError:
        return None
    return claim.tender if claim.reason == "deadline" else None


def _check_key_dates(event: LedgerEvent, where: str) -> None:
    """S2: a key's validity never starts before its registration."""
    valid_from = parse_time(str(event.args["valid_from"]))
    if valid_from < event.timestamp:
        raise VerificationFailure(
            where,
            f"key registered with a back-dated validity: key {event.facts.get('key_id')} of "
            f"{event.args.get('party')} is valid from {format_time(valid_from)}, before its "
            f"registration at {format_time(event.timestamp)} (S2)",
        )
