"""Typed commands, their declared guards, and the tables that find a command's rule.

Each command is a frozen dataclass whose fields are its signed arguments
(:mod:`ledger.procedure.schema`) and whose class declares, once, who may send it and when
(:class:`Guard`): the role its signer must hold, which of the tender's own parties it must
be, the phases of the procedure it belongs to, and whether a suspension stops it. Dispatch
applies the guard before the command's rule function runs (:mod:`ledger.procedure.dispatch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeVar

from ledger.envelope import SignedCommand
from ledger.errors import Rule, RuleViolation
from ledger.procedure import schema
from ledger.procedure.records import Decision, EventRecord
from ledger.rules import catalogue as rules

if TYPE_CHECKING:
    from ledger.procedure.pools.state import PoolsState
    from ledger.procedure.registry_state import RegistryState

Sender = Literal["any", "agency", "purchaser", "regulator", "committee", "official", "authority"]
Phase = Literal["bidding", "awaiting_opening", "decryption", "key_shares", "evaluation"]
PHASES: tuple[Phase, ...] = (
    "bidding",
    "awaiting_opening",
    "decryption",
    "key_shares",
    "evaluation",
)
AFTER_DEADLINE: frozenset[Phase] = frozenset(PHASES[1:])
ANY_PHASE: frozenset[Phase] = frozenset(PHASES)


@dataclass(frozen=True)
class Guard:
    """Who may send a command and when; checked before any of the command's rules.

    ``role``: the role the signer must hold. ``sender``: which of the tender's own parties
    it must be (``any`` holder of the role, the tender's ``agency``, ``purchaser`` or
    ``regulator``, a member of its ``committee``, one of its opening ``official``s).
    ``phases``: when; a command that comes before them breaks ``early``, after them
    ``late``. ``while_suspended``: whether a suspension (§23.3, §36) lets it through.
    ``sender_rule``: the rule a wrong sender breaks, where a clause says more than
    :data:`rules.OWN_TENDER`.
    """

    role: str
    sender: Sender = "any"
    phases: frozenset[Phase] = ANY_PHASE
    early: Rule = rules.PHASE_ORDER
    late: Rule = rules.PHASE_ORDER
    while_suspended: bool = False
    sender_rule: Rule | None = None


def phases(*names: Phase) -> frozenset[Phase]:
    return frozenset(names)


@dataclass(frozen=True)
class Command:
    """Base of every command: a frozen dataclass of the signed arguments and a guard."""

    guard: ClassVar[Guard]
    extra_fields: ClassVar[Rule | None] = None  # a rule that unknown fields break, if any

    def kind(self) -> str:
        """The command's name as signed: the class name."""
        return type(self).__name__

    def target(self) -> str | None:
        """The tender (project code or stream id) this command acts on; None: the registry."""
        return None

    def args(self) -> dict[str, Any]:
        """The arguments exactly as they are signed."""
        return schema.to_args(self)

    @classmethod
    def from_signed(cls, signed: SignedCommand) -> Self:
        """The typed command from a signed one; InvalidInput names a field at fault."""
        if cls.extra_fields is not None:
            known = {item.key for item in schema.fields_of(cls)}
            if extra := sorted(set(signed.args) - known):
                raise RuleViolation(
                    cls.extra_fields,
                    f"{signed.command} carries only {sorted(known)}; found also {extra}",
                )
        return schema.parse(cls, signed.args, f"{signed.command}.args")


def target() -> Any:
    """The field naming the command's tender; it is the stream, not a signed argument."""
    return field(metadata={"target": True})


@dataclass(frozen=True)
class TenderCommand(Command):
    """A command on one tender; ``tender`` is its project code (or tender stream id)."""

    tender: str = target()

    def target(self) -> str | None:
        return self.tender

    @classmethod
    def from_signed(cls, signed: SignedCommand) -> Self:
        parsed = super().from_signed(signed)
        object.__setattr__(parsed, "tender", signed.stream)  # the target is the stream signed
        return parsed


@dataclass(frozen=True)
class Context:
    """What a rule may read besides the state: the time, the signed command, the registry.

    ``pools``: the expert pools stream as it stands (None before its first event).
    ``beacon_signatures``: whether a drand beacon's BLS signature is checked (it needs a
    pairing library; a verifier without one re-executes everything else and says so).
    """

    now: datetime
    signed: SignedCommand
    registry: RegistryState
    pools: PoolsState | None = None
    beacon_signatures: bool = True

    @property
    def actor(self) -> str:
        return self.signed.actor

    @property
    def command_id(self) -> str:
        return self.signed.command_id


S = TypeVar("S")
C = TypeVar("C", bound=Command)
RuleFunction = Callable[[Any, Any, Context], Decision]
Applier = Callable[[Any, EventRecord], None]


@dataclass(frozen=True)
class Handler:
    """A command class and the function that decides it."""

    command: type[Command]
    decide: RuleFunction


HANDLERS: dict[str, Handler] = {}
APPLIERS: dict[str, Applier] = {}
EVENT_VERSIONS: dict[str, int] = {}
EVENT_STREAMS: dict[str, str] = {}  # event type -> the kind of stream it belongs to


def decides(command: type[C]) -> Callable[[Callable[[S, C, Context], Decision]], Any]:
    """Register the rule function of ``command`` (one per command class)."""

    def register(function: Callable[[S, C, Context], Decision]) -> Any:
        name = command.__name__
        if name in HANDLERS:
            raise TypeError(f"{name} already has a rule function")
        HANDLERS[name] = Handler(command, function)
        return function

    return register


def applies(
    event: str, version: int = 1, stream: str = "tender"
) -> Callable[[Callable[[S, EventRecord], None]], Any]:
    """Register how event type ``event`` (schema ``version``) changes a ``stream``'s state."""

    def register(function: Callable[[S, EventRecord], None]) -> Any:
        if event in APPLIERS:
            raise TypeError(f"{event} already has an applier")
        APPLIERS[event] = function
        EVENT_VERSIONS[event] = version
        EVENT_STREAMS[event] = stream
        return function

    return register
