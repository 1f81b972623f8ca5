"""What every command on the expert pools stream shares: its stream, and who keeps a region.

Who signs pool events: the centre that keeps the region's pool, never the registration
authority. The authority vouches for identities and keys (S2): it registers each centre with
the one region it keeps (attribute ``region``) and each expert with its keys; the centre
answers for what it records about its experts (specialties, employer, ties, sittings,
suspensions). Neither can do the other's part, so no single one can both invent an expert
and give it a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from ledger.envelope import SignedCommand
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.base import Command, Context
from ledger.procedure.pools.state import POOLS_STREAM
from ledger.rules import catalogue as rules


@dataclass(frozen=True)
class PoolCommand(Command):
    """A command on the expert pools stream."""

    def target(self) -> str | None:
        return str(POOLS_STREAM)

    @classmethod
    def from_signed(cls, signed: SignedCommand) -> Self:
        if signed.stream != str(POOLS_STREAM):
            raise InvalidInput(f"{signed.command} is signed for the expert pools stream only")
        return super().from_signed(signed)


def check_keeper(ctx: Context, region: str) -> None:
    """Refuse unless the signer is the centre registered as keeper of ``region``'s pool."""
    kept = ctx.registry.party(ctx.actor).attributes.get("region")
    if kept != region:
        raise RuleViolation(
            rules.POOL_KEEPER,
            f"{ctx.actor} keeps the pool of {kept or 'no region'}, not of {region}",
        )


__all__ = ["PoolCommand", "check_keeper"]
