"""The stream heads each checkpoint names, compared with the log (T9).

A checkpoint names the head (last version and its event hash) of every stream with an event
since the checkpoint issued before it, and always its own tender's and that tender's
attempts stream's (``ledger.notes.claims``). While ``verify`` walks the log, :class:`HeadLog`
notes, at every size some checkpoint has, which streams changed since the size before and
the heads of the streams some checkpoint must name; afterwards :func:`check_heads_named`
compares each checkpoint's head lines with them exactly.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ledger.errors import LedgerError, VerificationFailure
from ledger.notes import Checkpoint, parse_note
from ledger.notes.claims import StreamHead, claims_of
from ledger.procedure.attempts import attempts_stream

Head = tuple[int, str]  # (version, event hash)


@dataclass
class _Boundary:
    changed: dict[str, Head] = field(default_factory=dict)  # since the size before
    latest: dict[str, Head] = field(default_factory=dict)  # of the streams named always


class HeadLog:
    """Stream heads at the sizes the checkpoints name, gathered along the walk."""

    def __init__(self, notes: list[str]) -> None:
        self.sizes: list[int] = []
        self._named: set[str] = set()
        for note in notes:
            size, named = _unverified(note)
            if size is not None:
                self.sizes.append(size)
                self._named |= named
        self.sizes = sorted(set(self.sizes))
        self.boundaries: dict[int, _Boundary] = {}
        self._changed: dict[str, Head] = {}
        self._latest: dict[str, Head] = {}
        self._size = 0
        self._close(0)

    def event(self, stream: str, version: int, event_hash: str) -> None:
        """The next leaf of the log is ``stream`` v``version``."""
        self._changed[stream] = (version, event_hash)
        if stream in self._named:
            self._latest[stream] = (version, event_hash)
        self._size += 1
        self._close(self._size)

    def expected(self, previous: int, size: int, always: set[str]) -> dict[str, Head] | None:
        """The heads a checkpoint of ``size`` issued after one of ``previous`` must name;
        None if the log is shorter than ``size``."""
        if size not in self.boundaries or previous not in self.boundaries or previous > size:
            return None
        start = bisect.bisect_right(self.sizes, previous)
        end = bisect.bisect_right(self.sizes, size)
        heads: dict[str, Head] = {}
        for boundary in self.sizes[start:end]:
            heads.update(self.boundaries[boundary].changed)
        latest = self.boundaries[size].latest
        heads.update({stream: latest[stream] for stream in always if stream in latest})
        return heads

    def _close(self, size: int) -> None:
        if size in self.sizes or size == 0:
            self.boundaries[size] = _Boundary(dict(self._changed), dict(self._latest))
            self._changed = {}


def check_heads_named(
    label: str, checkpoint: Checkpoint, previous: int, log: HeadLog, tender: str | None
) -> None:
    """The checkpoint's head lines must be exactly the heads the log gives (T9)."""
    always = {tender, str(attempts_stream(tender))} if tender else set()
    expected = log.expected(previous, checkpoint.size, always)
    if expected is None:
        return  # a rolled-back log: named elsewhere
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


def check_heads_stated(label: str, checkpoint: Checkpoint, log: HeadLog) -> None:
    """Each head a checkpoint from elsewhere names must be the log's at its size."""
    boundary = log.boundaries.get(checkpoint.size)
    if boundary is None:
        return  # a rolled-back log: named elsewhere
    for stream, head in sorted(claims_of(checkpoint).heads.items()):
        found = boundary.latest.get(stream)
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


def _unverified(note: str) -> tuple[int | None, set[str]]:
    """The size and the streams a note names, before its signature is checked."""
    try:
        checkpoint = Checkpoint.parse(parse_note(note)[0])
        claims = claims_of(checkpoint)
    except LedgerError:
        return None, set()
    named = set(claims.heads)
    if claims.claim.tender:
        named |= {claims.claim.tender, str(attempts_stream(claims.claim.tender))}
    return checkpoint.size, named
