"""Stream states for a verifier that walks a log of any length in flat memory.

A log of millions of events has tens of thousands of streams, most of them finished long
before the walk ends; keeping every stream's state would make memory grow with the log.
:class:`RecentStates` keeps the ``capacity`` most recently used states and forgets the
others, remembering only each one's version; a forgotten state needed again is rebuilt from
its stream's events already walked (``reload``), which the walk has checked before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping

from ledger.procedure import dispatch
from ledger.procedure.records import StreamState

DEFAULT_CAPACITY = 512
SHARED_STREAMS = frozenset(map(str, dispatch.SHARED_STREAMS))
"""The streams other streams' commands read (:data:`dispatch.SHARED_STREAMS`): never forgotten."""
Reload = Callable[[str, int], StreamState]
"""``reload(stream, version)``: the stream's state after its first ``version`` events."""


class RecentStates(MutableMapping[str, StreamState]):
    """A mapping of stream states that keeps the recently used ones in memory."""

    def __init__(self, reload: Reload, capacity: int = DEFAULT_CAPACITY) -> None:
        self._reload = reload
        self.capacity = max(2, capacity)
        self._recent: OrderedDict[str, StreamState] = OrderedDict()
        self.versions: dict[str, int] = {}  # every stream seen, and its version
        self.reloads = 0

    def __getitem__(self, stream: str) -> StreamState:
        state = self._recent.get(stream)
        if state is not None:
            self._recent.move_to_end(stream)
            return state
        version = self.versions.get(stream)
        if version is None:
            raise KeyError(stream)
        state = self._reload(stream, version)
        self.reloads += 1
        self._keep(stream, state)
        return state

    def __setitem__(self, stream: str, state: StreamState) -> None:
        self.versions[stream] = state.version
        self._keep(stream, state)

    def __delitem__(self, stream: str) -> None:
        self._recent.pop(stream, None)
        del self.versions[stream]

    def __iter__(self) -> Iterator[str]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    def _keep(self, stream: str, state: StreamState) -> None:
        self._recent[stream] = state
        self._recent.move_to_end(stream)
        while len(self._recent) > self.capacity:
            oldest = next((old for old in self._recent if old not in SHARED_STREAMS), None)
            if oldest is None:
                return
            del self._recent[oldest]
