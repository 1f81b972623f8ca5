"""Evaluation commands: committee, qualification, conformity, corrections, questions, scores.

§24-§29.1, §43, chapter 5 and §18 of the seed. Points are decimal strings with at most
two places; the ledger adds the price score and the evaluation price itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from commands.messages.base import Command


@dataclass(frozen=True)
class CommitteeMember:
    party: str
    kind: str  # "purchaser_representative" or "expert"


@dataclass(frozen=True)
class FormCommittee(Command):
    """The agency forms the evaluation committee of the notice's make-up (front table 13)."""

    tender: str
    members: tuple[CommitteeMember, ...]


@dataclass(frozen=True)
class QualificationResult:
    bidder: str
    qualified: bool
    reason: str = ""


@dataclass(frozen=True)
class RecordQualification(Command):
    """The purchaser's qualification check of every revealed bid of a lot (§24)."""

    tender: str
    lot: str
    results: tuple[QualificationResult, ...]


@dataclass(frozen=True)
class ConformityResult:
    bidder: str
    conforming: bool
    reason: str = ""


@dataclass(frozen=True)
class RecordConformity(Command):
    """The committee's conformity check of the qualified bids (§26.1); §43 and §26.2 follow."""

    tender: str
    lot: str
    results: tuple[ConformityResult, ...]


@dataclass(frozen=True)
class ProposeCorrection(Command):
    """The committee has the ledger correct a bid's arithmetic (§26.4)."""

    tender: str
    lot: str
    bidder: str


@dataclass(frozen=True)
class RespondToCorrection(Command):
    """The bidder accepts the correction, or refuses it and its bid is invalid (§26.4)."""

    tender: str
    lot: str
    accept: bool


@dataclass(frozen=True)
class AskBidder(Command):
    """A clarification request (§27.1); ``low_price``: a justification request (§27.2)."""

    tender: str
    lot: str
    bidder: str
    question: str
    low_price: bool = False


@dataclass(frozen=True)
class AnswerCommittee(Command):
    """The asked bidder's written answer; it can change neither price nor substance."""

    tender: str
    lot: str
    question_id: str
    answer: str


@dataclass(frozen=True)
class DecideJustification(Command):
    """The committee accepts or rejects a low-price justification (§27.2)."""

    tender: str
    lot: str
    bidder: str
    accepted: bool


@dataclass(frozen=True)
class ScoreSheet:
    bidder: str
    business: Decimal
    technical: Decimal


@dataclass(frozen=True)
class SubmitScores(Command):
    """One committee member's business and technical points for every valid bid (ch.5)."""

    tender: str
    lot: str
    scores: tuple[ScoreSheet, ...]


@dataclass(frozen=True)
class FinaliseEvaluation(Command):
    """The agency tallies the scores, ranks the bids and names the candidates."""

    tender: str
    lot: str


@dataclass(frozen=True)
class SignReport(Command):
    """A committee member signs the evaluation report's digest (§29.1)."""

    tender: str
    lot: str
    report_digest: str
