"""Check the whole stored log: every event's hash, chain, signature and key (S1, S2, T1).

Events are read back raw, in global log order; each event's hash is recomputed, then its
command re-executed through the rules on the state rebuilt from the log up to it, with the
registry as it stood at that position (:class:`ledger.procedure.replay.Replayer`, T5, T6).
A recorded year of the official calendar must agree with the ``chinesecalendar`` package
for the years the package covers (R2).
The first bad position raises :class:`VerificationFailure` naming where, what was expected
and what was found.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import create_engine, text

from ledger.errors import LedgerError, VerificationFailure
from ledger.events import LedgerEvent
from ledger.policy import TrustPolicy
from ledger.procedure.replay import Replayer, check_ciphertext
from ledger.store import LedgerStore
from ledger.transparency.audit import LogAudit, MerkleSummary
from ledger.workdays import check_against_package

_PROGRESS_EVERY = 500
_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "command",
    "command_id",
    "actor",
    "role",
    "key_id",
    "args",
    "signature",
    "facts",
    "prev_hash",
    "event_hash",
}


@dataclass
class LogSummary:
    """What a successful verification covered."""

    events: int = 0
    streams: dict[UUID, int] = field(default_factory=dict)
    merkle: MerkleSummary | None = None


def verify_log(
    store: LedgerStore,
    against: str | None = None,
    policy: TrustPolicy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LogSummary:
    """Verify every event of ``store``; raise at the first bad one.

    Then the Merkle tree, the signed checkpoints and the stream heads they name, and, with
    ``against`` (a checkpoint note issued earlier), that the log still extends that
    checkpoint; with ``policy``, that the log is anchored in its pinned keys and that the
    checkpoints it requires carry its witnesses' quorum. ``progress(done, total)`` is told
    how far the walk is, every few hundred events.
    """
    check_storage(store.url)
    summary = LogSummary()
    audit = LogAudit(store, against, policy)
    replayer = Replayer()
    for notification in _read(store, lambda: summary.events):
        where = (  # leaf: the event's 0-based place in the log and its Merkle tree
            f"leaf {summary.events} (stream {notification.originator_id} "
            f"v{notification.originator_version})"
        )
        try:
            event = _decode(store, notification, where)
            audit.event(event, notification.id, where)
            record = event.record()
            if event.type == "BidSubmitted":
                check_ciphertext(record, where)
            _check_hash(event, where)
            _check_stored_form(store, event, notification, where)
            replayer.check(record, where)
            if record.type == "CalendarRecorded":
                _check_calendar(replayer, int(record.args["year"]), where)
        except VerificationFailure:
            raise
        except Exception as exc:  # damaged data can fail in any way; name where it did
            raise VerificationFailure(
                where, f"event cannot be checked ({type(exc).__name__}: {exc})"
            ) from None
        summary.events += 1
        if progress is not None and summary.events % _PROGRESS_EVERY == 0:
            progress(summary.events, max(store.head(), summary.events))
    if progress is not None:
        progress(summary.events, summary.events)
    summary.streams = {UUID(stream): state.version for stream, state in replayer.states.items()}
    summary.merkle = audit.finish(replayer.registry)
    return summary


def _check_calendar(replayer: Replayer, year: int, where: str) -> None:
    """A recorded year that the package also covers must be the package's year (R2)."""
    registry = replayer.registry
    assert registry is not None
    try:
        check_against_package(registry.calendar.years[year])
    except VerificationFailure as exc:
        raise VerificationFailure(where, f"{exc.detail} (R2)") from None


def _read(store: LedgerStore, checked: Callable[[], int]) -> Iterator[Any]:
    """The stored log; a record the database cannot even read is named by its position."""
    records = store.log()
    while True:
        try:
            notification = next(records)
        except StopIteration:
            return
        except Exception as exc:  # the driver's error for a damaged record
            raise VerificationFailure(
                f"the record after event {checked()} of the log", f"cannot be read ({exc})"
            ) from None
        yield notification


def check_storage(url: str) -> None:
    """For a SQLite file, the database's own integrity check (damaged pages, rowids, index)."""
    if not url.startswith("sqlite"):
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = [str(row[0]) for row in connection.execute(text("PRAGMA integrity_check"))]
    except Exception as exc:  # the driver's own error for a damaged file
        raise VerificationFailure("database file", f"cannot be read: {exc}") from None
    finally:
        engine.dispose()
    if rows != ["ok"]:
        raise VerificationFailure("database file", "integrity check failed: " + "; ".join(rows[:3]))


def _decode(store: LedgerStore, notification: Any, where: str) -> LedgerEvent:
    try:
        event = store.decode(notification)
    except Exception as exc:  # damaged bytes surface as any decoding error
        raise VerificationFailure(where, f"stored event cannot be decoded ({exc})") from None
    if not isinstance(event, LedgerEvent):
        raise VerificationFailure(where, f"{type(event).__name__} is not a ledger event")
    found = set(vars(event))
    if found != _FIELDS | ({"originator_topic"} & found):
        raise VerificationFailure(
            where, f"stored fields {sorted(found ^ _FIELDS)} differ from a ledger event's"
        )
    return event


def _check_stored_form(store: LedgerStore, event: LedgerEvent, stored: Any, where: str) -> None:
    """The stored bytes must be exactly what the store writes for the decoded event."""
    expected = store.encode(event)
    if (expected.topic, bytes(expected.state)) != (stored.topic, bytes(stored.state)):
        raise VerificationFailure(
            where,
            "the stored record is not the store's own encoding of the event it decodes to "
            "(its bytes were altered)",
        )


def _check_hash(event: LedgerEvent, where: str) -> None:
    try:
        expected = event.expected_hash()
    except LedgerError as exc:
        raise VerificationFailure(where, f"event content is malformed: {exc}") from None
    if not hmac.compare_digest(expected, event.event_hash):
        raise VerificationFailure(
            where, f"event hash mismatch: content hashes to {expected}, stored {event.event_hash}"
        )
