"""Cooperation agreements between centres (合作协议): who, when, what for, and which beacon.

Two or more centres agree a remote cross-region evaluation: its parties, the day they
signed, its scope, and the drawing method, that is the drand chain whose rounds their draws
use. Each party signs the same content (the agreement's digest, SHA-256 of the canonical
``{command, stream, args}``); the agreement is in force once every party has signed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from ledger.clock import to_beijing
from ledger.draw.beacon import ChainInfo
from ledger.draw.chains import KNOWN_CHAINS
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.base import Context, Guard, applies, decides
from ledger.procedure.pools.commands import PoolCommand
from ledger.procedure.pools.state import Cooperation, PoolsState
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.rules import catalogue as rules
from ledger.rules.committee import decision_digest


@dataclass(frozen=True)
class BeaconChainTerms:
    """A drand chain's public information, as its ``/info`` endpoint gives it."""

    public_key: str = arg(max_length=192)
    period: int = arg(minimum=1, maximum=86_400)
    genesis_time: int = arg(minimum=0, maximum=2**40)
    hash: str = arg(max_length=64)
    group_hash: str = arg(max_length=64)
    scheme_id: str = arg(max_length=64)
    beacon_id: str = arg(max_length=64)

    def as_drand_json(self) -> dict[str, Any]:
        """The chain information in drand's own JSON (``ChainInfo.from_json`` reads it)."""
        return {
            "public_key": self.public_key,
            "period": self.period,
            "genesis_time": self.genesis_time,
            "hash": self.hash,
            "groupHash": self.group_hash,
            "schemeID": self.scheme_id,
            "metadata": {"beaconID": self.beacon_id},
        }

    @classmethod
    def of(cls, chain: ChainInfo) -> BeaconChainTerms:
        return cls(
            chain.public_key.hex(),
            chain.period,
            chain.genesis_time,
            chain.hash.hex(),
            chain.group_hash.hex(),
            chain.scheme_id,
            chain.beacon_id,
        )


@dataclass(frozen=True)
class SignCooperation(PoolCommand):
    """A centre signs a cooperation agreement; it is in force once all its parties have."""

    guard: ClassVar[Guard] = Guard(role="centre")
    agreement: str = arg(max_length=100)
    parties: tuple[str, ...] = arg(max_items=20)
    signed_on: date = arg()
    scope: str = arg(max_length=2000)
    beacon_chain: BeaconChainTerms = arg()


@decides(SignCooperation)
def sign_cooperation(pools: PoolsState | None, command: SignCooperation, ctx: Context) -> Decision:
    if command.signed_on > to_beijing(ctx.now).date():
        raise InvalidInput(f"signed_on {command.signed_on.isoformat()} has not come yet")
    parties = set(command.parties)
    if len(parties) < 2 or len(parties) != len(command.parties):
        raise InvalidInput("an agreement names at least two distinct centres")
    for party in sorted(parties):
        if "centre" not in ctx.registry.party(party).roles:
            raise RuleViolation(rules.COOPERATION_IN_FORCE, f"{party} is not a registered centre")
    if ctx.actor not in parties:
        raise RuleViolation(
            rules.COOPERATION_IN_FORCE, f"{ctx.actor} is not a party to {command.agreement}"
        )
    chain = ChainInfo.from_json(command.beacon_chain.as_drand_json())
    if chain.computed_hash() != chain.hash:
        raise InvalidInput(
            f"beacon_chain: its fields hash to {chain.computed_hash().hex()}, not the chain "
            f"hash {chain.hash.hex()} it states"
        )
    digest = decision_digest(ctx.signed.command, ctx.signed.stream, ctx.signed.args)
    signers = _earlier_signers(pools, command.agreement, digest, ctx.actor)
    signers.append(ctx.actor)
    return Decision(
        "CooperationSigned",
        {
            "digest": digest,
            "signers": signers,
            "in_force": set(signers) == parties,
            "public_beacon": chain.hash in KNOWN_CHAINS,
        },
    )


def _earlier_signers(
    pools: PoolsState | None, agreement: str, digest: str, actor: str
) -> list[str]:
    existing = None if pools is None else pools.cooperations.get(agreement)
    if existing is None:
        return []
    if existing.digest != digest:
        raise RuleViolation(
            rules.COOPERATION_IN_FORCE,
            f"agreement {agreement} was signed with other content (digest {existing.digest[:16]}…)",
        )
    if actor in existing.signers:
        raise RuleViolation(rules.COOPERATION_IN_FORCE, f"{actor} has already signed {agreement}")
    return list(existing.signers)


@applies("CooperationSigned", stream="pools")
def _signed(pools: PoolsState, event: EventRecord) -> None:
    args = event.args
    agreement = pools.cooperations.get(args["agreement"])
    if agreement is None:
        chain = BeaconChainTerms(**args["beacon_chain"]).as_drand_json()
        agreement = Cooperation(
            args["agreement"],
            tuple(args["parties"]),
            args["signed_on"],
            args["scope"],
            chain,
            event.facts["digest"],
        )
        pools.cooperations[agreement.agreement] = agreement
    agreement.signers = list(event.facts["signers"])


__all__ = ["BeaconChainTerms", "SignCooperation"]
