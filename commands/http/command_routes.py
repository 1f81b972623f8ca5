"""``POST /commands/{Name}``: one endpoint per typed command, taking the signed command JSON.

The body is read up to :data:`~ledger.limits.MAX_COMMAND_BYTES` and parsed strictly
(:meth:`SignedCommand.from_text`); its ``command`` must be the endpoint's. Whatever is
wrong with it is a 4xx problem and writes nothing; an accepted command answers 200 with
its outcome, and so does a retry of it (``replayed``: the first result, S3).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from commands.http.ledger_access import HttpLedger
from commands.http.problems import PROBLEM_SCHEMA, PROBLEM_TYPE, Problem
from commands.http.schemas import OUTCOME_SCHEMA, guard_text, signed_command_schema
from commands.service import Outcome
from ledger.envelope import SignedCommand
from ledger.limits import MAX_COMMAND_BYTES
from ledger.procedure import dispatch  # noqa: F401  (registers every command)
from ledger.procedure.base import HANDLERS, Command

JSON = "application/json"
_REFUSALS = {
    "400": "malformed JSON, a wrong type, an unknown or missing field",
    "403": "the signature, key or role does not authenticate the actor (S1, S2)",
    "409": "the command id was used for other content (S3), or a stored event already holds "
    "the stream's next version",
    "413": f"the body is larger than {MAX_COMMAND_BYTES} bytes",
    "415": "the body is not application/json",
    "422": "a rule of the procedure refuses the command; the problem names the rule and clause",
}


def command_router(ledger: HttpLedger) -> APIRouter:
    """A router with one ``POST /commands/{Name}`` per registered command."""
    router = APIRouter(prefix="/commands", tags=["commands"])
    for name, handler in sorted(HANDLERS.items()):
        router.add_api_route(
            f"/{name}",
            _endpoint(ledger, name),
            methods=["POST"],
            name=name,
            summary=_summary(handler.command),
            description=guard_text(handler.command.guard),
            openapi_extra=_openapi(name, handler.command),
            response_class=JSONResponse,
        )
    return router


def _endpoint(ledger: HttpLedger, name: str) -> Any:
    async def run(request: Request) -> JSONResponse:
        signed = SignedCommand.from_text(await read_body(request, MAX_COMMAND_BYTES))
        if signed.command != name:
            raise Problem(
                400, "invalid-input", f"this is /commands/{name}; the body is a {signed.command}"
            )
        outcome, event = await run_in_threadpool(ledger.execute, signed)
        return JSONResponse(outcome_json(outcome, signed, event.type, dict(event.facts)))

    run.__name__ = f"command_{name}"
    return run


def outcome_json(
    outcome: Outcome, signed: SignedCommand, event: str, facts: dict[str, Any]
) -> dict[str, Any]:
    """What the client learns: no log index or stream version (V2), the receipt for a bid."""
    return {
        "command": outcome.command,
        "event": event,
        "command_id": signed.command_id,
        "stream": str(outcome.stream),
        "event_hash": outcome.event_hash,
        "facts": facts,
        "replayed": outcome.replayed,
        "receipt": outcome.receipt.to_json() if outcome.receipt is not None else None,
    }


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 415 unless JSON and with 413 past ``limit`` bytes."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != JSON:
        raise Problem(415, "unsupported-media-type", f"send the body as {JSON}, not {media!r}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Problem(413, "too-large", _too_large(limit), {"limit": limit})
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Problem(413, "too-large", _too_large(limit), {"limit": limit})
    return bytes(body)


def _too_large(limit: int) -> str:
    return f"the body is larger than the limit of {limit} bytes"


def _summary(command: type[Command]) -> str:
    doc = (command.__doc__ or command.__name__).strip().split("\n\n")[0]
    return " ".join(doc.split())[:120]


def _openapi(name: str, command: type[Command]) -> dict[str, Any]:
    problem = {"content": {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}}}
    responses: dict[str, Any] = {
        "200": {
            "description": "accepted (or a retry of an accepted command id)",
            "content": {JSON: {"schema": OUTCOME_SCHEMA}},
        },
        **{status: {"description": text, **problem} for status, text in _REFUSALS.items()},
    }
    responses["404"] = {"description": "no such tender or stream", **problem}
    responses["503"] = {
        "description": "the server cannot take it now: its clock is behind the log, or it "
        "has no registered receipt key (bids)",
        **problem,
    }
    return {
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": signed_command_schema(name, command)}},
        },
        "responses": responses,
    }
