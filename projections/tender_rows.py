"""The rows of the tender state read model, derived from a tender's state (``tender_state``).

Money and times are text exactly as in signed data (``Decimal`` as ``f"{x:f}"``, times in
Beijing ISO 8601), lists and objects deterministic JSON text, so the same rows compare equal
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ledger.clock import to_beijing
from ledger.events import LedgerEvent
from ledger.procedure.state import Bid, Lot, TenderState
from projections.remote_view import remote_summary
from projections.tender_tables import TenderTables

Rows = dict[str, dict[tuple[Any, ...], dict[str, Any]]]  # table -> primary key -> row


def moment(value: datetime | None) -> str | None:
    """A time as stored in read models: Beijing ISO 8601 (seconds unless finer)."""
    return None if value is None else to_beijing(value).isoformat()


def amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def as_json(value: Any) -> str:
    """Deterministic JSON text for list and object columns."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def phase(tender: TenderState) -> str:
    """Where the procedure stands, from its state alone."""
    statuses = {lot.status for lot in tender.lots.values()}
    if tender.opening_started_at is None:
        return "bidding"
    if tender.revealed_at is None:
        return "opening"
    if statuses <= {"failed"}:
        return "failed"
    if statuses <= {"awarded", "failed"}:
        return "awarded"
    return "evaluation"


def derived_rows(
    schema: TenderTables, tender: TenderState, event: LedgerEvent, position: int
) -> Rows:
    """Every derived row of a tender as its state stands, by table and primary key."""
    stream = tender.stream
    rows: dict[sa.Table, list[dict[str, Any]]] = {
        schema.tenders: [_tender_row(tender, event, position)],
        schema.lots: [_lot_row(stream, lot) for lot in tender.lots.values()],
        schema.bids: [_bid_row(stream, lot, bid) for lot in _lots(tender) for bid in _bids(lot)],
        schema.scores: _score_rows(stream, tender),
        schema.deadline_changes: [
            {"stream": stream, "seq": n, "old_deadline": c["from"], "new_deadline": c["to"]}
            | {"reason": c["reason"]}
            for n, c in enumerate(tender.deadline_history, 1)
        ],
        schema.questions: [
            {
                "stream": stream,
                "question_id": question_id,
                "asker": q["asker"],
                "question": q["text"],
                "asked_at": moment(q["asked_at"]),
                "answered": bool(q["answered"]),
            }
            for question_id, q in sorted(tender.questions.items())
        ],
        schema.challenges: [
            _challenge_row(stream, c) for _, c in sorted(tender.challenges.items())
        ],
    }
    result: Rows = {}
    for table, values in rows.items():
        keys = [column.name for column in table.primary_key.columns]
        names = [column.name for column in table.columns]
        result[table.name] = {
            tuple(row[key] for key in keys): {name: row.get(name) for name in names}
            for row in values
        }
    return result


def receipt_row(event: LedgerEvent, position: int) -> dict[str, Any]:
    return {
        "stream": str(event.originator_id),
        "version": event.originator_version,
        "lot": event.args["lot"],
        "bidder": event.actor,
        "position": position,
        "event_hash": event.event_hash,
        "time": moment(event.timestamp),
        "sealed_digest": event.facts.get("sealed_digest"),
        "command_id": event.command_id,
    }


def _lots(tender: TenderState) -> list[Lot]:
    return [tender.lots[key] for key in sorted(tender.lots)]


def _bids(lot: Lot) -> list[Bid]:
    return [lot.bids[key] for key in sorted(lot.bids)]


def _tender_row(tender: TenderState, event: LedgerEvent, position: int) -> dict[str, Any]:
    times = tender.timetable
    assert times is not None
    return {
        "stream": tender.stream,
        "code": tender.code,
        "name": tender.name,
        "plan": tender.plan,
        "agency": tender.agency,
        "purchaser": tender.purchaser,
        "regulator": tender.regulator,
        "phase": phase(tender),
        "suspended": None if tender.suspension is None else as_json(tender.suspension),
        "published_at": moment(tender.published_at),
        "documents_from": moment(times.documents_from),
        "documents_until": moment(times.documents_until),
        "questions_until": moment(times.questions_until),
        "deadline": moment(times.deadline),
        "decryption_minutes": times.decryption_minutes,
        "decryption_closes": moment(tender.decryption_closes),
        "opening_started_at": moment(tender.opening_started_at),
        "decryption_closed_at": moment(tender.decryption_closed_at),
        "revealed_at": moment(tender.revealed_at),
        "committee": as_json(tender.committee),
        "officials": as_json(sorted(o["party"] for o in tender.officials)),
        "threshold": tender.threshold,
        "terms": as_json(tender.terms),
        "remote": as_json(remote_summary(tender)) if tender.remote.fixed else None,
        "version": tender.version,
        "head": tender.head,
        "updated_at": moment(event.timestamp),
        "position": position,
    }


def _lot_row(stream: str, lot: Lot) -> dict[str, Any]:
    award = lot.award or {}
    return {
        "stream": stream,
        "lot": lot.lot,
        "name": lot.name,
        "budget": amount(lot.budget),
        "ceiling": amount(lot.ceiling),
        "status": lot.status,
        "failure": lot.failure,
        "candidates": as_json(lot.candidates),
        "ranking": as_json(lot.ranking),
        "declined": as_json(lot.declined),
        "award_bidder": award.get("bidder"),
        "award_amount": award.get("amount"),
        "award_amount_wan": award.get("amount_wan"),
        "awarded_at": award.get("at"),
        "notice_at": moment(lot.notice_at),
        "publicity_ends": moment(lot.publicity_ends),
        "report_at": moment(lot.report_at),
        "report_digest": lot.report_digest,
        "report_signers": as_json(sorted(lot.report_signers)),
        "opening_record": lot.opening_record,
        "opening_signers": as_json(sorted(lot.opening_signers)),
    }


def _bid_row(stream: str, lot: Lot, bid: Bid) -> dict[str, Any]:
    ranked = next((entry for entry in lot.ranking if entry["bidder"] == bid.bidder), {})
    return {
        "stream": stream,
        "lot": lot.lot,
        "bidder": bid.bidder,
        "status": bid.status,
        "submitted_at": moment(bid.submitted_at),
        "sealed_digest": bid.digest,
        "ciphertext_sha256": bid.sealed.get("ciphertext_sha256"),
        "event_hash": bid.event_hash,
        "checked_in": bid.bidder in lot.checked_in,
        "returned_cause": bid.returned_cause,
        "price": amount(bid.price),
        "read_out_price": amount(bid.read_out_price),  # the capital amount (§26.4)
        "qualified": bid.qualified,
        "conforming": bid.conforming,
        "correction": as_json(bid.correction) if bid.correction is not None else None,
        "correction_status": bid.correction_status,
        "justification": bid.justification,
        "invalid": as_json(bid.invalid),
        "evaluation_price": amount(bid.evaluation_price),
        "final_score": ranked.get("score"),
        "quantified_score": ranked.get("quantified"),
        "rank": ranked.get("rank"),
        "signed_opening_record": bid.bidder in lot.opening_signers,
    }


def _score_rows(stream: str, tender: TenderState) -> list[dict[str, Any]]:
    return [
        {"stream": stream, "lot": lot.lot, "bidder": bid.bidder, "evaluator": evaluator}
        | {part: sheet.get(part) for part in ("business", "technical", "price", "total")}
        for lot in _lots(tender)
        for bid in _bids(lot)
        for evaluator, sheet in sorted(bid.scores.items())
    ]


def _challenge_row(stream: str, challenge: Any) -> dict[str, Any]:
    return {
        "stream": stream,
        "challenge_id": challenge.challenge_id,
        "lot": challenge.lot,
        "challenger": challenge.challenger,
        "filed_at": moment(challenge.filed_at),
        "answered_at": moment(challenge.answered_at),
        "answer": challenge.answer,
        "complaint_at": moment(challenge.complaint_at),
        "decision": challenge.decision,
    }
