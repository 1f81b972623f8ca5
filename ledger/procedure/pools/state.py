"""The expert pools stream: the centres' cooperation agreements and their regions' experts.

One stream for every region (like the registry): a draw reads the pools of all the regions
its quotas name at one position of the log. Each region's pool is kept by the centre the
registration authority registered for it (role ``centre``, attribute ``region``); experts are
registered parties (role ``evaluator``) whose keys the authority registered (S2).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ledger.draw.beacon import ChainInfo
from ledger.draw.pool import Expert
from ledger.errors import NotFound
from ledger.procedure.records import StreamState

POOLS_STREAM = uuid.uuid5(uuid.NAMESPACE_URL, "bidledger:expert-pools")


@dataclass
class Cooperation:
    """A cooperation agreement between centres (合作协议) and who has signed it so far."""

    agreement: str
    parties: tuple[str, ...]
    signed_on: str
    scope: str
    chain: dict[str, Any]
    digest: str
    signers: list[str] = field(default_factory=list)

    @property
    def in_force(self) -> bool:
        return set(self.signers) == set(self.parties)

    def chain_info(self) -> ChainInfo:
        """The drand chain the agreement names for its draws."""
        return ChainInfo.from_json(self.chain)


class PoolsState(StreamState):
    """The pools as their events leave them: agreements, and experts by id."""

    def __init__(self, stream: str = str(POOLS_STREAM)) -> None:
        super().__init__(stream)
        self.cooperations: dict[str, Cooperation] = {}
        self.experts: dict[str, dict[str, Any]] = {}  # id -> Expert.to_record() + "keys"

    def expert(self, expert_id: str) -> dict[str, Any]:
        try:
            return self.experts[expert_id]
        except KeyError:
            raise NotFound(f"expert {expert_id!r} is in no pool") from None

    def cooperation(self, agreement: str) -> Cooperation:
        try:
            return self.cooperations[agreement]
        except KeyError:
            raise NotFound(f"no cooperation agreement {agreement!r}") from None

    def region_pool(self, regions: tuple[str, ...]) -> list[Expert]:
        """Every expert ever in the pools of ``regions`` (those who left with status left)."""
        return [
            Expert.from_record(record)
            for _, record in sorted(self.experts.items())
            if record["region"] in regions
        ]


__all__ = ["POOLS_STREAM", "Cooperation", "PoolsState"]
