"""Typed command messages: imperative names, frozen dataclasses, one per action.

A command's ``args`` are what its actor signs (money as decimal strings, times as ISO 8601
in Beijing time). ``tender`` is the project code; registry commands have none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.clock import format_time


@dataclass(frozen=True)
class Command:
    """Base of every command message."""

    def kind(self) -> str:
        """The command's name as signed: the class name."""
        return type(self).__name__

    def target(self) -> str | None:
        """The project code of the tender this command acts on; None for the registry."""
        value = getattr(self, "tender", None)
        return str(value) if value is not None else None

    def args(self) -> dict[str, Any]:
        return {
            item.name: _signable(getattr(self, item.name))
            for item in dataclasses.fields(self)
            if item.name != "tender" and getattr(self, item.name) is not None
        }


def _signable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return format_time(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: _signable(getattr(value, item.name))
                for item in dataclasses.fields(value) if getattr(value, item.name) is not None}
    if isinstance(value, Mapping):
        return {str(key): _signable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [_signable(item) for item in items]
    return value


# Registry (S2) ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EstablishRegistry(Command):
    name: str
    public_key: str


@dataclass(frozen=True)
class RegisterParty(Command):
    party: str
    name: str
    roles: tuple[str, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterKey(Command):
    party: str
    public_key: str
    purpose: str
    roles: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime | None = None
    certificate: str | None = None


@dataclass(frozen=True)
class RevokeKey(Command):
    key_id: str
    reason: str


# Publication (§6, §7) ---------------------------------------------------------------------
@dataclass(frozen=True)
class LotTerms:
    lot: str
    name: str
    budget: Decimal
    ceiling: Decimal


@dataclass(frozen=True)
class TimetableTerms:
    documents_from: datetime
    documents_until: datetime
    questions_until: datetime
    deadline: datetime
    decryption_minutes: int = 30


@dataclass(frozen=True)
class OfficialTerms:
    party: str
    encryption_key: str


@dataclass(frozen=True)
class PublishTender(Command):
    tender: str
    name: str
    plan: str
    purchaser: str
    regulator: str
    lots: tuple[LotTerms, ...]
    timetable: TimetableTerms
    officials: tuple[OfficialTerms, ...]
    threshold: int = 2
    method: str = "open"
    bid_validity_days: int = 90
    consortia: bool = False
    imports: bool = False
    alternatives: bool = False
    business_points: Decimal = Decimal("30")
    technical_points: Decimal = Decimal("40")
    price_points: Decimal = Decimal("30")
    purchaser_representatives: int = 1
    experts: int = 4
    sme_deduction: Decimal = Decimal("0.10")
    consortium_deduction: Decimal = Decimal("0.03")
    announcement_working_days: int = 5
    award_publicity_working_days: int = 1

    def args(self) -> dict[str, Any]:
        return {
            "code": self.tender, "name": self.name, "plan": self.plan,
            "purchaser": self.purchaser, "regulator": self.regulator,
            "lots": _signable(self.lots), "timetable": _signable(self.timetable),
            "opening": {"officials": _signable(self.officials), "threshold": self.threshold},
            "method": self.method, "bid_validity_days": self.bid_validity_days,
            "consortia": self.consortia, "imports": self.imports,
            "alternatives": self.alternatives,
            "evaluation": {"method": "comprehensive",
                           "business_points": f"{self.business_points}",
                           "technical_points": f"{self.technical_points}",
                           "price_points": f"{self.price_points}"},
            "committee": {"purchaser_representatives": self.purchaser_representatives,
                          "experts": self.experts},
            "sme": {"deduction": f"{self.sme_deduction}",
                    "consortium_deduction": f"{self.consortium_deduction}"},
            "announcement_working_days": self.announcement_working_days,
            "award_publicity_working_days": self.award_publicity_working_days,
        }


@dataclass(frozen=True)
class ObtainDocuments(Command):
    tender: str


@dataclass(frozen=True)
class AskQuestion(Command):
    tender: str
    question: str


@dataclass(frozen=True)
class Answer:
    question_id: str
    answer: str


@dataclass(frozen=True)
class PublishClarification(Command):
    tender: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class LotChange:
    lot: str
    budget: Decimal | None = None
    ceiling: Decimal | None = None


@dataclass(frozen=True)
class AmendTender(Command):
    tender: str
    summary: str
    affects_preparation: bool
    lots: tuple[LotChange, ...] = ()


# Submission (§19-§23.1) -------------------------------------------------------------------
@dataclass(frozen=True)
class SubmitBid(Command):
    tender: str
    lot: str
    sealed: Mapping[str, Any]


@dataclass(frozen=True)
class WithdrawBid(Command):
    tender: str
    lot: str


@dataclass(frozen=True)
class CheckIn(Command):
    tender: str
    lot: str
