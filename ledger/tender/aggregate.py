"""The tender aggregate: the whole procedure of one project code, as one signed stream."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.errors import NotFound, RuleViolation
from ledger.events import SignedAggregate
from ledger.rules import catalogue as rules
from ledger.tender.state import Challenge, Lot, Timetable


def tender_stream(code: str) -> uuid.UUID:
    """The tender's stream id, derived from its project code (one code, one tender)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bidledger:tender:{code}")


class Tender(SignedAggregate):
    """State of one tender; changed only by its events' ``update`` methods."""

    def __init__(self) -> None:
        super().__init__()
        self.code = ""
        self.name = ""
        self.plan = ""
        self.agency = ""
        self.purchaser = ""
        self.regulator = ""
        self.published_at: datetime | None = None
        self.timetable: Timetable | None = None
        self.lots: dict[str, Lot] = {}
        self.terms: dict[str, Any] = {}
        self.officials: list[dict[str, str]] = []
        self.threshold = 0
        self.documents_obtained: dict[str, datetime] = {}
        self.questions: dict[str, dict[str, Any]] = {}
        self.clarifications: list[dict[str, Any]] = []
        self.amendments: list[dict[str, Any]] = []
        self.deadline_history: list[dict[str, str]] = []
        self.opening_started_at: datetime | None = None
        self.decryption_closed_at: datetime | None = None
        self.key_shares: dict[str, dict[str, Any]] = {}
        self.revealed_at: datetime | None = None
        self.committee: dict[str, str] = {}
        self.challenges: dict[str, Challenge] = {}
        self.suspension: dict[str, Any] | None = None

    def lot(self, lot: str) -> Lot:
        try:
            return self.lots[lot]
        except KeyError:
            raise NotFound(f"tender {self.code} has no lot {lot!r}") from None

    @property
    def deadline(self) -> datetime:
        assert self.timetable is not None
        return self.timetable.deadline

    def check_not_suspended(self, command: str) -> None:
        """§23.3/§36: a suspended procedure takes nothing but the regulator's resumption."""
        if self.suspension is not None:
            raise RuleViolation(
                rules.SUSPENDED,
                f"{command}: procedure suspended since {self.suspension['since']} "
                f"({self.suspension['reason']})",
            )


def money(value: Decimal) -> str:
    """Money as stored in signed data: yuan, two decimals."""
    return f"{value.quantize(Decimal('0.01'))}"
