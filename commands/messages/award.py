"""Award and remedy commands: award, notice, challenge, complaint, suspension (§23.3, §29-§37)."""

from __future__ import annotations

from dataclasses import dataclass

from commands.messages.base import Command


@dataclass(frozen=True)
class AwardLot(Command):
    tender: str
    lot: str
    bidder: str


@dataclass(frozen=True)
class RecordWinnerUnable(Command):
    tender: str
    lot: str
    reason: str


@dataclass(frozen=True)
class PublishAwardNotice(Command):
    tender: str
    lot: str


@dataclass(frozen=True)
class FileChallenge(Command):
    """A written challenge (质疑书) with the contents §34 requires; ``date`` is YYYY-MM-DD."""

    tender: str
    lot: str
    challenger_name: str
    address: str
    phone: str
    matters: str
    facts: str
    request: str
    evidence: str
    date: str
    signatory: str


@dataclass(frozen=True)
class AnswerChallenge(Command):
    tender: str
    challenge_id: str
    answer: str


@dataclass(frozen=True)
class FileComplaint(Command):
    tender: str
    challenge_id: str
    facts: str
    request: str


@dataclass(frozen=True)
class DecideComplaint(Command):
    """``decision``: dismiss, suspend, re_evaluate or annul."""

    tender: str
    challenge_id: str
    decision: str
    reasoning: str


@dataclass(frozen=True)
class SuspendProcedure(Command):
    tender: str
    reason: str


@dataclass(frozen=True)
class ResumeProcedure(Command):
    tender: str
    reason: str


@dataclass(frozen=True)
class ApproveNegotiation(Command):
    tender: str
    lot: str
    reason: str


@dataclass(frozen=True)
class DeclareLotFailed(Command):
    tender: str
    lot: str
    reason: str
