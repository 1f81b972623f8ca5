"""Submitting a signed command and saying what became of it: accepted, or refused by a rule.

:func:`submit_signed` runs one signed command through the platform's service and returns a
:class:`Submitted` whether the ledger accepted it (the event, where it landed, a receipt for
a bid) or refused it (the rule, its clause, the detail; the refused attempt is kept in the
tender's attempts stream). A malformed command or an unknown tender or party is an input
error and raises. A clash with another writer is retried: the command id makes a retry
return the first result (S3). A bid's outcome names no log position, stream version or facts
(V2): its receipt is what the bidder keeps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from commands.service import LedgerService, Outcome
from ledger.envelope import SignedCommand
from ledger.errors import ConcurrencyConflict, NotFound, RuleViolation
from ledger.rules import catalogue as rules

RETRIES = 3
_POSITIONLESS = frozenset({"SubmitBid"})  # V2: before the deadline a position counts bids

__all__ = ["Submitted", "submit_signed", "submit_signed_over_http"]


@dataclass(frozen=True)
class Submitted:
    """The answer to one signed command."""

    command: str
    command_id: str
    stream: str
    accepted: bool
    event: str | None = None
    version: int | None = None
    leaf: int | None = None
    event_hash: str | None = None
    replayed: bool = False
    receipt: dict[str, Any] | None = None
    facts: dict[str, Any] | None = None
    refusal: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: every field, ``None`` where it does not apply."""
        return {
            "accepted": self.accepted,
            "command": self.command,
            "command_id": self.command_id,
            "stream": self.stream,
            "event": self.event,
            "version": self.version,
            "leaf": self.leaf,
            "event_hash": self.event_hash,
            "replayed": self.replayed,
            "receipt": self.receipt,
            "facts": self.facts,
            "refusal": self.refusal or None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Submitted:
        """The answer as :meth:`to_json` wrote it (from another transport, e.g. HTTP)."""
        fields = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        fields["refusal"] = dict(data.get("refusal") or {})
        return cls(**fields)

    def lines(self) -> list[str]:
        """The outcome in words, for a terminal."""
        if not self.accepted:
            refusal = self.refusal
            kept = (
                ""
                if refusal["clause"] in rules.IDENTITY_CLAUSES
                else " (the signed attempt is kept on the record, in the attempts stream)"
            )
            return [
                f"refused: {self.command} {self.command_id} by {refusal['clause']} "
                f"({refusal['name']}) [{refusal['rule']}]: {refusal['detail']}; nothing was "
                f"written{kept}"
            ]
        again = " (a retry: the first result)" if self.replayed else ""
        where = "" if self.leaf is None else f", leaf {self.leaf} of the log"
        version = "" if self.version is None else f" v{self.version}"
        event = "" if self.event is None else f" → {self.event}"
        lines = [f"accepted: {self.command}{event}{again}, stream {self.stream}{version}"]
        lines.append(f"event hash {self.event_hash}{where}")
        if self.facts:
            lines.append("facts: " + json.dumps(self.facts, ensure_ascii=False, sort_keys=True))
        if self.receipt is not None:
            lines.append(f"receipt (确认回执) signed by {self.receipt['platform']}:")
            lines.append(_receipt_text(self.receipt))
        return lines


def submit_signed(signed: SignedCommand, service: LedgerService) -> Submitted:
    """Execute ``signed`` on ``service``; accepted or refused (other errors raise)."""
    for attempt in range(RETRIES):
        try:
            outcome = service.execute(signed)
        except RuleViolation as refusal:
            return _refused(signed, refusal)
        except ConcurrencyConflict:
            if attempt == RETRIES - 1:
                raise
            continue
        return _accepted(signed, outcome, service)
    raise AssertionError("unreachable")  # pragma: no cover


def submit_signed_over_http(signed: SignedCommand, url: str) -> Submitted:
    """Submit ``signed`` to the ledger's HTTP API at ``url`` (``bidledger serve``); accepted
    or refused, as :func:`submit_signed` answers (the server retries clashes itself)."""
    from commands.http.client import submit_signed_http

    try:
        outcome = submit_signed_http(signed, url)
    except RuleViolation as refusal:
        return _refused(signed, refusal)
    return Submitted(
        command=signed.command,
        command_id=signed.command_id,
        stream=str(outcome["stream"]),
        event=outcome.get("event"),
        accepted=True,
        event_hash=str(outcome["event_hash"]),
        replayed=bool(outcome["replayed"]),
        receipt=outcome.get("receipt"),
        facts=None if signed.command in _POSITIONLESS else outcome.get("facts"),
    )


def _accepted(signed: SignedCommand, outcome: Outcome, service: LedgerService) -> Submitted:
    event = service.store.event_at(outcome.stream, outcome.version)
    hidden = signed.command in _POSITIONLESS
    return Submitted(
        command=signed.command,
        command_id=signed.command_id,
        stream=str(outcome.stream),
        accepted=True,
        event=event.type,
        version=None if hidden else outcome.version,
        leaf=None if hidden else _leaf(service, outcome.log_index),
        event_hash=outcome.event_hash,
        replayed=outcome.replayed,
        receipt=None if outcome.receipt is None else outcome.receipt.to_json(),
        facts=None if hidden else dict(event.facts),
    )


def _refused(signed: SignedCommand, refusal: RuleViolation) -> Submitted:
    rule = refusal.rule
    return Submitted(
        command=signed.command,
        command_id=signed.command_id,
        stream=signed.stream,
        accepted=False,
        refusal={
            "rule": rule.code,
            "clause": rule.clause,
            "name": rule.name,
            "detail": refusal.detail,
        },
    )


def _leaf(service: LedgerService, log_index: int) -> int | None:
    """The event's leaf in the Merkle log (0-based), once the tree holds it."""
    if service.transparency is None:
        return None
    try:
        return service.transparency.tree.leaf_index_of(log_index)
    except NotFound:
        return None


def _receipt_text(receipt: dict[str, Any]) -> str:
    return json.dumps(receipt, ensure_ascii=False, indent=2)
