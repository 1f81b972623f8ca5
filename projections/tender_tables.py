"""The tables of the tender state read model (``tender_state_*``).

Money and times are text as in signed data; lists and objects are deterministic JSON
text; so the same rows compare equal on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import sqlalchemy as sa

PREFIX = "tender_state"


def _text(name: str, *, key: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text, primary_key=key, nullable=not key)


def _stream() -> sa.Column[str]:
    return sa.Column("stream", sa.String(36), primary_key=True)


@dataclass(frozen=True)
class TenderTables:
    """The tables, by role; ``derived`` are rewritten from the aggregate on every event."""

    tenders: sa.Table
    lots: sa.Table
    bids: sa.Table
    scores: sa.Table
    deadline_changes: sa.Table
    questions: sa.Table
    challenges: sa.Table
    receipts: sa.Table
    parties: sa.Table

    def all(self) -> list[sa.Table]:
        return [getattr(self, field.name) for field in fields(self)]

    def derived(self) -> list[sa.Table]:
        return [table for table in self.all() if table not in (self.receipts, self.parties)]


def define_tables(metadata: sa.MetaData) -> TenderTables:
    """Define every ``tender_state_*`` table on ``metadata``."""
    text = [
        *("code", "name", "plan", "agency", "purchaser", "regulator", "phase", "suspended"),
        *("published_at", "documents_from", "documents_until", "questions_until", "deadline"),
        *("decryption_closes", "opening_started_at", "decryption_closed_at", "revealed_at"),
        *("committee", "officials", "terms", "head", "updated_at", "remote"),
    ]
    tenders = sa.Table(
        f"{PREFIX}_tenders",
        metadata,
        _stream(),
        *(_text(name) for name in text),
        sa.Column("decryption_minutes", sa.Integer),
        sa.Column("threshold", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    lot_text = [
        *("name", "budget", "ceiling", "status", "failure", "candidates", "ranking", "declined"),
        *("award_bidder", "award_amount", "award_amount_wan", "awarded_at", "notice_at"),
        *("publicity_ends", "report_at", "report_digest", "report_signers", "opening_record"),
        "opening_signers",
    ]
    lots = sa.Table(
        f"{PREFIX}_lots", metadata, _stream(), _text("lot", key=True), *map(_text, lot_text)
    )
    bid_text = [
        *("status", "submitted_at", "sealed_digest", "ciphertext_sha256", "event_hash"),
        *("returned_cause", "price", "read_out_price", "correction", "correction_status"),
        *("justification", "invalid", "evaluation_price", "final_score", "quantified_score"),
    ]
    bids = sa.Table(
        f"{PREFIX}_bids",
        metadata,
        _stream(),
        _text("lot", key=True),
        _text("bidder", key=True),
        *map(_text, bid_text),
        sa.Column("checked_in", sa.Boolean, nullable=False),
        sa.Column("qualified", sa.Boolean),
        sa.Column("conforming", sa.Boolean),
        sa.Column("rank", sa.Integer),
        sa.Column("signed_opening_record", sa.Boolean, nullable=False),
    )
    scores = sa.Table(
        f"{PREFIX}_scores",
        metadata,
        _stream(),
        *(_text(name, key=True) for name in ("lot", "bidder", "evaluator")),
        *map(_text, ("business", "technical", "price", "total")),
    )
    deadline_changes = sa.Table(
        f"{PREFIX}_deadline_changes",
        metadata,
        _stream(),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        *map(_text, ("old_deadline", "new_deadline", "reason")),
    )
    questions = sa.Table(
        f"{PREFIX}_questions",
        metadata,
        _stream(),
        _text("question_id", key=True),
        *map(_text, ("asker", "question", "asked_at")),
        sa.Column("answered", sa.Boolean, nullable=False),
    )
    challenge_text = ("lot", "challenger", "filed_at", "answered_at", "answer", "complaint_at")
    challenges = sa.Table(
        f"{PREFIX}_challenges",
        metadata,
        _stream(),
        _text("challenge_id", key=True),
        *map(_text, (*challenge_text, "decision")),
    )
    receipts = sa.Table(
        f"{PREFIX}_receipts",
        metadata,
        _stream(),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        *map(_text, ("lot", "bidder", "event_hash", "time", "sealed_digest", "command_id")),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    parties = sa.Table(
        f"{PREFIX}_parties",
        metadata,
        _text("party", key=True),
        *map(_text, ("name", "roles", "address", "phone")),
    )
    return TenderTables(
        tenders, lots, bids, scores, deadline_changes, questions, challenges, receipts, parties
    )
