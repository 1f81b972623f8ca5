"""A tender's timeline, rebuilt from the log alone: who did what, when, in words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.events import LedgerEvent
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
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
    registry = store.state(RegistryState, REGISTRY_STREAM)
    return [_entry(event, registry) for event in _events(store, stream)]


def _events(store: LedgerStore, stream: UUID) -> Iterator[LedgerEvent]:
    for notification in store.log():
        if notification.originator_id == stream:
            event = store.decode(notification)
            if isinstance(event, LedgerEvent):
                yield event


def _entry(event: LedgerEvent, registry: RegistryState) -> TimelineEntry:
    party = registry.parties.get(event.actor)
    zh, en = action_name(event.type)
    return TimelineEntry(
        event.timestamp,
        event.originator_version,
        event.actor,
        party.name if party else event.actor,
        event.role,
        event.type,
        zh,
        en,
        summarise(event, registry),
        event.event_hash,
    )


__all__ = ["TimelineEntry", "tender_timeline", "wan"]
