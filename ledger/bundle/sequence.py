"""The order of a bundle's events: log order, no repeats, each stream's versions 1, 2, 3, ...

Run on the entries' own ``leaf_index``, ``stream`` and ``version`` before any event is
opened, so that a duplicated, reordered, deleted or inserted event is named as such; the
per-event checks then hold each entry to what its preimage says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from ledger.bundle.parse import EventEntry
from ledger.errors import VerificationFailure

Label = Callable[[str], str]


def check_sequence(events: Sequence[EventEntry], label: Label) -> None:
    """Raise at the first duplicate, out-of-order, unknown-stream or missing event."""
    _no_repeats(events, label)
    for before, entry in pairwise(events):
        if entry.leaf_index < before.leaf_index:
            raise VerificationFailure(
                _where(entry, label),
                f"reordered events: leaf {entry.leaf_index} is listed after leaf "
                f"{before.leaf_index} (events[{before.position}]); events must be in log order",
            )
    streams: dict[str, list[EventEntry]] = {}
    for entry in events:
        streams.setdefault(entry.stream, []).append(entry)
    for entries in streams.values():
        _versions(entries, label)


def _no_repeats(events: Sequence[EventEntry], label: Label) -> None:
    by_leaf: dict[int, EventEntry] = {}
    by_version: dict[tuple[str, int], EventEntry] = {}
    by_hash: dict[str, EventEntry] = {}
    for entry in events:
        for seen, what in (
            (by_hash.get(entry.event_hash), "the same event"),
            (by_leaf.get(entry.leaf_index), f"leaf {entry.leaf_index}"),
            (
                by_version.get((entry.stream, entry.version)),
                f"{label(entry.stream)} v{entry.version}",
            ),
        ):
            if seen is not None:
                _repeat(seen, entry, what, label)
        by_leaf[entry.leaf_index] = by_version[(entry.stream, entry.version)] = entry
        by_hash[entry.event_hash] = entry


def _repeat(first: EventEntry, second: EventEntry, what: str, label: Label) -> None:
    if first.event_hash == second.event_hash and first.preimage == second.preimage:
        raise VerificationFailure(
            _where(second, label),
            f"duplicated event: {label(first.stream)} v{first.version} (event_hash "
            f"{first.event_hash}) appears at events[{first.position}] and "
            f"events[{second.position}]",
        )
    raise VerificationFailure(
        _where(second, label),
        f"inserted or forged event: two different events claim {what} "
        f"(events[{first.position}] and events[{second.position}])",
    )


def _versions(entries: list[EventEntry], label: Label) -> None:
    for expected, entry in enumerate(entries, start=1):
        if entry.version == expected:
            continue
        later = next((e for e in entries if e.version == expected), None)
        if later is not None:
            raise VerificationFailure(
                _where(entry, label),
                f"reordered events: {label(entry.stream)} v{entry.version} at leaf "
                f"{entry.leaf_index} comes before v{expected} at leaf {later.leaf_index}",
            )
        start = f"the stream starts at v{entry.version}"
        gap = f"v{expected - 1} is followed by v{entry.version}"
        raise VerificationFailure(
            _where(entry, label),
            f"deleted event: {label(entry.stream)} v{expected} is missing "
            f"({start if expected == 1 else gap})",
        )


def _where(entry: EventEntry, label: Label) -> str:
    stream = f"{label(entry.stream)} v{entry.version}"
    return f"events[{entry.position}] (leaf {entry.leaf_index}, {stream})"
