"""A tender's timeline, rebuilt from the log alone: who did what, when, in words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.events import LedgerEvent
from ledger.identity.registry import REGISTRY_STREAM, Registry
from ledger.store import LedgerStore
from projections.labels import action_name
from projections.summaries import summarise, wan


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a tender, as a regulator reads it."""

    time: datetime
    version: int
    actor: str
    actor_name: str
    role: str
    event_type: str
    action_zh: str
    action_en: str
    summary: str
    event_hash: str


def tender_timeline(store: LedgerStore, stream: UUID) -> list[TimelineEntry]:
    """Every event of the tender ``stream`` in order, with actors named from the registry."""
    registry = store.load(Registry, REGISTRY_STREAM)
    return [_entry(event, registry) for event in _events(store, stream)]


def _events(store: LedgerStore, stream: UUID) -> Iterator[LedgerEvent]:
    for notification in store.log():
        if notification.originator_id == stream:
            event = store.decode(notification)
            if isinstance(event, LedgerEvent):
                yield event


def _entry(event: LedgerEvent, registry: Registry) -> TimelineEntry:
    party = registry.parties.get(event.actor)
    zh, en = action_name(type(event).__name__)
    return TimelineEntry(
        event.timestamp,
        event.originator_version,
        event.actor,
        party.name if party else event.actor,
        event.role,
        type(event).__name__,
        zh,
        en,
        summarise(event, registry),
        event.event_hash,
    )


__all__ = ["TimelineEntry", "tender_timeline", "wan"]
