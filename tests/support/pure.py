"""Rule functions run as pure functions: a tender state built by hand, no database, no keys.

``decide(tender, command, actor, role, at)`` does what :func:`dispatch.decide` does after the
signature check (S1): the command's declared guard, then its rule function, and returns the
:class:`Decision`. ``record(tender, command, actor, role, at)`` also applies the event, as the
ledger would. ``seed_tender()`` is the seed's notice (deadline 2021-01-15 09:30, three lots)
with the calendar of 2020 and 2021 recorded.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from commands import seed
from ledger.envelope import SignedCommand
from ledger.procedure import dispatch
from ledger.procedure.base import HANDLERS, Command, Context
from ledger.procedure.calendar import WorkingCalendar
from ledger.procedure.guards import check_guard
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.registry_state import Party, RegistryState
from ledger.procedure.state import Bid, Lot, TenderState, Timetable, tender_stream
from ledger.workdays import package_schedule

B = seed.beijing
STREAM = str(tender_stream(seed.CODE))


def registry(*years: int) -> RegistryState:
    """A registry with the official calendar of ``years`` recorded (2020 and 2021 if none)."""
    state = RegistryState()
    state.calendar = WorkingCalendar([package_schedule(y) for y in years or (2020, 2021)])
    for party in (seed.QXD, seed.RUNHUA, seed.SUPPLIER_A, seed.SUPPLIER_B, seed.SUPPLIER_D):
        state.parties[party] = Party(party, f"name of {party}", frozenset({"bidder"}))
    return state


REGISTRY = registry()


def seed_tender() -> TenderState:
    """The seed's notice as its TenderPublished event leaves the state."""
    tender = TenderState(STREAM)
    tender.code, tender.name, tender.plan = seed.CODE, seed.TITLE, seed.PLAN
    tender.agency, tender.purchaser, tender.regulator = seed.AGENCY, seed.PURCHASER, seed.REGULATOR
    tender.published_at = B("2020-12-25 09:00")
    tender.timetable = Timetable(
        B("2020-12-26 08:30"),
        B("2021-01-15 09:30"),
        B("2021-01-07 17:30"),
        B("2021-01-15 09:30"),
        30,
        B("2021-01-07 17:30"),
    )
    for lot, name, budget in (("1", "食堂设备", "422400"), ("2", "宿舍设备", "555460")):
        tender.lots[lot] = Lot(lot, name, Decimal(budget), Decimal(budget))
    tender.terms = {
        "bid_validity_days": 90,
        "announcement_working_days": 5,
        "award_publicity_working_days": 1,
    }
    tender.officials = [{"party": seed.AGENCY, "encryption_key": "00" * 32}]
    tender.threshold = 2
    return tender


def sealed(tender: TenderState, lot: str, *bidders: str) -> None:
    """Sealed bids of ``bidders`` in ``lot``, submitted the day before the deadline."""
    for bidder in bidders:
        tender.lots[lot].bids[bidder] = Bid(
            bidder, lot, {}, f"digest-{bidder}", B("2021-01-14 10:00"), "h"
        )


def signed(command: Command, actor: str, role: str) -> SignedCommand:
    return SignedCommand(
        command=command.kind(),
        command_id=f"{command.kind()}-{actor}",
        stream=STREAM,
        actor=actor,
        role=role,
        key_id="key",
        args=command.args(),
        signature="-",
    )


def decide(
    tender: TenderState,
    command: Command,
    actor: str,
    role: str,
    at: datetime,
    registry_state: RegistryState = REGISTRY,
) -> Decision:
    """The guard, then the rule function, at ``at``: the decision or the refusal."""
    handler = HANDLERS[command.kind()]
    check_guard(tender, handler.command.guard, command.kind(), actor, at)
    return handler.decide(
        tender, command, Context(at, signed(command, actor, role), registry_state)
    )


def record(
    tender: TenderState,
    command: Command,
    actor: str,
    role: str,
    at: datetime,
    registry_state: RegistryState = REGISTRY,
) -> Decision:
    """Decide ``command`` and apply the event it gives to ``tender``."""
    decision = decide(tender, command, actor, role, at, registry_state)
    event = EventRecord(
        STREAM,
        tender.version + 1,
        decision.event,
        at,
        signed(command, actor, role),
        decision.facts,
        tender.head,
        f"event-{tender.version + 1}",
    )
    dispatch.apply(tender, event)
    return decision
