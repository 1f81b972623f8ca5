"""The inputs of a draw: the experts of the regions' pools, and the rule that says whom to draw.

Both have a canonical record (JSON-safe: sets as sorted lists, dates as ISO 8601 strings)
so a draw can be logged, exported and recomputed by anyone (``docs/draw.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast, get_args

from ledger.errors import InvalidInput

Venue = Literal["main", "secondary"]
Status = Literal["active", "suspended", "left"]
VENUES: tuple[Venue, ...] = get_args(Venue)
STATUSES: tuple[Status, ...] = get_args(Status)


@dataclass(frozen=True, kw_only=True)
class Sitting:
    """A committee the expert sat on: for which purchaser, on which day."""

    purchaser: str
    on: date


@dataclass(frozen=True, kw_only=True)
class Expert:
    """One expert of a region's pool, with what the avoidance rules look at."""

    id: str
    region: str
    specialties: frozenset[str]
    employer: str
    ties: frozenset[str] = frozenset()
    sittings: tuple[Sitting, ...] = ()
    status: Status = "active"

    def __post_init__(self) -> None:
        if not self.id or not self.region:
            raise InvalidInput(f"an expert needs an id and a region, got {self.id!r}")
        if self.status not in STATUSES:
            raise InvalidInput(f"expert {self.id}: status {self.status!r} not in {STATUSES}")

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "region": self.region,
            "specialties": sorted(self.specialties),
            "employer": self.employer,
            "ties": sorted(self.ties),
            "sittings": [
                {"purchaser": s.purchaser, "on": s.on.isoformat()}
                for s in sorted(self.sittings, key=lambda s: (s.on, s.purchaser))
            ],
            "status": self.status,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Expert:
        try:
            return cls(
                id=str(record["id"]),
                region=str(record["region"]),
                specialties=frozenset(record["specialties"]),
                employer=str(record["employer"]),
                ties=frozenset(record.get("ties", ())),
                sittings=tuple(
                    Sitting(purchaser=str(s["purchaser"]), on=date.fromisoformat(s["on"]))
                    for s in record.get("sittings", ())
                ),
                status=cast(Status, record.get("status", "active")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"expert record is malformed: {exc!r}") from exc


@dataclass(frozen=True, kw_only=True)
class Quota:
    """How many experts of ``region`` sit at ``venue``."""

    region: str
    venue: Venue
    members: int


@dataclass(frozen=True, kw_only=True)
class DrawRule:
    """Whom to draw for one tender: quotas, reserves, and the avoidance rules' parameters.

    An expert is eligible when active, of a region that has a quota, holding at least one of
    ``specialties``, neither employed by nor tied to a bidder or the purchaser, and without a
    sitting for the purchaser on or after ``draw_date - recent_days``. Each region with a
    quota also gets ``reserves_per_region`` reserves.
    """

    draw_id: str
    purchaser: str
    bidders: frozenset[str]
    specialties: frozenset[str]
    quotas: tuple[Quota, ...]
    reserves_per_region: int
    recent_days: int
    draw_date: date

    def __post_init__(self) -> None:
        if not self.quotas:
            raise InvalidInput("a draw rule needs at least one quota")
        seats = [(quota.region, quota.venue) for quota in self.quotas]
        if len(set(seats)) != len(seats):
            raise InvalidInput(f"one quota per region and venue, got {seats}")
        for quota in self.quotas:
            if quota.venue not in VENUES or quota.members < 1:
                raise InvalidInput(f"quota {quota}: venue in {VENUES}, at least one member")
        if not self.specialties:
            raise InvalidInput("a draw rule needs at least one specialty")
        if self.reserves_per_region < 0 or self.recent_days < 0:
            raise InvalidInput("reserves and the recent-sitting window cannot be negative")

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions with a quota, in the order the rule first names them."""
        return tuple(dict.fromkeys(quota.region for quota in self.quotas))

    def to_record(self) -> dict[str, Any]:
        return {
            "draw_id": self.draw_id,
            "purchaser": self.purchaser,
            "bidders": sorted(self.bidders),
            "specialties": sorted(self.specialties),
            "quotas": [
                {"region": q.region, "venue": q.venue, "members": q.members} for q in self.quotas
            ],
            "reserves_per_region": self.reserves_per_region,
            "recent_days": self.recent_days,
            "draw_date": self.draw_date.isoformat(),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> DrawRule:
        try:
            return cls(
                draw_id=str(record["draw_id"]),
                purchaser=str(record["purchaser"]),
                bidders=frozenset(record["bidders"]),
                specialties=frozenset(record["specialties"]),
                quotas=tuple(
                    Quota(region=str(q["region"]), venue=q["venue"], members=int(q["members"]))
                    for q in record["quotas"]
                ),
                reserves_per_region=int(record["reserves_per_region"]),
                recent_days=int(record["recent_days"]),
                draw_date=date.fromisoformat(record["draw_date"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"draw rule record is malformed: {exc!r}") from exc
