"""The stream heads each checkpoint names, compared with the log as the walk reaches it (T9).

A checkpoint names the head (last version and its event hash) of every stream with an event
since the checkpoint issued before it, and always its own tender's and that tender's
attempts stream's (``ledger.notes.claims``). While ``verify`` walks the log, :class:`HeadLog`
keeps the heads of the streams changed since the last checkpoint's size and the latest head
of the streams some checkpoint names always; when the walk reaches a checkpoint's size it
compares the checkpoint's head lines with them exactly, and keeps the first disagreement of
each checkpoint for :meth:`LogAudit.finish` to raise in order, after the signatures. Memory
holds one checkpoint interval's heads, never the log's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.errors import LedgerError, VerificationFailure
from ledger.notes import Checkpoint, parse_note
from ledger.notes.claims import StreamHead, claims_of
from ledger.procedure.attempts import attempts_stream

if TYPE_CHECKING:
    from ledger.transparency.tree_audit import NoteInfo

Head = tuple[int, str]  # (version, event hash)


@dataclass(frozen=True)
class _Named:
    """A stored checkpoint as the walk checks it (its note is read when the walk gets there)."""

    index: int
    seq: int
    size: int
    previous: int  # the size of the stored checkpoint before it
    label: str
    always: frozenset[str]


class HeadLog:
    """Stream heads along the walk, checked at each checkpoint's size."""

    def __init__(
        self,
        infos: list[NoteInfo],
        notes: Iterator[tuple[int, str]],
        against: str | None = None,
        against_label: str = "",
    ) -> None:
        self._named = _named(infos)
        self._notes = notes
        self._against = _parse(against) if against is not None else None
        self._against_label = against_label
        self._watched = {stream for entry in self._named for stream in entry.always}
        if self._against is not None:
            self._watched |= set(claims_of(self._against).heads)
        self.failures: dict[int, VerificationFailure] = {}
        self.against_failure: VerificationFailure | None = None
        self._changed: dict[str, Head] = {}
        self._latest: dict[str, Head] = {}
        self._size = 0
        self._next = 0
        self._reach(0)

    def event(self, stream: str, version: int, event_hash: str) -> None:
        """The next leaf of the log is ``stream`` v``version``."""
        self._changed[stream] = (version, event_hash)
        if stream in self._watched:
            self._latest[stream] = (version, event_hash)
        self._size += 1
        self._reach(self._size)

    def _reach(self, size: int) -> None:
        reached = False
        while self._next < len(self._named) and self._named[self._next].size == size:
            entry = self._named[self._next]
            changed = self._changed if entry.previous != size else {}
            expected = dict(changed)
            expected.update({s: self._latest[s] for s in entry.always if s in self._latest})
            checkpoint = self._checkpoint(entry.seq)
            try:
                if checkpoint is not None:
                    check_heads_named(entry.label, checkpoint, entry.previous, expected)
            except VerificationFailure as failure:
                self.failures.setdefault(entry.index, failure)
            self._next += 1
            reached = True
        if self._against is not None and self._against.size == size:
            try:
                check_heads_stated(self._against_label, self._against, self._latest)
            except VerificationFailure as failure:
                self.against_failure = failure
        if reached:
            self._changed = {}

    def _checkpoint(self, seq: int) -> Checkpoint | None:
        """The stored checkpoint ``seq``, read from the notes in order."""
        for found, note in self._notes:
            if found == seq:
                return _parse(note)
        return None


def check_heads_named(
    label: str, checkpoint: Checkpoint, previous: int, expected: dict[str, Head]
) -> None:
    """The checkpoint's head lines must be exactly the heads the log gives (T9)."""
    named = claims_of(checkpoint).heads
    for stream, (version, event_hash) in sorted(expected.items()):
        head = named.get(stream)
        if head is None:
            raise VerificationFailure(
                label,
                f"names no head for stream {stream}, which reached v{version} among its "
                f"leaves since size {previous} (T9: a stream's tail would be hidden)",
            )
        _compare(label, head, version, event_hash)
    extra = sorted(set(named) - set(expected))
    if extra:
        head = named[extra[0]]
        raise VerificationFailure(
            label,
            f"names a head for stream {head.stream} (v{head.version}), which has no event "
            f"among its leaves since size {previous} (T9)",
        )


def check_heads_stated(label: str, checkpoint: Checkpoint, latest: dict[str, Head]) -> None:
    """Each head a checkpoint from elsewhere names must be the log's at its size."""
    for stream, head in sorted(claims_of(checkpoint).heads.items()):
        found = latest.get(stream)
        if found is None:
            raise VerificationFailure(
                label, f"names stream {stream} v{head.version}, of which the log has no event"
            )
        _compare(label, head, *found)


def _compare(label: str, head: StreamHead, version: int, event_hash: str) -> None:
    if (head.version, head.event_hash) != (version, event_hash):
        raise VerificationFailure(
            label,
            f"says stream {head.stream} reached v{head.version} ({head.event_hash[:16]}…); "
            f"the log has v{version} ({event_hash[:16]}…) there (T9)",
        )


def _parse(note: str) -> Checkpoint | None:
    try:
        checkpoint = Checkpoint.parse(parse_note(note)[0])
        claims_of(checkpoint)
    except LedgerError:
        return None  # the signature check names what is wrong with it
    return checkpoint


def _named(infos: list[NoteInfo]) -> list[_Named]:
    """The stored checkpoints in order, as long as their sizes never decrease (a decrease
    is named by the comparison of sizes, before any stream head is)."""
    named: list[_Named] = []
    previous = 0
    for index, info in enumerate(infos):
        if info.stored is None or info.size is None or info.claim is None:
            break
        if info.size < previous:
            break
        tender = info.claim.tender
        always = frozenset({tender, str(attempts_stream(tender))} if tender else ())
        named.append(_Named(index, info.stored.seq, info.size, previous, info.label, always))
        previous = info.size
    return named
