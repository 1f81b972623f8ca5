"""Events decided on a stale copy of a tender: what a second writer would try to save."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ledger.envelope import SignedCommand
from ledger.events import LedgerEvent, new_event
from ledger.procedure import dispatch
from ledger.procedure.registry_state import RegistryState
from ledger.procedure.state import TenderState


def stale_event(
    tender: TenderState, signed: SignedCommand, now: datetime, registry: RegistryState
) -> LedgerEvent:
    """The event ``signed`` gives on ``tender`` as loaded, chained to that copy's head."""
    decision = dispatch.decide(tender, signed, registry, now)
    return new_event(
        stream=UUID(tender.stream),
        version=tender.version + 1,
        event_type=decision.event,
        command=signed,
        time=now,
        facts=decision.facts,
        prev_hash=tender.head,
    )
