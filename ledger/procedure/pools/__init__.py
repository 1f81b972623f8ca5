"""The expert pools stream: cooperation agreements and the regions' experts (``docs/draw.md``).

Importing this package registers its rules and appliers.
"""

from ledger.procedure.pools.commands import PoolCommand
from ledger.procedure.pools.cooperation import BeaconChainTerms, SignCooperation
from ledger.procedure.pools.experts import (
    AddExpert,
    RecordSitting,
    ReinstateExpert,
    RemoveExpert,
    SuspendExpert,
    UpdateExpert,
)
from ledger.procedure.pools.state import POOLS_STREAM, Cooperation, PoolsState

__all__ = [
    "POOLS_STREAM",
    "AddExpert",
    "BeaconChainTerms",
    "Cooperation",
    "PoolCommand",
    "PoolsState",
    "RecordSitting",
    "ReinstateExpert",
    "RemoveExpert",
    "SignCooperation",
    "SuspendExpert",
    "UpdateExpert",
]
