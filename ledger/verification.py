"""Check the whole stored log: every event's hash, chain, signature and key (S1, S2, T1).

Events are read back raw, in global log order, and checked against the registry as it
stood at each event's position, rebuilt from the log itself. The first bad position
raises :class:`VerificationFailure` naming where, what was expected and what was found.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import create_engine, text

from ledger.errors import LedgerError, RuleViolation, VerificationFailure
from ledger.events import LedgerEvent
from ledger.identity.registry import REGISTRY_STREAM, AuthorityEstablished, Registry
from ledger.store import LedgerStore
from ledger.transparency.audit import LogAudit, MerkleSummary

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


@dataclass
class _StreamHead:
    version: int
    event_hash: str
    time: Any


def verify_log(store: LedgerStore, against: str | None = None) -> LogSummary:
    """Verify every event of ``store``; raise at the first bad one.

    Then the Merkle tree, the signed checkpoints, the sealed bids and, with ``against``
    (a checkpoint note issued earlier), that the log still extends that checkpoint.
    """
    check_storage(store.url)
    summary = LogSummary()
    audit = LogAudit(store, against)
    heads: dict[UUID, _StreamHead] = {}
    registry: Registry | None = None
    for notification in _read(store, lambda: summary.events):
        where = (
            f"log index {notification.id} (stream {notification.originator_id} "
            f"v{notification.originator_version})"
        )
        try:
            event = _decode(store, notification, where)
            audit.event(event, notification.id, where)
            _check_hash(event, where)
            _check_chain(event, heads.get(event.originator_id), where)
            registry = _check_signature(event, registry, where)
        except VerificationFailure:
            raise
        except Exception as exc:  # damaged data can fail in any way; name where it did
            raise VerificationFailure(
                where, f"event cannot be checked ({type(exc).__name__}: {exc})"
            ) from None
        heads[event.originator_id] = _StreamHead(
            event.originator_version, event.event_hash, event.timestamp
        )
        summary.events += 1
    summary.streams = {stream: head.version for stream, head in heads.items()}
    summary.merkle = audit.finish(registry)
    return summary


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


def _check_hash(event: LedgerEvent, where: str) -> None:
    try:
        expected = event.expected_hash()
    except LedgerError as exc:
        raise VerificationFailure(where, f"event content is malformed: {exc}") from None
    if not hmac.compare_digest(expected, event.event_hash):
        raise VerificationFailure(
            where, f"event hash mismatch: content hashes to {expected}, stored {event.event_hash}"
        )


def _check_chain(event: LedgerEvent, head: _StreamHead | None, where: str) -> None:
    expected_version = 1 if head is None else head.version + 1
    if event.originator_version != expected_version:
        raise VerificationFailure(
            where,
            f"stream out of sequence: expected version {expected_version}, found "
            f"{event.originator_version} (an event is missing, reordered or duplicated)",
        )
    expected_prev = event.prev_hash if head is None else head.event_hash
    if head is None and event.prev_hash != "0" * 64:
        raise VerificationFailure(where, "first event of a stream must chain to the genesis hash")
    if not hmac.compare_digest(expected_prev, event.prev_hash):
        raise VerificationFailure(
            where,
            f"hash chain broken: previous event is {expected_prev}, "
            f"this one names {event.prev_hash}",
        )
    if head is not None and event.timestamp < head.time:
        raise VerificationFailure(where, "event time runs backwards within its stream")


def _check_signature(event: LedgerEvent, registry: Registry | None, where: str) -> Registry:
    command = event.signed_command()
    if isinstance(event, AuthorityEstablished):
        if registry is not None or event.originator_id != REGISTRY_STREAM:
            raise VerificationFailure(where, "a second registry genesis")
        try:
            command.verify_with(bytes.fromhex(event.args["public_key"]), where=where)
        except (ValueError, KeyError) as exc:
            raise VerificationFailure(where, f"genesis key unreadable: {exc}") from None
        return _mutate(event, None, where)
    if registry is None:
        raise VerificationFailure(where, "event before the registry was established")
    try:
        registry.authenticate(command, event.timestamp, event.role)
    except RuleViolation as exc:
        raise VerificationFailure(where, f"signature or key check failed: {exc}") from None
    if event.originator_id == REGISTRY_STREAM:
        return _mutate(event, registry, where)
    return registry


def _mutate(event: LedgerEvent, registry: Registry | None, where: str) -> Registry:
    try:
        result = event.mutate(registry)
    except Exception as exc:  # a malformed registry event cannot be applied
        raise VerificationFailure(where, f"registry event cannot be applied: {exc}") from None
    if not isinstance(result, Registry):
        raise VerificationFailure(where, "registry stream holds a foreign event")
    return result
