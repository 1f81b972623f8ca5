"""One line in words for each event of a remote evaluation (venues, draw, check-in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.events import LedgerEvent
from ledger.procedure.registry_state import RegistryState

Summary = Callable[[LedgerEvent, RegistryState], str]


def _name(registry: RegistryState, party: Any) -> str:
    found = registry.parties.get(str(party))
    return found.name if found else str(party)


def _venues(event: LedgerEvent, registry: RegistryState) -> str:
    venues = "; ".join(
        f"{v['venue']}: {_name(registry, v['host'])} {v['room']}" for v in event.args["venues"]
    )
    return f"{venues} (agreement {event.args['cooperation']})"


def _planned(event: LedgerEvent, registry: RegistryState) -> str:
    quotas = ", ".join(
        f"{q['members']} of {q['region']} at the {q['venue']}" for q in event.args["quotas"]
    )
    return (
        f"{event.facts['draw_id']}: {quotas}; {len(event.facts['eligible'])} eligible, "
        f"{len(event.facts['excluded'])} excluded; beacon round {event.args['beacon_round']} "
        f"at {event.facts['beacon_time']}; commitments until {event.args['commit_deadline']}"
    )


def _secret(event: LedgerEvent, registry: RegistryState) -> str:
    return f"{event.facts['draw_id']}: the {event.facts['party']}'s"


def _drawn(event: LedgerEvent, registry: RegistryState) -> str:
    members = ", ".join(
        f"{_name(registry, seat['id'])} ({seat['venue']})"
        for seat in event.facts["draw"]["members"]
    )
    return f"{event.facts['draw_id']}: round {event.args['beacon']['round']}; {members}"


def _replaced(event: LedgerEvent, registry: RegistryState) -> str:
    return (
        f"{_name(registry, event.facts['declined'])} ({event.facts['cause']}) → "
        f"{_name(registry, event.facts['replacement'])} at the {event.facts['venue']} venue"
    )


def _checked_in(event: LedgerEvent, registry: RegistryState) -> str:
    return f"at the {event.args['venue']} venue ({event.facts['room']})"


def _confirmed(event: LedgerEvent, registry: RegistryState) -> str:
    return f"{_name(registry, event.args['member'])} at the {event.args['venue']} venue"


def _session(event: LedgerEvent, registry: RegistryState) -> str:
    return f"{len(event.facts['signers'])} of {len(event.facts['needed'])} venues"


def _pool(event: LedgerEvent, registry: RegistryState) -> str:
    return f"{_name(registry, event.args['expert'])}"


REMOTE_SUMMARIES: dict[str, Summary] = {
    "VenuesFixed": _venues,
    "DrawPlanned": _planned,
    "DrawSecretCommitted": _secret,
    "DrawSecretRevealed": _secret,
    "CommitteeDrawn": _drawn,
    "DrawnMemberReplaced": _replaced,
    "MemberCheckedIn": _checked_in,
    "IdentityConfirmed": _confirmed,
    "SessionOpeningSigned": _session,
    "SessionOpened": _session,
    "SessionClosingSigned": _session,
    "SessionClosed": _session,
    "ExpertJoined": _pool,
    "ExpertSuspended": _pool,
}
