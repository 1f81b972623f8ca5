"""Who may read what (V1): a tender as the public, one bidder or a regulator sees it.

Every function reads the read models' tables only and returns JSON-safe dicts (money
and times as strings). Before the opening the public view names no bidder and gives no
count of bids, not even per lot; a bidder sees the public view and its own bids and
receipts; a regulator sees everything, sealed bids included (without prices: none is
readable before the reveal).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ledger.errors import InvalidInput, NotFound
from ledger.rules import catalogue as rules
from projections import audit_trail, notices
from projections.remote_view import public_remote
from projections.tender_state import moment
from projections.tender_tables import TenderTables, define_tables

ROLES = ("public", "regulator", "bidder:<party id>")
PHASES = {
    "bidding": "投标",
    "awaiting_opening": "等待开标",
    "opening": "开标",
    "evaluation": "评标",
    "awarded": "定标",
    "failed": "废标",
}
_JSON_COLUMNS = frozenset(
    {"candidates", "ranking", "declined", "report_signers", "opening_signers", "correction"}
    | {"invalid", "committee", "officials", "terms", "suspended", "roles", "remote"}
)
_PUBLIC_TENDER = (
    *("stream", "code", "name", "plan", "published_at", "documents_from", "documents_until"),
    *("questions_until", "deadline", "decryption_closes"),
)
_SCHEMA = define_tables(sa.MetaData())


def parse_role(role: str) -> tuple[str, str | None]:
    """``("public", None)``, ``("regulator", None)`` or ``("bidder", party)``."""
    if role in ("public", "regulator"):
        return role, None
    kind, _, party = role.partition(":")
    if kind == "bidder" and party:
        return kind, party
    raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def find_tender(connection: sa.Connection, tender_ref: str) -> sa.Row[Any]:
    """The tender row for a project code or a stream id."""
    tenders = _SCHEMA.tenders
    try:
        where = tenders.c.stream == str(uuid.UUID(tender_ref))
    except ValueError:
        where = tenders.c.code == tender_ref
    row = connection.execute(sa.select(tenders).where(where)).first()
    if row is None:
        raise NotFound(f"no tender {tender_ref!r} (give its project code or stream id)")
    return row


def tender_view(
    engine: sa.Engine, tender_ref: str, role: str, at: datetime | None = None
) -> dict[str, Any]:
    """The tender as ``role`` sees it; ``at`` (the replay's instant) refines the phase."""
    kind, party = parse_role(role)
    with engine.connect() as connection:
        tender = find_tender(connection, tender_ref)
        view = _public(connection, tender, at)
        if kind == "bidder":
            assert party is not None
            view["own"] = _own(connection, tender.stream, party)
        elif kind == "regulator":
            view["regulator"] = _everything(connection, tender)
    view["role"] = role
    if at is not None:
        view["as_of"] = moment(at)
    return view


def regulator_overview(engine: sa.Engine) -> dict[str, Any]:
    """Across tenders: refused attempts (late bids among them), returned bids, postponements,
    corrections, challenges, suspensions."""
    s = _SCHEMA
    with engine.connect() as connection:
        codes = {row.stream: row.code for row in connection.execute(sa.select(s.tenders))}

        def rows(query: sa.Select[Any]) -> list[dict[str, Any]]:
            found = [_plain(row) for row in connection.execute(query)]
            return [{"tender": codes.get(row["stream"], row["stream"]), **row} for row in found]

        by_tender = (s.bids.c.stream, s.bids.c.lot, s.bids.c.bidder)
        refused = _refused_attempts(connection, codes)
        return {
            "tenders": len(codes),
            "refused_attempts": refused,
            "late_attempts": [
                row for row in refused if row["refusal"].startswith(f"{rules.LATE_BID.clause} ")
            ],
            "returned_bids": rows(
                sa.select(s.bids).where(s.bids.c.status == "returned").order_by(*by_tender)
            ),
            "postponements": rows(
                sa.select(s.deadline_changes).order_by(
                    s.deadline_changes.c.stream, s.deadline_changes.c.seq
                )
            ),
            "corrections": rows(
                sa.select(s.bids).where(s.bids.c.correction.is_not(None)).order_by(*by_tender)
            ),
            "challenges": rows(
                sa.select(s.challenges).order_by(s.challenges.c.stream, s.challenges.c.filed_at)
            ),
            "suspended": rows(
                sa.select(s.tenders)
                .where(s.tenders.c.suspended.is_not(None))
                .order_by(s.tenders.c.code)
            ),
        }


def _refused_attempts(connection: sa.Connection, codes: dict[str, str]) -> list[dict[str, Any]]:
    """Commands the rules refused, kept in each tender's attempts stream (from the audit trail)."""
    table = audit_trail.define_table(sa.MetaData())
    if not sa.inspect(connection).has_table(table.name):
        return []
    query = (
        sa.select(table)
        .where(table.c.event_type.in_(("AttemptsOpened", "AttemptRefused")))
        .order_by(table.c.position)
    )
    return [
        {
            "tender": codes.get(row.target, row.target),
            "position": row.position,
            "time": row.time,
            "actor": row.actor,
            "actor_name": row.actor_name,
            "role": row.role,
            "command": row.command,
            "refusal": row.summary,
        }
        for row in connection.execute(query)
    ]


def phase_at(stored: str, deadline: str, at: datetime | None) -> str:
    """The stored phase, or ``awaiting_opening`` when ``at`` is past a deadline not opened."""
    if stored == "bidding" and at is not None and datetime.fromisoformat(deadline) <= at:
        return "awaiting_opening"
    return stored


def _public(connection: sa.Connection, tender: Any, at: datetime | None) -> dict[str, Any]:
    s = _SCHEMA
    phase = phase_at(tender.phase, tender.deadline, at)
    names = notices.party_names(connection, s)
    head = {key: getattr(tender, key) for key in _PUBLIC_TENDER}
    head |= {
        "phase": phase,
        "phase_zh": PHASES.get(phase, phase),
        "open_for_bids": phase == "bidding",
        "suspended": json.loads(tender.suspended) if tender.suspended else None,
    }
    for role in ("agency", "purchaser"):
        head[role] = {"party": getattr(tender, role), "name": names.get(getattr(tender, role))}
    published = notices.published(connection, tender.stream)
    for notice in published:
        del notice["log_index"]  # gaps between indexes would count the events between
    lots = connection.execute(
        sa.select(s.lots).where(s.lots.c.stream == tender.stream).order_by(s.lots.c.lot)
    )
    award_notice = notices.award_notice(published)
    return {
        "tender": head,
        "remote_evaluation": public_remote(tender.remote, published=award_notice is not None),
        "lots": [_public_lot(lot, names) for lot in lots],
        "notices": {
            "announcement": next((n for n in published if n["kind"] == "announcement"), None),
            "amendments": [n for n in published if n["kind"] == "amendment"],
            "clarifications": [n for n in published if n["kind"] == "clarification"],
            "postponements": _table(connection, s.deadline_changes, tender.stream),
            "opening_record": notices.opening_record(connection, tender.stream),
            "award_notice": award_notice,
            "failures": [n for n in published if n["kind"] == "failure"],
        },
    }


def _public_lot(lot: Any, names: dict[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        key: getattr(lot, key) for key in ("lot", "name", "budget", "ceiling", "status")
    }
    entry["failure"] = lot.failure
    entry["award"] = None
    if lot.award_bidder is not None and lot.notice_at is not None:
        entry["award"] = {
            "supplier": lot.award_bidder,
            "supplier_name": names.get(lot.award_bidder, lot.award_bidder),
            "amount": lot.award_amount,
            "amount_wan": lot.award_amount_wan,
            "notice_at": lot.notice_at,
            "publicity_ends": lot.publicity_ends,
        }
    return entry


def _own(connection: sa.Connection, stream: str, party: str) -> dict[str, Any]:
    s = _SCHEMA
    mine = {"bids": s.bids.c.bidder, "receipts": s.receipts.c.bidder}
    questions = s.questions
    return {
        "party": party,
        "bids": _table(connection, s.bids, stream, mine["bids"] == party),
        "receipts": [
            _receipt(row)
            for row in _table(connection, s.receipts, stream, mine["receipts"] == party)
        ],
        "questions": _table(connection, questions, stream, questions.c.asker == party),
        "challenges": _table(connection, s.challenges, stream, s.challenges.c.challenger == party),
    }


def _receipt(row: dict[str, Any]) -> dict[str, Any]:
    """What the bidder's receipt says: no log position, no stream version (V2)."""
    return {
        "lot": row["lot"],
        "event_hash": row["event_hash"],
        "time": row["time"],
        "sealed_digest": row["sealed_digest"],
        "command_id": row["command_id"],
    }


def _everything(connection: sa.Connection, tender: Any) -> dict[str, Any]:
    s: TenderTables = _SCHEMA
    stream = tender.stream
    return {
        "tender": _plain(tender),
        "lots": _table(connection, s.lots, stream),
        "bids": _table(connection, s.bids, stream),
        "scores": _table(connection, s.scores, stream),
        "questions": _table(connection, s.questions, stream),
        "challenges": _table(connection, s.challenges, stream),
        "receipts": [_receipt(row) for row in _table(connection, s.receipts, stream)],
        "parties": {row.party: row.name for row in connection.execute(sa.select(s.parties))},
    }


def _table(
    connection: sa.Connection, table: sa.Table, stream: str, *where: Any
) -> list[dict[str, Any]]:
    """Rows of ``table`` for the tender, in primary-key order, JSON columns decoded."""
    query = sa.select(table).where(table.c.stream == stream, *where)
    query = query.order_by(*table.primary_key.columns)
    return [_plain(row) for row in connection.execute(query)]


def _plain(row: Any) -> dict[str, Any]:
    return {
        key: json.loads(value) if key in _JSON_COLUMNS and isinstance(value, str) else value
        for key, value in row._mapping.items()
    }
