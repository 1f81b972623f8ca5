"""The states of the streams a service has used, kept between commands and checked by version.

A command needs the registry's state and its stream's; rebuilding them from their events on
every command would make a command cost as much as its stream is long. Instead the service
keeps each state it built, and brings it up to date with the events saved since its version
(one indexed read), only when the log's head has moved since the state was last known to be
current: when this service is the only writer, a command reads nothing at all. The least
recently used states beyond ``capacity`` are dropped (the registry and the expert pools never
are) and rebuilt if needed again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import ItemsView, Iterable
from typing import TypeVar
from uuid import UUID

from ledger.errors import NotFound
from ledger.procedure import dispatch
from ledger.procedure.records import StreamState
from ledger.store import LedgerStore

S = TypeVar("S", bound=StreamState)
DEFAULT_CAPACITY = 2048


class StateCache:
    """Stream states by stream id, each known current as of some position of the log."""

    def __init__(self, store: LedgerStore, capacity: int = DEFAULT_CAPACITY) -> None:
        self.store = store
        self.capacity = capacity
        self._states: OrderedDict[UUID, StreamState] = OrderedDict()
        self._checked: dict[UUID, int] = {}
        self._epoch = 0
        self._head = -1  # the log head at which every state checked in this epoch is current

    def items(self) -> ItemsView[UUID, StreamState]:
        return self._states.items()

    def __contains__(self, stream: object) -> bool:
        return stream in self._states

    def observe(self, head: int) -> None:
        """The log's head now; if another writer moved it, every state is checked again."""
        if head != self._head:
            self._epoch += 1
            self._head = head

    def advanced(self, head: int) -> None:
        """This writer committed up to ``head``; the states it kept up to date stay current."""
        self._head = head

    def get(self, kind: type[S], stream: UUID) -> S | None:
        """The stream's state, brought up to date; None if the stream has no events."""
        state = self._states.get(stream)
        if state is None or self._checked.get(stream) != self._epoch:
            for event in self.store.events(stream, after=state.version if state else 0):
                state = dispatch.apply(state, event.record())
        if state is None:
            return None
        if not isinstance(state, kind):
            raise NotFound(f"{stream} is not a {kind.__name__}")
        self.put(stream, state)
        return state

    def put(self, stream: UUID, state: StreamState) -> None:
        """Keep ``state`` as the current state of ``stream``."""
        self._states[stream] = state
        self._states.move_to_end(stream)
        self._checked[stream] = self._epoch
        while len(self._states) > self.capacity:
            oldest = next((old for old in self._states if old not in dispatch.SHARED_STREAMS), None)
            if oldest is None:
                return
            del self._states[oldest]
            self._checked.pop(oldest, None)

    def evict(self, streams: Iterable[UUID]) -> None:
        """Forget these states (changed in a transaction that rolled back)."""
        for stream in streams:
            self._states.pop(stream, None)
            self._checked.pop(stream, None)
        self._epoch += 1
        self._head = -1
