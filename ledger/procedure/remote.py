"""A tender's remote cross-region evaluation, as its events leave it (一主场一副场).

Plain data kept on :class:`~ledger.procedure.state.TenderState` (``tender.remote``): the
cooperation agreement and venues fixed for the evaluation, every draw of its experts (the
last one current unless the regulator voided it), the members' check-ins at the venues and
the session both venues hold together. :func:`check_remote_member` is what the guard of
every committee command adds for a remote evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.errors import RuleViolation
from ledger.rules import catalogue as rules


@dataclass
class RemoteEvaluation:
    """Venues, draws, check-ins and the session of one tender's evaluation."""

    cooperation: str | None = None
    chain: dict[str, Any] | None = None  # the agreement's drand chain, drand JSON
    venues: dict[str, dict[str, str]] = field(default_factory=dict)  # venue -> host, room, ...
    draws: list[dict[str, Any]] = field(default_factory=list)
    check_ins: dict[str, dict[str, Any]] = field(default_factory=dict)  # member -> venue, ...
    session: str = "not opened"  # not opened, open, closed
    session_signers: list[str] = field(default_factory=list)  # supervisors signed so far

    @property
    def fixed(self) -> bool:
        """Whether the tender is evaluated at venues (a remote evaluation)."""
        return bool(self.venues)

    @property
    def current(self) -> dict[str, Any] | None:
        """The draw in force: the last one, unless the regulator voided it."""
        if self.draws and self.draws[-1]["voided"] is None:
            return self.draws[-1]
        return None

    def drawn(self) -> dict[str, Any] | None:
        """The current draw's result (its record), once drawn."""
        current = self.current
        return None if current is None else current["result"]

    def venue_of_supervisor(self, party: str) -> str | None:
        return next((v for v, info in self.venues.items() if info["supervisor"] == party), None)

    def confirmed(self, member: str) -> bool:
        """Checked in at a venue, with the identity confirmed there by its supervisor."""
        entry = self.check_ins.get(member)
        return entry is not None and entry.get("confirmed_by") is not None


def check_remote_member(remote: RemoteEvaluation, actor: str, command: str) -> None:
    """In a remote evaluation a member acts only checked in and while the session is open."""
    if not remote.fixed:
        return
    if not remote.confirmed(actor):
        where = remote.check_ins.get(actor)
        state = (
            f"checked in at the {where['venue']} venue, its identity not yet confirmed"
            if where
            else "not checked in at any venue"
        )
        raise RuleViolation(rules.CHECKED_IN, f"{command}: {actor} is {state}")
    if remote.session != "open":
        raise RuleViolation(
            rules.SESSION_TOGETHER,
            f"{command}: the evaluation session is {remote.session}; both venues open it together",
        )


__all__ = ["RemoteEvaluation", "check_remote_member"]
