"""``bidledger audit`` and ``bidledger replay``: read models rebuilt from the log, as of any time.

``audit TENDER [--as-of TIME] [--json]`` prints every event of the tender with its actor,
the action in Chinese and English, its hash and the checked signature; it exits 1 if any
signature fails. ``replay TENDER --at TIME [--as ROLE] [--json]`` prints the tender as
ROLE (public, bidder:ID, regulator) saw it at TIME. TENDER is the project code or the
stream id; a TIME without an offset is Beijing time. JSON has sorted keys, money and
times as strings. Every query opens the database read-only and rebuilds what it shows from
the log in memory: it writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ledger.clock import BEIJING, to_beijing
from ledger.errors import InvalidInput, NotFound
from ledger.procedure.state import tender_stream
from ledger.store import DEFAULT_URL, LedgerStore
from projections.as_of import as_of
from projections.audit_trail import OK, AuditTrail, audit_rows
from projections.render import render_audit, render_overview, render_view
from projections.tender_state import moment
from projections.views import ROLES, regulator_overview, tender_view

EXIT_OK, EXIT_FAILED = 0, 1


def add_query_commands(subparsers: Any) -> None:
    """Add ``audit``, ``replay`` and ``overview`` to the ``bidledger`` subcommands."""
    audit = subparsers.add_parser("audit", help="every event of a tender, signatures checked")
    audit.add_argument("tender", help="project code (e.g. XFZFCG-2020-33) or stream id")
    audit.add_argument("--as-of", dest="as_of", help="only events up to TIME (ISO 8601)")
    audit.set_defaults(run=run_audit)
    replay = subparsers.add_parser("replay", help="a tender as a role saw it at a past time")
    replay.add_argument("tender", help="project code (e.g. XFZFCG-2020-33) or stream id")
    replay.add_argument("--at", required=True, help="the instant (ISO 8601; Beijing if no offset)")
    replay.add_argument(
        "--as", dest="role", default="regulator", help=f"{', '.join(ROLES)} (default regulator)"
    )
    replay.set_defaults(run=run_replay)
    overview = subparsers.add_parser(
        "overview", help="a regulator's view across tenders: refused and late attempts, ..."
    )
    overview.add_argument("--at", help="as of this instant (default: now, from the whole log)")
    overview.set_defaults(run=run_overview)
    for sub in (audit, replay, overview):
        sub.add_argument("--json", action="store_true", help="JSON for machines")
        sub.add_argument("--db", help=f"SQLAlchemy URL (default: $BIDLEDGER_DB or {DEFAULT_URL})")


def run_audit(options: argparse.Namespace) -> int:
    """Print the audit trail; 1 if any event's signature does not check out."""
    at = parse_moment(options.as_of) if options.as_of else None
    with _store(options) as store:
        trail = audit_trail(store, options.tender, at)
    _print(trail, options.json, render_audit)
    failed = [event["leaf"] for event in trail["events"] if event["signature_checked"] != OK]
    if failed:
        print(f"signature check FAILED at leaf {failed[0]}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def run_replay(options: argparse.Namespace) -> int:
    """Print the tender as ``--as`` saw it at ``--at``."""
    at = parse_moment(options.at)
    with _store(options) as store, as_of(store, at) as engine:
        try:
            view = tender_view(engine, options.tender, options.role, at)
        except NotFound as exc:
            raise NotFound(f"{exc} as of {moment(at)}") from None
    _print(view, options.json, render_view)
    return EXIT_OK


def run_overview(options: argparse.Namespace) -> int:
    """Print the regulator's view across tenders, as of ``--at`` (or the whole log)."""
    at = parse_moment(options.at) if options.at else None
    with _store(options) as store, as_of(store, at) as engine:
        overview = regulator_overview(engine)
    _print(overview, options.json, render_overview)
    return EXIT_OK


def audit_trail(store: LedgerStore, tender_ref: str, at: datetime | None = None) -> dict[str, Any]:
    """The tender's events (and refused attempts) as of ``at``, or kept up to date when None."""
    stream = stream_of(tender_ref)
    with _audit_engine(store, at) as engine, engine.connect() as connection:
        rows = audit_rows(connection, stream, with_attempts=True)
    leaves = leaf_indexes(store)
    for row in rows:  # one numbering for a place in the log: the Merkle tree's 0-based leaf
        row["leaf"] = leaves[row.pop("position")]
    events = [row for row in rows if row["stream"] == str(stream)]
    if not events:
        when = f" as of {moment(at)}" if at is not None else ""
        raise NotFound(f"no tender {tender_ref!r}{when}")
    return {
        "tender": _code(store, stream, tender_ref),
        "stream": str(stream),
        "as_of": moment(at),
        "events": events,
        "refused_attempts": [row for row in rows if row["stream"] != str(stream)],
    }


def _code(store: LedgerStore, stream: uuid.UUID, tender_ref: str) -> str:
    first = store.event_at(stream, 1)
    return str(first.args.get("code", tender_ref))


def tender_code(store: LedgerStore, tender_ref: str) -> str:
    """The project code of a tender named by its code or by its tender id (stream id)."""
    try:
        stream = uuid.UUID(tender_ref)
    except ValueError:
        return tender_ref
    if not store.exists(stream):
        raise NotFound(f"no tender with id {tender_ref} in this database")
    first = store.event_at(stream, 1)
    if first.type != "TenderPublished":
        raise NotFound(f"{tender_ref} is not a tender's id (its stream holds {first.type})")
    return str(first.args["code"])


def leaf_indexes(store: LedgerStore) -> dict[int, int]:
    """Each stored event's leaf (its 0-based place in the log), by its row id in the store."""
    return {int(notification.id): leaf for leaf, notification in enumerate(store.log())}


def stream_of(tender_ref: str) -> uuid.UUID:
    """The stream of a tender named by its project code or its stream id."""
    try:
        return uuid.UUID(tender_ref)
    except ValueError:
        return tender_stream(tender_ref)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is read as Beijing time."""
    try:
        moment_ = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 time: {text!r}") from None
    if moment_.tzinfo is None:
        moment_ = moment_.replace(tzinfo=BEIJING)
    return to_beijing(moment_)


@contextmanager
def _audit_engine(store: LedgerStore, at: datetime | None) -> Iterator[sa.Engine]:
    """The audit trail rebuilt in memory from the log itself, as of ``at`` (or all of it):
    never a stored table the platform could have edited, and nothing written."""
    with as_of(store, at, [AuditTrail(store)]) as engine:
        yield engine


@contextmanager
def _store(options: argparse.Namespace) -> Iterator[LedgerStore]:
    from commands.cli import database_url, open_existing

    store = open_existing(database_url(options))
    try:
        yield store
    finally:
        store.close()


def _print(data: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2))
    else:
        print(render(data))
