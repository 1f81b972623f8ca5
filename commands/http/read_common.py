"""What every read route needs: the ``at`` instant, signed senders, views as of a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Query, Request

from commands.http.ledger_access import HttpLedger
from commands.http.problems import PROBLEM_SCHEMA, PROBLEM_TYPE
from commands.http.signed_reads import SignedRead
from commands.queries import parse_moment
from ledger.errors import NotPermitted
from ledger.procedure.registry_state import Party
from projections.as_of import as_of

AT_DESCRIPTION = (
    "as the ledger stood at this instant (ISO 8601; Beijing time when it has no offset); "
    "default: now"
)
SIGNED = "BidledgerSignature"
At = Annotated[str | None, Query(description=AT_DESCRIPTION, max_length=40)]


def at_of(text: str | None) -> datetime | None:
    return parse_moment(text) if text else None


def request_target(request: Request) -> str:
    """The request target as sent (path and query, percent-encoding kept): what is signed."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    query = request.scope.get("query_string", b"")
    target = bytes(raw) + (b"?" + bytes(query) if query else b"")
    return target.decode("latin-1")


def signed_sender(ledger: HttpLedger, request: Request, *roles: str) -> tuple[Party, str]:
    """The authenticated sender of ``request`` and the role it signed in, one of ``roles``."""
    read = SignedRead.from_headers(request.method, request_target(request), request.headers)
    party = ledger.signer(read)
    if read.role not in roles:
        raise NotPermitted(f"this read is for a {' or '.join(roles)}, not a {read.role}")
    return party, read.role


@contextmanager
def views_at(ledger: HttpLedger, at: datetime | None) -> Iterator[sa.Engine]:
    """The read models now (kept live) or as of ``at`` (replayed from the log)."""
    if at is None:
        with ledger.views.current() as engine:
            yield engine
    else:
        with as_of(ledger.store, at) as engine:
            yield engine


def responses(*statuses: int, content: str = "application/json") -> dict[int | str, Any]:
    """OpenAPI responses: 200 as ``content``, and a problem for each status."""
    found: dict[int | str, Any] = {200: {"description": "OK", "content": {content: {}}}}
    if content == "application/json":
        found[200]["content"][content] = {"schema": {"type": ["object", "array"]}}
    for status in (400, *statuses):
        found[status] = {
            "description": _PROBLEMS[status],
            "content": {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
    return found


_PROBLEMS = {
    400: "a malformed parameter",
    401: "no valid signed request (see docs/http.md)",
    403: "the signer's role may not read this",
    404: "no such tender, proof or checkpoint",
    409: "the witness's latest size differs",
}
