"""A region's experts: joining, changes, sittings, suspension and leaving, by its centre.

An expert is a registered party holding the ``evaluator`` role and at least one signing key
(it signs its check-in and its scores). What the avoidance rules of a draw read is kept
here: specialties, employer, ties (party ids of bidders or purchasers it is tied to) and
sittings (committees it sat on, by purchaser and day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from ledger.clock import to_beijing
from ledger.draw.pool import Expert
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.base import Context, Guard, applies, decides
from ledger.procedure.pools.commands import PoolCommand, check_keeper
from ledger.procedure.pools.state import PoolsState
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.rules import catalogue as rules

_CENTRE = Guard(role="centre")


@dataclass(frozen=True)
class AddExpert(PoolCommand):
    """The region's centre adds a registered evaluator to its pool (or takes one back)."""

    guard: ClassVar[Guard] = _CENTRE
    expert: str = arg(max_length=64)
    region: str = arg(max_length=64)
    specialties: tuple[str, ...] = arg(max_items=50)
    employer: str = arg(max_length=64)
    ties: tuple[str, ...] = arg(default=(), max_items=100)


@dataclass(frozen=True)
class UpdateExpert(PoolCommand):
    """The centre records an expert's current specialties, employer and ties."""

    guard: ClassVar[Guard] = _CENTRE
    expert: str = arg(max_length=64)
    specialties: tuple[str, ...] = arg(max_items=50)
    employer: str = arg(max_length=64)
    ties: tuple[str, ...] = arg(default=(), max_items=100)


@dataclass(frozen=True)
class RecordSitting(PoolCommand):
    """The centre records that the expert sat on a committee for ``purchaser`` on ``on``."""

    guard: ClassVar[Guard] = _CENTRE
    expert: str = arg(max_length=64)
    purchaser: str = arg(max_length=64)
    on: date = arg()
    tender: str = arg(max_length=100)


@dataclass(frozen=True)
class SuspendExpert(PoolCommand):
    guard: ClassVar[Guard] = _CENTRE
    expert: str = arg(max_length=64)
    reason: str = arg(max_length=2000)


@dataclass(frozen=True)
class ReinstateExpert(PoolCommand):
    guard: ClassVar[Guard] = _CENTRE
    expert: str = arg(max_length=64)
    reason: str = arg(max_length=2000)


@dataclass(frozen=True)
class RemoveExpert(PoolCommand):
    """The expert leaves the pool (it stays on record, with status ``left``)."""

    guard: ClassVar[Guard] = _CENTRE
    expert: str = arg(max_length=64)
    reason: str = arg(max_length=2000)


@decides(AddExpert)
def add_expert(pools: PoolsState | None, command: AddExpert, ctx: Context) -> Decision:
    check_keeper(ctx, command.region)
    party = ctx.registry.party(command.expert)
    if "evaluator" not in party.roles:
        raise RuleViolation(rules.ROLE_NOT_HELD, f"{command.expert} is not a registered evaluator")
    current = None if pools is None else pools.experts.get(command.expert)
    if current is not None and current["status"] != "left":
        raise InvalidInput(f"expert {command.expert} is already in the pool of {current['region']}")
    keys = sorted(
        key.key_id
        for key in ctx.registry.keys.values()
        if key.party == command.expert and key.purpose == "sign" and key.valid_at(ctx.now)
    )
    if not keys:
        raise RuleViolation(rules.KEY_NOT_VALID, f"{command.expert} has no valid signing key")
    _check_lists(command.specialties)
    return Decision("ExpertJoined", {"keys": keys})


@decides(UpdateExpert)
def update_expert(pools: PoolsState | None, command: UpdateExpert, ctx: Context) -> Decision:
    record = _kept(pools, command.expert, ctx)
    _check_lists(command.specialties)
    return Decision("ExpertUpdated", {"region": record["region"]})


@decides(RecordSitting)
def record_sitting(pools: PoolsState | None, command: RecordSitting, ctx: Context) -> Decision:
    _kept(pools, command.expert, ctx)
    if command.on > to_beijing(ctx.now).date():
        raise InvalidInput(f"a sitting on {command.on.isoformat()} has not happened yet")
    return Decision("SittingRecorded")


@decides(SuspendExpert)
def suspend_expert(pools: PoolsState | None, command: SuspendExpert, ctx: Context) -> Decision:
    _status(_kept(pools, command.expert, ctx), "active", "suspend")
    return Decision("ExpertSuspended")


@decides(ReinstateExpert)
def reinstate_expert(pools: PoolsState | None, command: ReinstateExpert, ctx: Context) -> Decision:
    _status(_kept(pools, command.expert, ctx), "suspended", "reinstate")
    return Decision("ExpertReinstated")


@decides(RemoveExpert)
def remove_expert(pools: PoolsState | None, command: RemoveExpert, ctx: Context) -> Decision:
    record = _kept(pools, command.expert, ctx)
    if record["status"] == "left":
        raise InvalidInput(f"expert {command.expert} has already left the pool")
    return Decision("ExpertLeft")


def _kept(pools: PoolsState | None, expert: str, ctx: Context) -> dict[str, Any]:
    if pools is None or expert not in pools.experts:
        raise InvalidInput(f"expert {expert!r} is in no pool")
    record = pools.experts[expert]
    check_keeper(ctx, record["region"])
    return record


def _status(record: dict[str, Any], expected: str, action: str) -> None:
    if record["status"] != expected:
        raise InvalidInput(
            f"cannot {action} expert {record['id']}: its status is {record['status']}"
        )


def _check_lists(specialties: tuple[str, ...]) -> None:
    if not specialties or len(set(specialties)) != len(specialties):
        raise InvalidInput("specialties: at least one, none twice")


@applies("ExpertJoined", stream="pools")
def _joined(pools: PoolsState, event: EventRecord) -> None:
    args = event.args
    expert = Expert(
        id=args["expert"],
        region=args["region"],
        specialties=frozenset(args["specialties"]),
        employer=args["employer"],
        ties=frozenset(args.get("ties", ())),
    )
    pools.experts[expert.id] = {**expert.to_record(), "keys": list(event.facts["keys"])}


@applies("ExpertUpdated", stream="pools")
def _updated(pools: PoolsState, event: EventRecord) -> None:
    record = pools.experts[event.args["expert"]]
    record["specialties"] = sorted(event.args["specialties"])
    record["employer"] = event.args["employer"]
    record["ties"] = sorted(event.args.get("ties", ()))


@applies("SittingRecorded", stream="pools")
def _sat(pools: PoolsState, event: EventRecord) -> None:
    record = pools.experts[event.args["expert"]]
    sittings = [*record["sittings"], {"purchaser": event.args["purchaser"], "on": event.args["on"]}]
    record["sittings"] = sorted(sittings, key=lambda s: (s["on"], s["purchaser"]))


@applies("ExpertSuspended", stream="pools")
def _suspended(pools: PoolsState, event: EventRecord) -> None:
    pools.experts[event.args["expert"]]["status"] = "suspended"


@applies("ExpertReinstated", stream="pools")
def _reinstated(pools: PoolsState, event: EventRecord) -> None:
    pools.experts[event.args["expert"]]["status"] = "active"


@applies("ExpertLeft", stream="pools")
def _left(pools: PoolsState, event: EventRecord) -> None:
    pools.experts[event.args["expert"]]["status"] = "left"


__all__ = [
    "AddExpert",
    "RecordSitting",
    "ReinstateExpert",
    "RemoveExpert",
    "SuspendExpert",
    "UpdateExpert",
]
