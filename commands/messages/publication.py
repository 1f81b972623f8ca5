"""Publication commands: the notice, documents, questions, clarifications, amendments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from commands.messages.base import Command, signable


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
            "code": self.tender,
            "name": self.name,
            "plan": self.plan,
            "purchaser": self.purchaser,
            "regulator": self.regulator,
            "lots": signable(self.lots),
            "timetable": signable(self.timetable),
            "opening": {"officials": signable(self.officials), "threshold": self.threshold},
            "method": self.method,
            "bid_validity_days": self.bid_validity_days,
            "consortia": self.consortia,
            "imports": self.imports,
            "alternatives": self.alternatives,
            "evaluation": {
                "method": "comprehensive",
                "business_points": f"{self.business_points}",
                "technical_points": f"{self.technical_points}",
                "price_points": f"{self.price_points}",
            },
            "committee": {
                "purchaser_representatives": self.purchaser_representatives,
                "experts": self.experts,
            },
            "sme": {
                "deduction": f"{self.sme_deduction}",
                "consortium_deduction": f"{self.consortium_deduction}",
            },
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
