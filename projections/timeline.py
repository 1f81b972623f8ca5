"""A tender's timeline, rebuilt from the log alone: who did what, when, in words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ledger.events import LedgerEvent
from ledger.identity.registry import REGISTRY_STREAM, Registry
from ledger.store import LedgerStore
from projections.labels import action_name


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


def wan(amount: str | Decimal) -> str:
    """Yuan as 万元 the way the seed's notices print them (33.486)."""
    value = (Decimal(amount) / Decimal(10000)).normalize()
    return f"{value:f}"


def _events(store: LedgerStore, stream: UUID) -> Iterator[LedgerEvent]:
    for notification in store.log():
        if notification.originator_id == stream:
            event = store.decode(notification)
            if isinstance(event, LedgerEvent):
                yield event


def _entry(event: LedgerEvent, registry: Registry) -> TimelineEntry:
    party = registry.parties.get(event.actor)
    zh, en = action_name(type(event).__name__)
    summary = _SUMMARIES.get(type(event).__name__, _generic)(event, registry)
    return TimelineEntry(
        event.timestamp,
        event.originator_version,
        event.actor,
        party.name if party else event.actor,
        event.role,
        type(event).__name__,
        zh,
        en,
        summary,
        event.event_hash,
    )


def _name(registry: Registry, party: str) -> str:
    found = registry.parties.get(party)
    return found.name if found else party


def _generic(event: LedgerEvent, registry: Registry) -> str:
    parts = []
    for key in ("lot", "bidder", "reason", "decision", "summary", "challenge_id"):
        value = event.args.get(key)
        if isinstance(value, str):
            parts.append(f"{key} {_name(registry, value) if key == 'bidder' else value}")
    return ", ".join(parts)


def _published(event: LedgerEvent, registry: Registry) -> str:
    lots = "; ".join(
        f"lot {lot['lot']} {lot['name']} budget {wan(lot['budget'])} 万元"
        for lot in event.args["lots"]
    )
    return f"{event.args['code']}: {lots}; deadline {event.args['timetable']['deadline']}"


def _amended(event: LedgerEvent, registry: Registry) -> str:
    changes = "; ".join(
        f"lot {c['lot']} budget {wan(c['budget'])} ceiling {wan(c['ceiling'])}"
        for c in event.args.get("lots", [])
        if "budget" in c and "ceiling" in c
    )
    postponed = event.facts.get("deadline")
    tail = (
        f"; deadline postponed to {postponed} ({event.facts['reason']})"
        if postponed
        else ("; deadline unchanged (published 15 days or more before it, §7.1)")
    )
    return f"{event.args['summary']}" + (f": {changes}" if changes else "") + tail


def _submitted(event: LedgerEvent, registry: Registry) -> str:
    return (
        f"lot {event.args['lot']}, sealed (ciphertext sha256 "
        f"{event.facts.get('ciphertext_sha256', '')[:16]}…)"
    )


def _revealed(event: LedgerEvent, registry: Registry) -> str:
    parts = []
    for lot, bids in sorted(event.facts.get("bids", {}).items()):
        prices = ", ".join(
            f"{_name(registry, bidder)} {wan(bid['price'])}"
            for bidder, bid in sorted(bids.items())
            if bid.get("price")
        )
        parts.append(f"lot {lot}: {prices or 'no bids'}")
    return "; ".join(parts) + " (万元)"


def _awarded(event: LedgerEvent, registry: Registry) -> str:
    amount = event.facts.get("amount")
    money = f" at {wan(amount)} 万元" if isinstance(amount, str) else ""
    return f"lot {event.args['lot']} to {_name(registry, event.args['bidder'])}{money}"


_SUMMARIES: dict[str, Callable[[LedgerEvent, Registry], str]] = {
    "TenderPublished": _published,
    "TenderAmended": _amended,
    "BidSubmitted": _submitted,
    "BidsRevealed": _revealed,
    "LotAwarded": _awarded,
}
