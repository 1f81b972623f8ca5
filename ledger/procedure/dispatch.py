"""One way in for every signed command, and one way to apply every recorded event.

:func:`decide` is what the service runs when a command arrives and what ``verify`` and the
bundle verifier run again on the state rebuilt from the log (T5): authenticate the signer
(S1, S2), apply the command's declared guard, parse its typed arguments, then run its rule
function. It
returns the :class:`Decision` (event type and facts) or raises the refusal. :func:`apply`
changes a stream's state by one recorded event. Both are pure: no storage, no clock.
"""

from __future__ import annotations

from datetime import datetime

from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation, VerificationFailure
from ledger.procedure import (  # noqa: F401  (each module registers its rules and appliers)
    attempts,
    registry,
    tender,
)
from ledger.procedure.attempts import AttemptsState
from ledger.procedure.base import (
    APPLIERS,
    EVENT_STREAMS,
    HANDLERS,
    Command,
    Context,
    TenderCommand,
)
from ledger.procedure.guards import check_guard
from ledger.procedure.pools import POOLS_STREAM, PoolCommand, PoolsState
from ledger.procedure.records import Decision, EventRecord, StreamState
from ledger.procedure.registry_state import REGISTRY_STREAM, RegistryState
from ledger.procedure.state import TenderState
from ledger.rules import catalogue as rules

SHARED_STREAMS = frozenset({REGISTRY_STREAM, POOLS_STREAM})
"""The streams whose state commands of other streams read (the registry, the expert pools):
every cache keeps them and every verifier walker replays them."""

_FIRST_EVENTS: dict[str, type[StreamState]] = {
    "AuthorityEstablished": RegistryState,
    "TenderPublished": TenderState,
    "AttemptsOpened": AttemptsState,
}


def command_class(name: str) -> type[Command]:
    """The typed command class of the signed command name ``name``."""
    handler = HANDLERS.get(name)
    if handler is None:
        raise InvalidInput(f"unknown command {name!r}")
    return handler.command


def decide(
    state: StreamState | None,
    signed: SignedCommand,
    registry_state: RegistryState | None,
    now: datetime,
    *,
    pools: PoolsState | None = None,
    beacon_signatures: bool = True,
) -> Decision:
    """The event ``signed`` gives on ``state`` at ``now``, or the refusal it earns.

    ``pools``: the expert pools stream as it then stood (what a draw reads);
    ``beacon_signatures``: check drand beacons' BLS signatures (:class:`Context`).
    """
    handler = HANDLERS.get(signed.command)
    if handler is None:
        raise InvalidInput(f"unknown command {signed.command!r}")
    guard = handler.command.guard
    if registry_state is None:  # only the genesis comes before the registry
        if signed.command != "EstablishRegistry":
            raise InvalidInput("the registry must be established first")
        registry_state = RegistryState()
    else:
        if guard.sender == "authority" and signed.actor != registry_state.authority:
            raise RuleViolation(
                rules.REGISTRATION_AUTHORITY_ONLY,
                f"{signed.actor} is not the registration authority",
            )
        registry_state.authenticate(signed, now, guard.role)
    if (signed.stream == str(POOLS_STREAM)) != issubclass(handler.command, PoolCommand):
        raise InvalidInput(f"{signed.command} does not belong on stream {signed.stream}")
    if issubclass(handler.command, TenderCommand):
        if not isinstance(state, TenderState):
            raise InvalidInput(f"stream {signed.stream} is not a published tender")
        check_guard(state, guard, signed.command, signed.actor, now)
    elif signed.command == "EstablishRegistry":
        state = None if registry_state.version == 0 else registry_state
    command = handler.command.from_signed(signed)
    context = Context(now, signed, registry_state, pools, beacon_signatures)
    return handler.decide(state, command, context)


def apply(state: StreamState | None, event: EventRecord) -> StreamState:
    """``state`` changed by ``event`` (a new state for a stream's first event)."""
    if state is None:
        kind = _FIRST_EVENTS.get(event.type)
        if kind is None and EVENT_STREAMS.get(event.type) == "pools":
            kind = PoolsState  # any pool event may open the one pools stream
        if kind is None:
            raise VerificationFailure(
                f"stream {event.stream} v{event.version}",
                f"{event.type} cannot open a stream",
            )
        state = kind(event.stream)
    applier = APPLIERS.get(event.type)
    if applier is None:
        raise VerificationFailure(
            f"stream {event.stream} v{event.version}", f"unknown event type {event.type!r}"
        )
    state.note(event)
    applier(state, event)
    return state


def event_types(stream: str) -> list[str]:
    """The event types of one kind of stream: ``registry``, ``pools``, ``tender``, ``attempts``."""
    return sorted(name for name, kind in EVENT_STREAMS.items() if kind == stream)


def replay(events: list[EventRecord]) -> StreamState | None:
    """The state a stream's events leave, from its first."""
    state: StreamState | None = None
    for event in events:
        state = apply(state, event)
    return state
