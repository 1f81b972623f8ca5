"""The agency's, the regulator's and the platform's commitments and reveals of a draw.

Each of the three parties commits to a 32-byte secret by the plan's commit deadline and
reveals it after the deadline, before the beacon round's time (``ledger.draw.randomness``:
D1-D4). One command class per party, since each is signed in that party's own role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ledger.clock import to_beijing
from ledger.draw.randomness import Commitment, Reveal, check_commitment, check_reveal
from ledger.errors import InvalidInput
from ledger.procedure.base import AFTER_DEADLINE, Context, Guard, TenderCommand, applies, decides
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import TenderState
from ledger.procedure.tender.draw_plan import commitments, open_draw, reveals, seed_plan


@dataclass(frozen=True)
class _Commit(TenderCommand):
    digest: str = arg(max_length=64)


@dataclass(frozen=True)
class _Reveal(TenderCommand):
    secret: str = arg(max_length=64)


@dataclass(frozen=True)
class CommitAgencySecret(_Commit):
    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)


@dataclass(frozen=True)
class CommitRegulatorSecret(_Commit):
    guard: ClassVar[Guard] = Guard(role="regulator", sender="regulator", phases=AFTER_DEADLINE)


@dataclass(frozen=True)
class CommitPlatformSecret(_Commit):
    guard: ClassVar[Guard] = Guard(role="platform", phases=AFTER_DEADLINE)


@dataclass(frozen=True)
class RevealAgencySecret(_Reveal):
    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=AFTER_DEADLINE)


@dataclass(frozen=True)
class RevealRegulatorSecret(_Reveal):
    guard: ClassVar[Guard] = Guard(role="regulator", sender="regulator", phases=AFTER_DEADLINE)


@dataclass(frozen=True)
class RevealPlatformSecret(_Reveal):
    guard: ClassVar[Guard] = Guard(role="platform", phases=AFTER_DEADLINE)


def _commit(tender: TenderState, command: _Commit, ctx: Context, party: str) -> Decision:
    draw = open_draw(tender)
    digest = _hex32(command.digest, "digest")
    new = Commitment(party=party, digest=digest, logged_at=ctx.now)
    check_commitment(seed_plan(draw), commitments(draw), new)
    return Decision("DrawSecretCommitted", {"draw_id": draw["draw_id"], "party": party})


def _reveal(tender: TenderState, command: _Reveal, ctx: Context, party: str) -> Decision:
    draw = open_draw(tender)
    new = Reveal(party=party, secret=_hex32(command.secret, "secret"), logged_at=ctx.now)
    check_reveal(seed_plan(draw), commitments(draw), reveals(draw), new)
    return Decision("DrawSecretRevealed", {"draw_id": draw["draw_id"], "party": party})


def _hex32(value: str, name: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise InvalidInput(f"field {name!r} must be hex") from None
    if len(raw) != 32 or raw.hex() != value:
        raise InvalidInput(f"field {name!r} must be 32 bytes in lower-case hex")
    return raw


@decides(CommitAgencySecret)
def commit_agency_secret(tender: TenderState, command: _Commit, ctx: Context) -> Decision:
    return _commit(tender, command, ctx, "agency")


@decides(CommitRegulatorSecret)
def commit_regulator_secret(tender: TenderState, command: _Commit, ctx: Context) -> Decision:
    return _commit(tender, command, ctx, "regulator")


@decides(CommitPlatformSecret)
def commit_platform_secret(tender: TenderState, command: _Commit, ctx: Context) -> Decision:
    return _commit(tender, command, ctx, "platform")


@decides(RevealAgencySecret)
def reveal_agency_secret(tender: TenderState, command: _Reveal, ctx: Context) -> Decision:
    return _reveal(tender, command, ctx, "agency")


@decides(RevealRegulatorSecret)
def reveal_regulator_secret(tender: TenderState, command: _Reveal, ctx: Context) -> Decision:
    return _reveal(tender, command, ctx, "regulator")


@decides(RevealPlatformSecret)
def reveal_platform_secret(tender: TenderState, command: _Reveal, ctx: Context) -> Decision:
    return _reveal(tender, command, ctx, "platform")


@applies("DrawSecretCommitted")
def _committed(tender: TenderState, event: EventRecord) -> None:
    draw = tender.remote.draws[-1]
    at = to_beijing(event.time).isoformat()
    draw["commitments"].append(
        {"party": event.facts["party"], "digest": event.args["digest"], "at": at}
    )


@applies("DrawSecretRevealed")
def _revealed(tender: TenderState, event: EventRecord) -> None:
    draw = tender.remote.draws[-1]
    at = to_beijing(event.time).isoformat()
    draw["reveals"].append(
        {"party": event.facts["party"], "secret": event.args["secret"], "at": at}
    )
