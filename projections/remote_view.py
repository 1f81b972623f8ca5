"""A tender's remote evaluation as the read models keep it, and as the public may see it (V1).

The regulator sees everything: venues, every draw with its pool, exclusions, seed, order,
members, reserves and replacements, every check-in. The public and the bidders see the
venues and, for each draw, what fixes it without naming anyone (the chain, the round, the
number of eligible experts and their commitment) until the award notice publishes the result
(评审专家名单): then the names, the seed and the order too, so anyone can recompute the draw.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.procedure.state import TenderState

_PUBLIC_DRAW = ("draw_id", "status", "chain_hash", "beacon_round", "beacon_time")
_PUBLIC_DRAW_COUNTS = ("eligible_count", "excluded_count", "eligible_commitment", "voided")


def remote_summary(tender: TenderState) -> dict[str, Any]:
    """Everything about the remote evaluation, for the read model's ``remote`` column."""
    remote = tender.remote
    return {
        "cooperation": remote.cooperation,
        "venues": remote.venues,
        "session": remote.session,
        "check_ins": remote.check_ins,
        "draws": [_draw(draw) for draw in remote.draws],
    }


def _draw(draw: dict[str, Any]) -> dict[str, Any]:
    result = draw["result"]
    status = "voided" if draw["voided"] else ("drawn" if result else "planned")
    summary = {
        "draw_id": draw["draw_id"],
        "status": status,
        "chain_hash": draw["chain_hash"],
        "beacon_round": draw["beacon_round"],
        "beacon_time": draw["beacon_time"],
        "commit_deadline": draw["commit_deadline"],
        "eligible_count": len(draw["eligible"]),
        "excluded_count": len(draw["excluded"]),
        "eligible_commitment": draw["eligible_commitment"],
        "excluded": draw["excluded"],
        "voided": draw["voided"],
        "contributions": draw["contributions"],
    }
    if result is not None:
        for key in ("seed", "order", "members", "reserves", "declined", "replacements"):
            summary[key] = result[key]
    return summary


def public_remote(stored: str | dict[str, Any] | None, *, published: bool) -> dict[str, Any] | None:
    """The remote evaluation as the public sees it: no name before the result is published."""
    if stored is None:
        return None
    remote = json.loads(stored) if isinstance(stored, str) else stored
    venues = {
        venue: {"host": info["host"], "room": info["room"]}
        for venue, info in remote["venues"].items()
    }
    if published:
        return {**remote, "venues": venues, "names_published": True}
    draws = [
        {key: draw.get(key) for key in (*_PUBLIC_DRAW, *_PUBLIC_DRAW_COUNTS)}
        for draw in remote["draws"]
    ]
    return {
        "cooperation": remote["cooperation"],
        "venues": venues,
        "session": remote["session"],
        "draws": draws,
        "names_published": False,
    }
