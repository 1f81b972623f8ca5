"""The checks of verify_log that need the whole log in order (T1, T2, T4, C5, T9).

While the log is walked, :meth:`LogAudit.event` takes each event's position, stream,
version, type, time and Merkle leaf (checked by ``ledger.verifier``): it rebuilds the tree
and compares the stored one beside it, follows the stream heads each checkpoint must name,
and checks each deadline checkpoint's tender as its events pass. After the walk,
:meth:`LogAudit.finish` verifies every stored checkpoint (and one given with ``--against``)
under the log key registered on the log itself, then raises, in a fixed order, the first
problem found: the stored tree, an opening without a deadline checkpoint, an event on the
wrong side of a deadline checkpoint, a rolled-back or rewritten log, a stream head, the
trust policy. Nothing kept grows with the log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ledger.clock import format_time
from ledger.errors import InvalidInput, VerificationFailure
from ledger.notes import open_checkpoint
from ledger.policy import TrustPolicy
from ledger.procedure.registry_state import RegistryState
from ledger.store import LedgerStore
from ledger.transparency.head_audit import HeadLog
from ledger.transparency.stored_audit import StoredTreeCheck
from ledger.transparency.tree_audit import (
    LogTree,
    NoteKeys,
    SignedHead,
    check_heads,
    note_info,
    open_head,
    stored_label,
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
class _Deadline:
    """A deadline checkpoint's claim, as the walk checks its tender's events against it."""

    order: int  # its place among the notes (stored ones in order, then --against)
    label: str
    tender: str
    size: int
    deadline: datetime


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
        self.stored = self.tree_store.checkpoint_rows()
        labels = [stored_label(c) for c in self.stored]
        infos = [
            note_info(order, label, note, row)
            for order, (row, label, (_, note)) in enumerate(
                zip(self.stored, labels, self.tree_store.notes(), strict=False)
            )
        ]
        if against is not None:
            infos.append(note_info(len(infos), AGAINST, against, None))
        sizes = {info.size for info in infos} | {c.size for c in self.stored}
        check = StoredTreeCheck(self.tree_store) if self.tree_store.exists() else None
        self.tree = LogTree({size for size in sizes if size is not None}, check)
        self.head_log = HeadLog(infos, self.tree_store.notes(), against, AGAINST)
        self._deadlines: dict[str, list[_Deadline]] = {}
        for info in infos:
            claim = info.claim
            if claim is not None and claim.reason == "deadline" and claim.tender and info.size:
                deadline = _Deadline(info.order, info.label, claim.tender, info.size, claim.time)
                self._deadlines.setdefault(claim.tender, []).append(deadline)
        self._late: dict[int, VerificationFailure] = {}  # deadline note order -> failure

    def event(
        self,
        log_index: int,
        stream: str,
        version: int,
        kind: str,
        time: datetime,
        leaf_hash: bytes,
        event_hash: str,
        where: str,
    ) -> None:
        """The next event of the log, checked on its own: add it to the whole-log checks."""
        if kind == "OpeningStarted":
            self._opened[stream] = where
        position = self.tree.size
        self.tree.append(log_index, leaf_hash)
        self.head_log.event(stream, version, event_hash)
        for deadline in self._deadlines.get(stream, ()):
            if deadline.order not in self._late:
                late = _against_deadline(deadline, position, time, kind, where)
                if late is not None:
                    self._late[deadline.order] = late

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
        keys = None if registry is None else NoteKeys(registry)
        heads = [
            open_head(note, registry, stored_label(row), row, keys)
            for row, (_, note) in zip(self.stored, self.tree_store.notes(), strict=False)
        ]
        if self.against is not None:
            heads.append(open_head(self.against, registry, AGAINST, keys=keys))
        stored_size = 0
        if self.tree.stored is not None:
            stored_size = self.tree.stored.finish(self.tree, heads, self.store)
        self._check_required(registry, heads)
        for order, head in enumerate(heads):
            claim = head.claim
            if claim is not None and claim.reason == "deadline" and order in self._late:
                raise self._late[order]
        check_heads(heads, self.tree)
        self._check_stream_heads(heads)
        if self.policy is not None:
            self._check_policy(self.policy, registry, heads)
        return MerkleSummary(
            self.tree.size,
            self.tree.root().hex(),
            stored_size,
            len(self.stored),
            heads[-1].size if self.against is not None else None,
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
            latest = stored[-1].stored
            assert latest is not None
            check_quorum(stored[-1].label, self.tree_store.checkpoint(latest.seq).note, policy)
        for head, note in zip(heads, self._notes_in_order(), strict=True):
            try:
                open_checkpoint(note, verifier)
            except (VerificationFailure, InvalidInput) as exc:
                raise VerificationFailure(
                    head.label, f"not signed by the policy's log key: {exc}"
                ) from None
            if head.stored is not None and head.claim is not None:
                check_witnessed(head.label, note, head.claim, policy)

    def _notes_in_order(self) -> Iterator[str]:
        """The notes of the stored checkpoints, read again, then the one given."""
        for _, note in self.tree_store.notes():
            yield note
        if self.against is not None:
            yield self.against

    def _check_stream_heads(self, heads: list[SignedHead]) -> None:
        """T9: every checkpoint names exactly the stream heads the log gives."""
        for index, head in enumerate(heads):
            failure = (
                self.head_log.failures.get(index)
                if head.stored is not None
                else self.head_log.against_failure
            )
            if failure is not None:
                raise failure


def _against_deadline(
    deadline: _Deadline, position: int, time: datetime, kind: str, where: str
) -> VerificationFailure | None:
    """T4: a deadline checkpoint holds every event of its tender before the deadline and
    none after it; a bid is never logged after it."""
    size, moment, label = deadline.size, deadline.deadline, deadline.label
    if position < size and time >= moment:
        return VerificationFailure(
            where,
            f"{kind} dated {format_time(time)} lies inside {label}, which fixes the log as of "
            f"the deadline {format_time(moment)}",
        )
    if position >= size and kind == "BidSubmitted":
        return VerificationFailure(
            where,
            f"a bid was inserted after the deadline: it was logged after {label} fixed the "
            "sealed bids (T4)",
        )
    if position >= size and time < moment:
        return VerificationFailure(
            where,
            f"an event was inserted after the deadline: {kind} dated {format_time(time)}, "
            f"before the deadline, was logged after {label} fixed the sealed bids (T4)",
        )
    return None
