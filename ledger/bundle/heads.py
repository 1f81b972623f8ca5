"""The tender's streams complete up to each checkpoint (T9), as far as a bundle can tell.

Each checkpoint names the head of every stream with an event since the checkpoint before
it, and always its own tender's and attempts stream's (``ledger.notes.claims``). For the
streams a bundle exports, each named head must be the bundle's last event of that stream
among the checkpoint's leaves (a higher version means events the bundle hides, for instance
inside the subtree hashes of other streams), and a stream the bundle shows changing since
the checkpoint before must be named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.bundle.tlog import IssuedCheckpoint
from ledger.errors import VerificationFailure
from ledger.procedure.attempts import attempts_stream


@dataclass(frozen=True)
class Exported:
    """One exported event: its leaf, stream, version and hash."""

    leaf_index: int
    stream: str
    version: int
    event_hash: str


def check_stream_heads(
    issued: Sequence[IssuedCheckpoint],
    events: Sequence[Exported],
    streams: dict[str, str],
    tender: str,
) -> None:
    """``streams``: the exported streams with their labels; ``tender``: the bundle's tender."""
    previous = 0
    for checkpoint in issued:
        size = checkpoint.head.size
        for stream, label in streams.items():
            mine = [e for e in events if e.stream == stream and e.leaf_index < size]
            changed = any(e.leaf_index >= previous for e in mine)
            mandatory = checkpoint.claim.tender == tender and stream in (
                tender,
                str(attempts_stream(tender)),
            )
            _check(checkpoint, stream, label, mine[-1] if mine else None, changed or mandatory)
        previous = size


def _check(
    checkpoint: IssuedCheckpoint,
    stream: str,
    label: str,
    last: Exported | None,
    must_name: bool,
) -> None:
    head = checkpoint.stream_heads.get(stream)
    where = checkpoint.where
    if head is None:
        if must_name and last is not None:
            raise VerificationFailure(
                where,
                f"names no head for {label}, which the bundle shows at v{last.version} "
                "among its leaves (T9)",
            )
        return
    if last is None or head.version > last.version:
        shown = "none of its events" if last is None else f"only up to v{last.version}"
        raise VerificationFailure(
            where,
            f"says {label} reached v{head.version}; the bundle holds {shown} below size "
            f"{checkpoint.head.size}: events of the stream are hidden (T9)",
        )
    if (head.version, head.event_hash) != (last.version, last.event_hash):
        raise VerificationFailure(
            where,
            f"says {label} reached v{head.version} ({head.event_hash[:16]}…); the bundle's "
            f"last event there is v{last.version} ({last.event_hash[:16]}…) (T9)",
        )
