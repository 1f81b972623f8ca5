"""Every refusal as an RFC 9457 problem (``application/problem+json``), never a traceback.

A problem names its kind (``type``, a path under ``/problems/``), the HTTP status, a title
and the detail; a rule's refusal adds the rule's catalogue code, clause and name. The
mapping from the ledger's errors is here, in one place (docs/http.md lists it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse

from ledger.errors import (
    ConcurrencyConflict,
    InvalidInput,
    LedgerError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RuleViolation,
    VerificationFailure,
)
from ledger.rules import catalogue as rules

PROBLEM_TYPE = "application/problem+json"
_IDENTITY = frozenset({"S1", "S2"})
_SERVER_SIDE = frozenset({rules.CLOCK_BACKWARDS.code})


@dataclass
class Problem(Exception):
    """A problem to answer with: ``kind`` becomes ``/problems/<kind>``."""

    status: int
    kind: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "type": f"/problems/{self.kind}",
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }

    def response(self) -> JSONResponse:
        return JSONResponse(
            self.body(), status_code=self.status, media_type=PROBLEM_TYPE, headers=self.headers
        )


def problem_of(error: LedgerError) -> Problem:
    """The problem that answers ``error``."""
    if isinstance(error, RuleViolation):
        return _refusal(error)
    if isinstance(error, ConcurrencyConflict):
        return Problem(409, "conflict", f"{error}: send the same signed command again")
    if isinstance(error, VerificationFailure):
        return Problem(400, "verification-failed", str(error), {"where": error.position})
    for kind, status, name in _BY_KIND:
        if isinstance(error, kind):
            headers = _CHALLENGE if status == 401 else {}
            return Problem(status, name, str(error), headers=headers)
    return Problem(400, "invalid-input", str(error))


_BY_KIND: tuple[tuple[type[LedgerError], int, str], ...] = (
    (NotAuthenticated, 401, "not-authenticated"),
    (NotPermitted, 403, "not-permitted"),
    (NotFound, 404, "not-found"),
    (InvalidInput, 400, "invalid-input"),
)
_CHALLENGE = {"WWW-Authenticate": 'Bidledger-Signature realm="bidledger"'}


def _refusal(error: RuleViolation) -> Problem:
    rule = error.rule
    extra = {"rule": rule.code, "clause": rule.clause, "rule_name": rule.name}
    if rule.code in _SERVER_SIDE:
        return Problem(503, "server-clock", str(error), extra)
    if rule.code == rules.COMMAND_ID_REUSED.code:
        return Problem(409, "command-id-reused", str(error), extra)
    if rule.clause in _IDENTITY:
        return Problem(403, "not-authorised", str(error), extra)
    return Problem(422, "rule-violation", str(error), extra)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "rule": {"type": "string", "description": "the rule's catalogue code"},
        "clause": {"type": "string", "description": "the tender document's clause or property"},
        "rule_name": {"type": "string"},
        "where": {"type": "string"},
        "limit": {"type": "integer"},
    },
}
"""The JSON Schema of every problem body."""
