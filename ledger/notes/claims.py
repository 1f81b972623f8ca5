"""What a bidledger checkpoint says beyond its tree: why it was issued, and the stream heads.

Extension lines of the C2SP checkpoint (after origin, size and root):

    bidledger <reason> <time> [<tender>]
    bidledger-head <stream> <version> <event hash>      (zero or more, sorted by stream)

``reason`` is why the checkpoint was issued; ``time`` the moment whose log the tree is (the
issue time; for a deadline checkpoint, the tender's deadline); ``tender`` the tender stream a
deadline, opening, award or closing checkpoint is about. Each head line says that, among the
checkpoint's leaves, the last event of ``stream`` is ``version`` with hash ``event hash``
(T9). A checkpoint names the head of every stream with an event since the checkpoint issued
before it, and, when it names a tender, that tender's and its attempts stream's heads always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput, VerificationFailure
from ledger.notes.checkpoint import Checkpoint

CLAIM_TAG = "bidledger"
HEAD_TAG = "bidledger-head"
REASONS = ("batch", "deadline", "opening", "award", "closing", "manual")
TENDER_REASONS = frozenset({"deadline", "opening", "award", "closing"})
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HASH = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"[1-9][0-9]{0,15}")


@dataclass(frozen=True)
class CheckpointClaim:
    """Why a checkpoint was issued, as of when, and about which tender."""

    reason: str
    time: datetime
    tender: str | None = None

    def line(self) -> str:
        tender = f" {self.tender}" if self.tender else ""
        return f"{CLAIM_TAG} {self.reason} {format_time(self.time)}{tender}"

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointClaim:
        """The claim in a checkpoint's extension lines; VerificationFailure if absent or bad."""
        return claims_of(checkpoint).claim


@dataclass(frozen=True)
class StreamHead:
    """The last event of a stream among a checkpoint's leaves."""

    stream: str
    version: int
    event_hash: str

    def line(self) -> str:
        return f"{HEAD_TAG} {self.stream} {self.version} {self.event_hash}"


@dataclass(frozen=True)
class Claims:
    """Everything a bidledger checkpoint claims."""

    claim: CheckpointClaim
    heads: dict[str, StreamHead]


def extension_lines(claim: CheckpointClaim, heads: list[StreamHead]) -> tuple[str, ...]:
    """The extension lines of a checkpoint: the claim, then the heads sorted by stream."""
    ordered = sorted(heads, key=lambda head: head.stream)
    return (claim.line(), *(head.line() for head in ordered))


def claims_of(checkpoint: Checkpoint) -> Claims:
    """Parse the claim and head lines; VerificationFailure names what is wrong."""
    where = f"checkpoint of size {checkpoint.size}"
    claims = [e for e in checkpoint.extensions if e.split(" ", 1)[0] == CLAIM_TAG]
    if len(claims) != 1:
        raise VerificationFailure(where, f"needs one '{CLAIM_TAG}' line, found {len(claims)}")
    claim = _claim(claims[0], where)
    heads: dict[str, StreamHead] = {}
    last = ""
    for line in checkpoint.extensions:
        if line.split(" ", 1)[0] != HEAD_TAG:
            continue
        head = _head(line, where)
        if heads and head.stream <= last:
            raise VerificationFailure(where, f"head lines out of order or repeated at {line!r}")
        heads[head.stream] = head
        last = head.stream
    other = [e for e in checkpoint.extensions if e.split(" ", 1)[0] not in (CLAIM_TAG, HEAD_TAG)]
    if other:
        raise VerificationFailure(where, f"unknown extension line {other[0]!r}")
    return Claims(claim, heads)


def _claim(line: str, where: str) -> CheckpointClaim:
    parts = line.split(" ")
    if len(parts) not in (3, 4) or parts[1] not in REASONS:
        raise VerificationFailure(where, f"malformed line {line!r}")
    if (len(parts) == 4) != (parts[1] in TENDER_REASONS):
        raise VerificationFailure(where, f"a {parts[1]} claim names a tender iff it is about one")
    if len(parts) == 4 and not _UUID.fullmatch(parts[3]):
        raise VerificationFailure(where, f"the tender in {line!r} is not a stream id")
    try:
        time = parse_time(parts[2])
    except (InvalidInput, ValueError):
        raise VerificationFailure(where, f"bad time in {line!r}") from None
    if format_time(time) != parts[2]:
        raise VerificationFailure(where, f"time {parts[2]!r} is not in canonical form")
    return CheckpointClaim(parts[1], time, parts[3] if len(parts) == 4 else None)


def _head(line: str, where: str) -> StreamHead:
    parts = line.split(" ")
    if (
        len(parts) != 4
        or not _UUID.fullmatch(parts[1])
        or not _VERSION.fullmatch(parts[2])
        or not _HASH.fullmatch(parts[3])
    ):
        raise VerificationFailure(where, f"malformed head line {line!r}")
    return StreamHead(parts[1], int(parts[2]), parts[3])
