"""The FastAPI application: commands, reads, the log, health, and every error as a problem.

:func:`create_app` wires the routes to one :class:`HttpLedger`. Nothing here decides
anything: commands go to :class:`~commands.service.LedgerService`, reads to the read
models and the log. ``/openapi.json`` describes every route; ``/health`` answers while the
server runs. With a witness, ``POST /add-checkpoint`` is its C2SP tlog-witness endpoint.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from commands.http.command_routes import command_router
from commands.http.ledger_access import HttpLedger
from commands.http.problems import Problem, problem_of
from commands.http.public_routes import health_payload, public_router
from commands.http.read_common import SIGNED
from commands.http.signed_routes import signed_router
from ledger.errors import LedgerError
from ledger.witness import ADD_CHECKPOINT_PATH
from ledger.witness.protocol import MAX_BODY_BYTES

TITLE = "bidledger"
_KINDS = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}
_log = logging.getLogger("bidledger.http")


def create_app(ledger: HttpLedger) -> FastAPI:
    """The HTTP API of ``ledger``."""
    app = FastAPI(
        title=TITLE,
        version="1",
        description="Signed commands in, signed and chained events out (docs/http.md).",
    )
    app.include_router(command_router(ledger))
    app.include_router(public_router(ledger))
    app.include_router(signed_router(ledger))

    @app.get("/health", tags=["service"], summary="the server is up")
    def health() -> dict[str, Any]:
        return health_payload(ledger)

    if ledger.witness is not None:
        _mount_witness(app, ledger)
    _handle_errors(app)
    _document_signatures(app)
    return app


def _mount_witness(app: FastAPI, ledger: HttpLedger) -> None:
    witness = ledger.witness
    assert witness is not None

    @app.post(
        ADD_CHECKPOINT_PATH,
        tags=["witness"],
        summary="C2SP tlog-witness add-checkpoint (docs/witness.md)",
        include_in_schema=False,
    )
    async def add_checkpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return Response(b"request body too large\n", 413, media_type="text/plain")
        answer = await run_in_threadpool(witness.add_checkpoint, bytes(body))
        return Response(answer.body, answer.status, media_type=answer.content_type)


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, error: Problem) -> JSONResponse:
        return error.response()

    @app.exception_handler(LedgerError)
    async def refused(request: Request, error: LedgerError) -> JSONResponse:
        return problem_of(error).response()

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return Problem(400, "invalid-input", f"{where}: {first.get('msg', 'invalid')}").response()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        kind = _KINDS.get(error.status_code, "http-error")
        headers = dict(error.headers or {})
        return Problem(error.status_code, kind, str(error.detail), headers=headers).response()

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> JSONResponse:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        detail = f"unexpected {type(error).__name__}; please report this bug"
        return Problem(500, "internal-error", detail).response()


def _document_signatures(app: FastAPI) -> None:
    """Declare the signed-read scheme in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = {
                SIGNED: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Bidledger-Signature",
                    "description": "a signed read: six Bidledger-* headers (docs/http.md)",
                }
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
