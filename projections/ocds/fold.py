"""Walk the log once, in order, and make a release at each published step of one tender.

The registry and the tender's own stream are folded with the ledger's appliers (the same
state the rules see); every other stream is skipped but still counted, so that each event's
leaf index is its position in the Merkle log. Events stamped after ``at`` are left out, so
an export as of a time sees only what was published by then.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from ledger.errors import NotFound
from ledger.events import LedgerEvent
from ledger.procedure import dispatch
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState, stream_of
from ledger.store import LedgerStore
from projections.ocds.provenance import EventRef, Provenance
from projections.ocds.release import ReleaseInput, build_release
from projections.ocds.steps import Published, publish_step
from projections.tender_state import moment

S = TypeVar("S", RegistryState, TenderState)


@dataclass
class Folded:
    """The releases of one tender and the registry as it stood at the last event read."""

    releases: list[dict[str, Any]] = field(default_factory=list)
    registry: RegistryState = field(default_factory=RegistryState)


def tender_releases(
    store: LedgerStore, tender: str, ocid: str, at: datetime | None = None
) -> Folded:
    """Every release of ``tender`` (its code or stream) published up to ``at`` (all when None)."""
    folded = Folded()
    try:
        folded.releases = list(_releases(store, stream_of(tender), ocid, at, folded))
    except NotFound:
        when = "" if at is None else f" as of {moment(at)}"
        raise NotFound(f"no tender {tender} published in this log{when}") from None
    return folded


def _releases(
    store: LedgerStore, stream: UUID, ocid: str, at: datetime | None, folded: Folded
) -> Iterator[dict[str, Any]]:
    registry = folded.registry
    tender: TenderState | None = None
    provenance = Provenance()
    published = Published()
    for leaf_index, notification in enumerate(store.log()):
        event = store.decode(notification)
        if not isinstance(event, LedgerEvent):
            raise TypeError(f"log index {notification.id} is not a ledger event")
        if at is not None and event.timestamp > at:
            continue
        ref = _ref(leaf_index, event)
        if event.originator_id == REGISTRY_STREAM:
            registry = folded.registry = _apply(registry, event, RegistryState)
            provenance.file_registry(event.type, dict(event.args), ref)
        elif event.originator_id == stream:
            tender = _apply(tender, event, TenderState)
            provenance.file_tender(tender, event.type, event.actor, dict(event.args), ref)
            step = publish_step(tender, event.record(), published, ocid)
            if step is not None:
                yield build_release(
                    ReleaseInput(ocid, step, tender, registry, published, provenance, ref)
                )
    if tender is None:
        raise NotFound(f"no tender with stream {stream}")


def _apply(state: S | None, event: LedgerEvent, kind: type[S]) -> S:
    result = dispatch.apply(state, event.record())
    if not isinstance(result, kind):
        raise TypeError(f"{event.type} does not belong to a {kind.__name__} stream")
    return result


def _ref(leaf_index: int, event: LedgerEvent) -> EventRef:
    return EventRef(
        leaf_index=leaf_index,
        event_hash=event.event_hash,
        stream=str(event.originator_id),
        version=event.originator_version,
        type=event.type,
        time=str(moment(event.timestamp)),
    )
