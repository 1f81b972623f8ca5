"""The verifier's stream states: only the recent ones in memory, the others rebuilt on use."""

from __future__ import annotations

from ledger.procedure.pools import POOLS_STREAM
from ledger.procedure.records import StreamState
from ledger.procedure.registry_state import REGISTRY_STREAM
from ledger.verifier.states import RecentStates


def _state(stream: str, version: int) -> StreamState:
    state = StreamState(stream)
    state.version = version
    return state


def test_a_forgotten_state_is_rebuilt_at_the_version_it_had() -> None:
    asked: list[tuple[str, int]] = []

    def reload(stream: str, version: int) -> StreamState:
        asked.append((stream, version))
        return _state(stream, version)

    states = RecentStates(reload, capacity=2)
    for number in range(4):
        states[f"s{number}"] = _state(f"s{number}", number + 1)
    assert states["s3"].version == 4
    assert asked == []
    assert states["s0"].version == 1
    assert asked == [("s0", 1)]
    assert states.reloads == 1
    assert sorted(states) == ["s0", "s1", "s2", "s3"]
    assert states.versions == {"s0": 1, "s1": 2, "s2": 3, "s3": 4}


def test_a_stream_never_seen_is_missing_not_rebuilt() -> None:
    states = RecentStates(_state, capacity=2)
    assert states.get("never") is None
    assert states.reloads == 0


def test_the_registry_and_the_pools_are_never_forgotten() -> None:
    registry, pools = str(REGISTRY_STREAM), str(POOLS_STREAM)
    states = RecentStates(_state, capacity=2)
    states[registry] = _state(registry, 7)
    states[pools] = _state(pools, 3)
    for number in range(5):
        states[f"s{number}"] = _state(f"s{number}", 1)
    assert states[registry].version == 7
    assert states[pools].version == 3
    assert states.reloads == 0
