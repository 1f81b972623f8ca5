"""The checks ``verify`` makes of each stored event, for the streams one walker owns.

A :class:`Walker` reads the whole log in order and checks the events of the streams it owns (a
tender's stream and its attempts stream have one owner; every walker checks the registry and
the expert pools, which commands of every stream read, and one reports them): the stored record
decodes to a ledger event and is exactly the store's own encoding of it; no event or command is
recorded twice in a stream (S3); a key is never registered back-dated (S2); a bid's ciphertext
is the one recorded; the event's hash (its canonical preimage, built once, is also its Merkle
leaf); the stream's chain; then the command re-executed through the rules on the state as it
then stood (T5), and a recorded calendar year against the official one (R2). What needs the
whole log in order (time never running back, T6; the Merkle tree, the checkpoints) is left to
the caller, which receives one :class:`Checked` per owned event, in log order.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from ledger.clock import format_time, parse_time, to_beijing
from ledger.envelope import event_preimage
from ledger.errors import LedgerError, VerificationFailure
from ledger.events import LedgerEvent
from ledger.merkle import leaf_hash
from ledger.procedure import dispatch
from ledger.procedure.base import EVENT_VERSIONS
from ledger.procedure.records import EventRecord, StreamState
from ledger.procedure.replay import ATTEMPT_TYPES, Replayer, check_ciphertext
from ledger.store import LedgerStore
from ledger.verifier import states
from ledger.verifier.states import SHARED_STREAMS, RecentStates
from ledger.workdays import check_against_package

BEFORE_TIME, AFTER_TIME = 0, 2  # where a failure lies relative to the T6 check
Row = tuple[int, UUID, int, str, bytes]  # notification id, stream, version, topic, state
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


@dataclass(frozen=True)
class Checked:
    """One event as the whole-log checks need it, or the first check it failed."""

    log_index: int
    stream: str
    version: int
    type: str
    time: datetime | None
    leaf_hash: bytes
    event_hash: str
    failure: VerificationFailure | None = None
    phase: int = BEFORE_TIME
    leaf: int = 0  # the event's place in the log (its Merkle leaf), counted from 0

    @property
    def where(self) -> str:
        return where_of(self.leaf, self.stream, self.version)


def where_of(leaf: int, stream: str, version: int) -> str:
    """A place in the log as every verifier names it: its leaf (0-based) in the Merkle log."""
    return f"leaf {leaf} (stream {stream} v{version})"


class Walker:
    """Checks the events of the streams it owns: one part of ``parts`` (all with one)."""

    def __init__(
        self, store: LedgerStore, part: int = 0, parts: int = 1, capacity: int | None = None
    ) -> None:
        self.store = store
        self.part = part
        self.parts = parts
        self.position = 0  # the notification id of the row being checked
        self.leaf = -1  # its place in the log, counted from 0 (ids may have gaps)
        self.states = RecentStates(self._reload, capacity or states.DEFAULT_CAPACITY)
        self.replayer = Replayer(self.states, check_times=False)

    def walk(self, rows: Iterable[Row]) -> Iterator[Checked]:
        """The owned events of ``rows`` (the log in order), each checked; a failure ends it."""
        for row in rows:
            self.position = row[0]
            self.leaf += 1
            mine = self._owner(row) == self.part
            if not mine and str(row[1]) not in SHARED_STREAMS:
                continue
            checked = self._check(row)
            if mine:
                yield checked
            if checked.failure is not None:
                return

    def _owner(self, row: Row) -> int:
        """The walker that checks this row: by tender (an attempt: its tender's)."""
        stream = row[1]
        if row[3].endswith((":AttemptsOpened", ":AttemptRefused")):
            try:
                stream = UUID(str(self._decode(row).facts["stream"]))
            except Exception:  # a damaged attempt is checked by its own stream's walker
                stream = row[1]
        return 0 if str(stream) in SHARED_STREAMS else stream.int % self.parts

    def _check(self, row: Row) -> Checked:
        log_index, stream, version = row[0], str(row[1]), row[2]
        where = where_of(self.leaf, stream, version)
        event: LedgerEvent | None = None
        phase, leaf, time = BEFORE_TIME, b"", None
        try:
            event = self._decode(row)
            time = to_beijing(event.timestamp)
            record = event.record()
            self._check_unique(event, where)
            if event.type == "KeyRegistered":
                _check_key_dates(event, where)
            if event.type == "BidSubmitted":
                check_ciphertext(record, where)
            preimage = _preimage(event, record, where)
            _check_hash(event, preimage, where)
            self._check_stored_form(event, row, where)
            leaf = leaf_hash(preimage)
            self.replayer.check_position(record, where, ciphertext=False)
            phase = AFTER_TIME
            self.replayer.check_content(record, where)
            if record.type == "CalendarRecorded":
                self._check_calendar(int(record.args["year"]), where)
        except VerificationFailure as failure:
            return _failed(row, event, time, failure, phase, self.leaf)
        except Exception as exc:  # damaged data can fail in any way; name where it did
            detail = f"event cannot be checked ({type(exc).__name__}: {exc})"
            return _failed(row, event, time, VerificationFailure(where, detail), phase, self.leaf)
        return Checked(
            log_index, stream, version, event.type, time, leaf, event.event_hash, leaf=self.leaf
        )

    def _decode(self, row: Row) -> LedgerEvent:
        where = where_of(self.leaf, str(row[1]), row[2])
        stored = StoredEvent(row[1], row[2], row[3], row[4])
        try:
            event = self.store.decode(stored)
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

    def _check_stored_form(self, event: LedgerEvent, row: Row, where: str) -> None:
        """The stored bytes must be exactly what the store writes for the decoded event."""
        expected = self.store.encode(event)
        if (expected.topic, bytes(expected.state)) != (row[3], bytes(row[4])):
            raise VerificationFailure(
                where,
                "the stored record is not the store's own encoding of the event it decodes to "
                "(its bytes were altered)",
            )

    def _check_unique(self, event: LedgerEvent, where: str) -> None:
        """No event twice, and no command recorded twice in one stream (S3)."""
        state = self.states.get(str(event.originator_id))
        seen = None if state is None else state.commands.get(event.command_id)
        if seen is None:
            return
        first = self._first_index(event.originator_id, seen.version)
        if seen.event_hash == event.event_hash:
            raise VerificationFailure(
                where,
                f"duplicated event: it repeats the event at log index {first} "
                f"(event hash {event.event_hash})",
            )
        raise VerificationFailure(
            where,
            f"duplicated event: command {event.command_id} was already recorded in this "
            f"stream at log index {first} (a command is accepted once, S3)",
        )

    def _check_calendar(self, year: int, where: str) -> None:
        """A recorded year that the package also covers must be the package's year (R2)."""
        registry = self.replayer.registry
        assert registry is not None
        try:
            check_against_package(registry.calendar.years[year])
        except VerificationFailure as exc:
            raise VerificationFailure(where, f"{exc.detail} (R2)") from None

    def _first_index(self, stream: UUID, version: int) -> int:
        table = self.store.events_table
        query = sa.select(sa.func.min(table.c.id)).where(
            table.c.originator_id == stream, table.c.originator_version == version
        )
        with self.store.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def _reload(self, stream: str, version: int) -> StreamState:
        """A forgotten state again: its events before the row being checked, applied."""
        table = self.store.events_table
        columns = (table.c.originator_id, table.c.originator_version, table.c.topic)
        query = (
            sa.select(*columns, table.c.state)
            .where(table.c.originator_id == UUID(stream), table.c.id < self.position)
            .order_by(table.c.id)
        )
        state: StreamState | None = None
        with self.store.engine.connect() as connection:
            for found in connection.execute(query):
                event = self._decode((0, found[0], found[1], found[2], found[3]))
                state = dispatch.apply(state, event.record())
        if state is None or state.version != version:
            raise VerificationFailure(f"stream {stream}", f"cannot be rebuilt to v{version}")
        return state


def _preimage(event: LedgerEvent, record: EventRecord, where: str) -> bytes:
    """The event's canonical preimage (what its hash covers, and its Merkle leaf data)."""
    try:
        return event_preimage(
            stream=record.stream,
            version=record.version,
            event_type=record.type,
            class_version=EVENT_VERSIONS.get(record.type, 0),
            time=event.timestamp,
            command=record.command,
            facts=event.facts,
            prev_hash=event.prev_hash,
        )
    except LedgerError as exc:
        raise VerificationFailure(where, f"event content is malformed: {exc}") from None


def _check_hash(event: LedgerEvent, preimage: bytes, where: str) -> None:
    expected = hashlib.sha256(preimage).hexdigest()
    if not hmac.compare_digest(expected, event.event_hash):
        raise VerificationFailure(
            where, f"event hash mismatch: content hashes to {expected}, stored {event.event_hash}"
        )


def _check_key_dates(event: LedgerEvent, where: str) -> None:
    """S2: a key's validity never starts before its registration."""
    valid_from = parse_time(str(event.args["valid_from"]))
    if valid_from < event.timestamp:
        raise VerificationFailure(
            where,
            f"key registered with a back-dated validity: key {event.facts.get('key_id')} of "
            f"{event.args.get('party')} is valid from {format_time(valid_from)}, before its "
            f"registration at {format_time(event.timestamp)} (S2)",
        )


def _failed(
    row: Row,
    event: Any,
    time: datetime | None,
    failure: VerificationFailure,
    phase: int,
    leaf: int,
) -> Checked:
    kind = event.type if isinstance(event, LedgerEvent) else row[3].rpartition(":")[2]
    stored_hash = event.event_hash if isinstance(event, LedgerEvent) else ""
    return Checked(row[0], str(row[1]), row[2], kind, time, b"", stored_hash, failure, phase, leaf)


__all__ = ["AFTER_TIME", "ATTEMPT_TYPES", "BEFORE_TIME", "Checked", "Row", "Walker", "where_of"]
