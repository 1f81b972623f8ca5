"""Read a bundle's JSON into typed parts, checking every field's type and encoding.

Standard library only. Nothing here is trusted yet: the verifier checks what the parts
say. A missing, mistyped or badly encoded field raises :class:`BundleFormatError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.bundle.format import (
    BundleFormatError,
    decode_b64,
    decode_hex,
    exact_fields,
    field,
)

_TOP = frozenset({"format", "tender", "log", "checkpoints", "consistency", "events", "omitted"})
_TENDER = frozenset({"code", "stream"})
_LOG = frozenset({"origin", "vkey", "witnesses"})
_EVENT = frozenset(
    {"leaf_index", "stream", "version", "preimage", "event_hash", "signed", "inclusion_proof"}
)
_CONSISTENCY = frozenset({"from_size", "to_size", "proof"})
_OMITTED = frozenset({"start", "size", "hash"})


@dataclass(frozen=True)
class EventEntry:
    """One exported event as the bundle lists it (``position`` is its index in ``events``)."""

    position: int
    leaf_index: int
    stream: str
    version: int
    preimage: bytes
    event_hash: str
    signed: bytes
    inclusion_proof: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyEntry:
    from_size: int
    to_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Subtree:
    """Leaves ``start`` .. ``start + size - 1`` of the log, not exported: only their hash."""

    start: int
    size: int
    hash: bytes


@dataclass(frozen=True)
class Bundle:
    tender_code: str
    tender_stream: str
    log_origin: str
    log_vkey: str
    witness_vkeys: tuple[str, ...]
    checkpoints: tuple[str, ...]
    consistency: tuple[ConsistencyEntry, ...]
    events: tuple[EventEntry, ...]
    omitted: tuple[Subtree, ...]


def is_bundle(data: Any) -> bool:
    """Whether ``data`` claims to be a bidledger bundle at all (of any format version)."""
    marker = data.get("format") if isinstance(data, Mapping) else None
    return isinstance(marker, str) and marker.startswith("bidledger/bundle/")


def parse_bundle(data: Mapping[str, Any]) -> Bundle:
    """The typed parts of a bundle object; every field is checked for type and encoding."""
    exact_fields(data, _TOP, "bundle")
    tender = exact_fields(data["tender"], _TENDER, "tender")
    log = exact_fields(data["log"], _LOG, "log")
    witnesses = field(log, "witnesses", list, "log")
    for number, vkey in enumerate(witnesses):
        if not isinstance(vkey, str) or not vkey:
            raise BundleFormatError(f"log.witnesses[{number}]", "must be a vkey string")
    notes = field(data, "checkpoints", list, "bundle")
    for number, note in enumerate(notes):
        if not isinstance(note, str) or not note:
            raise BundleFormatError(f"checkpoints[{number}]", "must be a signed note string")
    return Bundle(
        tender_code=field(tender, "code", str, "tender"),
        tender_stream=field(tender, "stream", str, "tender"),
        log_origin=field(log, "origin", str, "log"),
        log_vkey=field(log, "vkey", str, "log"),
        witness_vkeys=tuple(witnesses),
        checkpoints=tuple(notes),
        consistency=tuple(
            _consistency(item, f"consistency[{n}]")
            for n, item in enumerate(field(data, "consistency", list, "bundle"))
        ),
        events=tuple(
            _event(item, n) for n, item in enumerate(field(data, "events", list, "bundle"))
        ),
        omitted=tuple(
            _subtree(item, f"omitted[{n}]")
            for n, item in enumerate(field(data, "omitted", list, "bundle"))
        ),
    )


def _event(item: Any, position: int) -> EventEntry:
    where = f"events[{position}]"
    exact_fields(item, _EVENT, where)
    event_hash = field(item, "event_hash", str, where)
    decode_hex(event_hash, f"{where}.event_hash")
    return EventEntry(
        position=position,
        leaf_index=_count(item, "leaf_index", where),
        stream=field(item, "stream", str, where),
        version=_count(item, "version", where, low=1),
        preimage=decode_b64(item["preimage"], f"{where}.preimage"),
        event_hash=event_hash,
        signed=decode_b64(item["signed"], f"{where}.signed"),
        inclusion_proof=_hashes(item, "inclusion_proof", where),
    )


def _consistency(item: Any, where: str) -> ConsistencyEntry:
    exact_fields(item, _CONSISTENCY, where)
    return ConsistencyEntry(
        from_size=_count(item, "from_size", where),
        to_size=_count(item, "to_size", where),
        proof=_hashes(item, "proof", where),
    )


def _subtree(item: Any, where: str) -> Subtree:
    exact_fields(item, _OMITTED, where)
    return Subtree(
        start=_count(item, "start", where),
        size=_count(item, "size", where, low=1),
        hash=decode_hex(item["hash"], f"{where}.hash"),
    )


def _count(item: Mapping[str, Any], name: str, where: str, low: int = 0) -> int:
    value = field(item, name, int, where)
    if value < low:
        raise BundleFormatError(f"{where}.{name}", f"must be at least {low}, found {value}")
    return int(value)


def _hashes(item: Mapping[str, Any], name: str, where: str) -> tuple[bytes, ...]:
    values = item[name]
    if not isinstance(values, list):
        raise BundleFormatError(f"{where}.{name}", "must be an array of hex hashes")
    return tuple(decode_hex(value, f"{where}.{name}[{n}]") for n, value in enumerate(values))
