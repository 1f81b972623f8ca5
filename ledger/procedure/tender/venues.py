"""Venues of a remote evaluation: fixed before the draw, check-in, the shared session, outages.

- The agency fixes the venues (a main venue, and a secondary one) under a cooperation
  agreement in force between the centres that host them, before any draw is planned (D9).
- Each seated member checks in at a venue with its own signed command (its key, certified
  by the registration authority, is its electronic identity), and the venue's supervisor
  confirms the identity check done in person (统一身份认证签到). A drawn expert checks in at
  the venue its quota names; the purchaser's representative at either.
- The session opens, and closes, when the supervisors of every venue have signed it: both
  venues together (D13). Committee work needs an open session and a confirmed check-in
  (the guard, :func:`ledger.procedure.remote.check_remote_member`).
- A venue's supervisor reports an outage of its venue: that suspends the procedure (§23.3),
  every clock stops, and only the regulator resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ledger.clock import format_time
from ledger.errors import InvalidInput, RuleViolation
from ledger.procedure.base import (
    ANY_PHASE,
    Context,
    Guard,
    TenderCommand,
    applies,
    decides,
    phases,
)
from ledger.procedure.records import Decision, EventRecord
from ledger.procedure.schema import arg
from ledger.procedure.state import TenderState
from ledger.procedure.tender.suspension import begin_suspension
from ledger.rules import catalogue as rules

_EVALUATION = phases("evaluation")


@dataclass(frozen=True)
class VenueTerms:
    venue: Literal["main", "secondary"] = arg()
    host: str = arg(max_length=64)
    room: str = arg(max_length=200)
    supervisor: str = arg(max_length=64)


@dataclass(frozen=True)
class FixVenues(TenderCommand):
    """The agency fixes the evaluation's venues under a cooperation agreement (D8, D9)."""

    guard: ClassVar[Guard] = Guard(role="agency", sender="agency", phases=ANY_PHASE)
    cooperation: str = arg(max_length=100)
    venues: tuple[VenueTerms, ...] = arg(max_items=2)


@dataclass(frozen=True)
class CheckInAtVenue(TenderCommand):
    """A committee member checks in at a venue, signing with its own key."""

    guard: ClassVar[Guard] = Guard(role="evaluator", phases=_EVALUATION)
    venue: Literal["main", "secondary"] = arg()


@dataclass(frozen=True)
class ConfirmIdentity(TenderCommand):
    """The venue's supervisor confirms the identity check of a member who checked in there."""

    guard: ClassVar[Guard] = Guard(role="supervisor", phases=_EVALUATION)
    member: str = arg(max_length=64)
    venue: Literal["main", "secondary"] = arg()
    check: str = arg(max_length=500)


@dataclass(frozen=True)
class OpenSession(TenderCommand):
    """A venue's supervisor signs the opening of the session; it opens once all have."""

    guard: ClassVar[Guard] = Guard(role="supervisor", phases=_EVALUATION)


@dataclass(frozen=True)
class CloseSession(TenderCommand):
    """A venue's supervisor signs the closing of the session; it closes once all have."""

    guard: ClassVar[Guard] = Guard(role="supervisor", phases=_EVALUATION)


@dataclass(frozen=True)
class ReportVenueOutage(TenderCommand):
    """A venue's supervisor reports that its venue lost the link: the procedure is suspended."""

    guard: ClassVar[Guard] = Guard(role="supervisor", phases=ANY_PHASE)
    venue: Literal["main", "secondary"] = arg()
    reason: str = arg(max_length=2000)


@decides(FixVenues)
def fix_venues(tender: TenderState, command: FixVenues, ctx: Context) -> Decision:
    if tender.remote.current is not None:
        raise RuleViolation(
            rules.VENUES_BEFORE_DRAW,
            f"draw {tender.remote.current['draw_id']} is already planned on the venues fixed",
        )
    names = [venue.venue for venue in command.venues]
    if sorted(set(names)) != sorted(names) or "main" not in names:
        raise InvalidInput(f"venues: one main venue and at most one secondary, got {names}")
    agreement = _agreement_in_force(ctx, command.cooperation)
    for venue in command.venues:
        if venue.host not in agreement.parties:
            raise RuleViolation(
                rules.COOPERATION_IN_FORCE,
                f"the {venue.venue} venue's host {venue.host} is not a party to "
                f"{command.cooperation} ({', '.join(agreement.parties)})",
            )
        if "supervisor" not in ctx.registry.party(venue.supervisor).roles:
            raise RuleViolation(
                rules.ROLE_NOT_HELD, f"{venue.supervisor} is not a registered supervisor"
            )
    chain = agreement.chain_info()
    return Decision("VenuesFixed", {"chain_hash": chain.hash.hex(), "chain": agreement.chain})


def _agreement_in_force(ctx: Context, agreement: str) -> Any:
    found = None if ctx.pools is None else ctx.pools.cooperations.get(agreement)
    if found is None or not found.in_force:
        state = "not on the ledger" if found is None else f"signed by {found.signers} only"
        raise RuleViolation(
            rules.COOPERATION_IN_FORCE, f"cooperation agreement {agreement} is {state}"
        )
    return found


@decides(CheckInAtVenue)
def check_in_at_venue(tender: TenderState, command: CheckInAtVenue, ctx: Context) -> Decision:
    remote = tender.remote
    _check_venue(tender, command.venue)
    if ctx.actor not in tender.committee:
        raise RuleViolation(
            rules.COMMITTEE_MEMBER, f"{ctx.actor} is not a member of the evaluation committee"
        )
    if ctx.actor in remote.check_ins:
        raise InvalidInput(f"{ctx.actor} has already checked in at the {command.venue} venue")
    if remote.session == "closed":
        raise RuleViolation(rules.SESSION_TOGETHER, "the evaluation session is closed")
    seat = _drawn_venue(tender, ctx.actor)
    if seat is not None and seat != command.venue:
        raise RuleViolation(
            rules.DRAWN_COMMITTEE,
            f"{ctx.actor} was drawn for the {seat} venue, not the {command.venue}",
        )
    venue = remote.venues[command.venue]
    return Decision("MemberCheckedIn", {"host": venue["host"], "room": venue["room"]})


def _drawn_venue(tender: TenderState, member: str) -> str | None:
    result = tender.remote.drawn()
    seats = [] if result is None else result["members"]
    return next((str(seat["venue"]) for seat in seats if seat["id"] == member), None)


@decides(ConfirmIdentity)
def confirm_identity(tender: TenderState, command: ConfirmIdentity, ctx: Context) -> Decision:
    _supervisor_of(tender, command.venue, ctx.actor)
    entry = tender.remote.check_ins.get(command.member)
    if entry is None or entry["venue"] != command.venue:
        raise RuleViolation(
            rules.CHECKED_IN, f"{command.member} has not checked in at the {command.venue} venue"
        )
    if entry["confirmed_by"] is not None:
        raise InvalidInput(f"the identity of {command.member} is already confirmed")
    return Decision("IdentityConfirmed")


@decides(OpenSession)
def open_session(tender: TenderState, command: OpenSession, ctx: Context) -> Decision:
    if not tender.committee:
        raise RuleViolation(rules.PHASE_ORDER, "the agency's FormCommittee must come first")
    if tender.remote.session != "not opened":
        raise RuleViolation(
            rules.SESSION_TOGETHER, f"the session is already {tender.remote.session}"
        )
    return _session_signature(tender, ctx, "SessionOpeningSigned", "SessionOpened")


@decides(CloseSession)
def close_session(tender: TenderState, command: CloseSession, ctx: Context) -> Decision:
    if tender.remote.session != "open":
        raise RuleViolation(rules.SESSION_TOGETHER, f"the session is {tender.remote.session}")
    return _session_signature(tender, ctx, "SessionClosingSigned", "SessionClosed")


def _session_signature(tender: TenderState, ctx: Context, pending: str, done: str) -> Decision:
    venue = tender.remote.venue_of_supervisor(ctx.actor)
    if venue is None:
        raise RuleViolation(
            rules.VENUE_SUPERVISOR, f"{ctx.actor} supervises no venue of {tender.code}"
        )
    if ctx.actor in tender.remote.session_signers:
        raise RuleViolation(rules.SESSION_TOGETHER, f"{ctx.actor} has already signed")
    signers = [*tender.remote.session_signers, ctx.actor]
    needed = sorted(info["supervisor"] for info in tender.remote.venues.values())
    facts = {"venue": venue, "signers": signers, "needed": needed}
    return Decision(done if sorted(set(signers)) == needed else pending, facts)


@decides(ReportVenueOutage)
def report_venue_outage(tender: TenderState, command: ReportVenueOutage, ctx: Context) -> Decision:
    _supervisor_of(tender, command.venue, ctx.actor)
    return Decision("VenueOutageReported", {"rule": rules.EMERGENCY_SUSPENSION.code})


def _check_venue(tender: TenderState, venue: str) -> None:
    if venue not in tender.remote.venues:
        fixed = sorted(tender.remote.venues) or "none"
        raise RuleViolation(rules.VENUES_BEFORE_DRAW, f"no {venue} venue is fixed (fixed: {fixed})")


def _supervisor_of(tender: TenderState, venue: str, actor: str) -> None:
    _check_venue(tender, venue)
    supervisor = tender.remote.venues[venue]["supervisor"]
    if actor != supervisor:
        raise RuleViolation(
            rules.VENUE_SUPERVISOR, f"the {venue} venue's supervisor is {supervisor}, not {actor}"
        )


@applies("VenuesFixed")
def _fixed(tender: TenderState, event: EventRecord) -> None:
    tender.remote.cooperation = event.args["cooperation"]
    tender.remote.chain = dict(event.facts["chain"])
    tender.remote.venues = {
        v["venue"]: {"host": v["host"], "room": v["room"], "supervisor": v["supervisor"]}
        for v in event.args["venues"]
    }


@applies("MemberCheckedIn")
def _checked_in(tender: TenderState, event: EventRecord) -> None:
    tender.remote.check_ins[event.actor] = {
        "venue": event.args["venue"],
        "at": format_time(event.time),
        "key_id": event.command.key_id,
        "confirmed_by": None,
        "check": None,
    }


@applies("IdentityConfirmed")
def _confirmed(tender: TenderState, event: EventRecord) -> None:
    entry = tender.remote.check_ins[event.args["member"]]
    entry["confirmed_by"] = event.actor
    entry["check"] = event.args["check"]


@applies("SessionOpeningSigned")
@applies("SessionClosingSigned")
def _session_signed(tender: TenderState, event: EventRecord) -> None:
    tender.remote.session_signers = list(event.facts["signers"])


@applies("SessionOpened")
def _session_opened(tender: TenderState, event: EventRecord) -> None:
    tender.remote.session = "open"
    tender.remote.session_signers = []


@applies("SessionClosed")
def _session_closed(tender: TenderState, event: EventRecord) -> None:
    tender.remote.session = "closed"
    tender.remote.session_signers = []


@applies("VenueOutageReported")
def _outage(tender: TenderState, event: EventRecord) -> None:
    reason = f"{event.args['venue']} venue outage: {event.args['reason']}"
    begin_suspension(tender, event, reason, rules.EMERGENCY_SUSPENSION)
