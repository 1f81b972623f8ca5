"""Public notices, as published: announcement, amendments, clarifications, awards, failures.

The ``notices`` projection keeps each published notice's content as the event signed
it (answers never name who asked, §6.1). The opening record is read from the tender
state once the opening has started. ``award_notice`` prints the fields of the seed's
award notice (中标公告) from the ``AwardNoticePublished`` facts: the latest notice of
each lot.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from ledger.events import LedgerEvent
from ledger.procedure.dispatch import event_types
from ledger.rules import catalogue as rules
from projections.summaries import wan
from projections.tender_state import as_json, moment
from projections.tender_tables import TenderTables, define_tables

PREFIX = "notices"
TENDER_EVENTS = frozenset(event_types("tender"))
KINDS = {
    "TenderPublished": "announcement",
    "TenderAmended": "amendment",
    "ClarificationPublished": "clarification",
    "AwardNoticePublished": "award",
    "LotFailed": "failure",
}
_OPENING_KEYS = ("code", "name", "plan", "purchaser", "regulator", "timetable", "lots")
_TERMS = ("method", "bid_validity_days", "consortia", "imports", "alternatives", "evaluation")
_TERMS_MORE = ("committee", "sme", "announcement_working_days", "award_publicity_working_days")


def define_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        f"{PREFIX}_published",
        metadata,
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(36), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("lot", sa.Text, nullable=True),
        sa.Column("published_at", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )


class Notices:
    """Projection ``notices``: one row per published notice."""

    name = PREFIX
    version = 3  # 2: officials' keys in the announcement; 3: failures in the agency's
    # words, the project contact, the agency's fee, the evaluation room

    def __init__(self) -> None:
        self.table = define_table(sa.MetaData())

    def tables(self, metadata: sa.MetaData) -> list[sa.Table]:
        return [self.table.to_metadata(metadata)]

    def apply(self, connection: sa.Connection, event: LedgerEvent, position: int) -> None:
        self.apply_batch(connection, [(event, position)])

    def apply_batch(
        self, connection: sa.Connection, events: Sequence[tuple[LedgerEvent, int]]
    ) -> None:
        """One row per notice among ``events``, inserted together."""
        rows = []
        for event, position in events:
            kind = KINDS.get(event.type)
            if kind is None or event.type not in TENDER_EVENTS:
                continue
            lot = event.args.get("lot")
            rows.append(
                {
                    "position": position,
                    "stream": str(event.originator_id),
                    "kind": kind,
                    "lot": lot if isinstance(lot, str) else None,
                    "published_at": moment(event.timestamp),
                    "content": as_json(_CONTENT[kind](event)),
                }
            )
        if rows:
            connection.execute(self.table.insert(), rows)


def _announcement(event: LedgerEvent) -> dict[str, Any]:
    args = event.args
    content = {key: args[key] for key in _OPENING_KEYS}
    content["agency"] = event.actor
    content["terms"] = {key: args[key] for key in (*_TERMS, *_TERMS_MORE) if key in args}
    if "contact" in args:
        content["project_contact"] = args["contact"]
    content["opening"] = {  # what a bidder needs to seal: each official's key, the threshold
        "officials": [
            {"party": official["party"], "encryption_key": official["encryption_key"]}
            for official in args["opening"]["officials"]
        ],
        "threshold": args["opening"]["threshold"],
    }
    return content


def _amendment(event: LedgerEvent) -> dict[str, Any]:
    return {
        "summary": event.args["summary"],
        "lots": list(event.args.get("lots", [])),
        "affects_preparation": event.args.get("affects_preparation"),
        "postponed_deadline": event.facts.get("deadline"),
        "postponement_reason": event.facts.get("reason"),
    }


def _clarification(event: LedgerEvent) -> dict[str, Any]:
    answers = [
        {"question_id": answer["question_id"], "answer": answer["answer"]}
        for answer in event.args["answers"]
    ]
    return {"answers": answers}


def _award(event: LedgerEvent) -> dict[str, Any]:
    return {key: value for key, value in event.facts.items() if key != "notified"}


def _failure(event: LedgerEvent) -> dict[str, Any]:
    failure = event.facts["failure"]
    return {
        "lot": event.args["lot"],
        "failure": rules.describe(failure),
        "reason": event.args["reason"],  # the agency's own words, as the notice prints them
        "clause": rules.by_code(failure["rule"]).clause,
    }


_CONTENT = {
    "announcement": _announcement,
    "amendment": _amendment,
    "clarification": _clarification,
    "award": _award,
    "failure": _failure,
}


def published(connection: sa.Connection, stream: str) -> list[dict[str, Any]]:
    """Every notice of the tender ``stream`` in the order published."""
    table = define_table(sa.MetaData())
    query = sa.select(table).where(table.c.stream == stream).order_by(table.c.position)
    return [
        {
            "kind": row.kind,
            "lot": row.lot,
            "published_at": row.published_at,
            "log_index": row.position,
            "content": json.loads(row.content),
        }
        for row in connection.execute(query)
    ]


def award_notice(notices: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The tender's award notice (中标公告) in the seed's fields, or None before any."""
    latest: dict[str, dict[str, Any]] = {}
    for notice in notices:
        if notice["kind"] == "award":
            latest[str(notice["lot"])] = notice["content"]
    if not latest:
        return None
    first = latest[min(latest)]
    return {
        "project_code": first["project_code"],
        "plan": first["plan"],
        "project_name": first["project_name"],
        "lots": [_award_lot(latest[lot]) for lot in sorted(latest)],
        "committee": first["committee"],
        "evaluation": {
            "date": first.get("evaluated_on") or None,
            "place": first.get("evaluation_place"),
        },
        "agency_fee": first.get("agency_fee"),
        "project_contact": first.get("project_contact"),
        "publicity": f"自本公告发布之日起{first['publicity_working_days']}个工作日",
        "publicity_working_days": first["publicity_working_days"],
        "purchaser": first["purchaser"],
        "agency": first["agency"],
    }


def _award_lot(content: dict[str, Any]) -> dict[str, Any]:
    return {
        "lot": content["lot"],
        "lot_name": content["lot_name"],
        "package_name": content["package_name"],
        "supplier": content["supplier"],
        "supplier_name": content["supplier_name"],
        "supplier_address": content["supplier_address"],
        "amount": content["amount"],
        "amount_wan": content["amount_wan"],
        "notice_at": content["notice_at"],
        "publicity_ends": content["publicity_ends"],
    }


def opening_record(connection: sa.Connection, stream: str) -> dict[str, Any] | None:
    """Bidders announced at the opening and, after the reveal, the prices read out."""
    schema = define_tables(sa.MetaData())
    tender = connection.execute(
        sa.select(schema.tenders).where(schema.tenders.c.stream == stream)
    ).first()
    if tender is None or tender.opening_started_at is None:
        return None
    names = party_names(connection, schema)
    lots = []
    for lot in connection.execute(
        sa.select(schema.lots).where(schema.lots.c.stream == stream).order_by(schema.lots.c.lot)
    ):
        bids = connection.execute(
            sa.select(schema.bids)
            .where(schema.bids.c.stream == stream, schema.bids.c.lot == lot.lot)
            .where(schema.bids.c.status != "withdrawn")
            .order_by(schema.bids.c.bidder)
        )
        lots.append(
            {
                "lot": lot.lot,
                "name": lot.name,
                "ceiling": lot.ceiling,
                "bids": [_read_out(bid, names, tender.revealed_at is not None) for bid in bids],
            }
        )
    return {
        "opened_at": tender.opening_started_at,
        "decryption_closes": tender.decryption_closes,
        "revealed_at": tender.revealed_at,
        "lots": lots,
    }


def _read_out(bid: Any, names: dict[str, str], revealed: bool) -> dict[str, Any]:
    price = bid.read_out_price if revealed and bid.status == "revealed" else None
    return {
        "bidder": bid.bidder,
        "bidder_name": names.get(bid.bidder, bid.bidder),
        "status": bid.status,
        "read_out_price": price,
        "read_out_price_wan": wan(price) if price is not None else None,
        "returned_cause": bid.returned_cause,
    }


def party_names(connection: sa.Connection, schema: TenderTables) -> dict[str, str]:
    """Registered names by party id."""
    parties = schema.parties
    return {row.party: row.name for row in connection.execute(sa.select(parties))}
