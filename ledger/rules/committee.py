"""The evaluation committee's arithmetic: its majority, a decision's digest, a member's ties.

- A decision of the committee takes effect when a majority of its seated members (those
  formed onto it and not withdrawn) has signed the same content: more than half of them,
  ``seated // 2 + 1`` (3 of 5, 3 of 4, 2 of 3).
- A decision's digest is hex SHA-256 of the canonical JSON (RFC 8785) of
  ``{"command", "tender", "args"}``: the command's name, the tender's stream id and its
  signed arguments. Members who sign the same content sign the same digest.
- A member is tied to a bidder (and must withdraw, 回避) when the registry says so. On
  the member: ``employer`` (the party that employs it), ``recent_work`` (parties it
  worked for, or sat on the board or supervisory board of, in the last three years),
  ``controls`` (parties it controls or holds a controlling share in). On the bidder:
  ``legal_representative`` naming the member, or ``controller`` naming the member or the
  member's employer. Lists are lists of party ids; a single id is taken as a list of one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ledger.canonical import canonical_bytes

__all__ = ["decision_digest", "majority_of", "tie_to_bidder"]


def majority_of(seated: int) -> int:
    """Signatures a decision needs: more than half of the ``seated`` members."""
    return seated // 2 + 1


def decision_digest(command: str, tender: str, args: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical ``{command, tender, args}`` of a committee decision."""
    body = {"command": command, "tender": tender, "args": dict(args)}
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def tie_to_bidder(
    member: str,
    member_attributes: Mapping[str, Any],
    bidder: str,
    bidder_attributes: Mapping[str, Any],
) -> str | None:
    """Why ``member`` is tied to ``bidder``, from their registry attributes; None if not."""
    employer = member_attributes.get("employer")
    controller = bidder_attributes.get("controller")
    ties = (
        (employer == bidder, f"{member} is employed by {bidder}"),
        (
            bidder in _listed(member_attributes.get("recent_work")),
            f"{member} worked for {bidder} in the last three years",
        ),
        (bidder in _listed(member_attributes.get("controls")), f"{member} controls {bidder}"),
        (
            bidder_attributes.get("legal_representative") == member,
            f"{member} is the legal representative of {bidder}",
        ),
        (controller == member, f"{bidder} is controlled by {member}"),
        (
            controller is not None and controller == employer,
            f"{bidder} is controlled by {member}'s employer {employer}",
        ),
    )
    return next((why for tied, why in ties if tied), None)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
