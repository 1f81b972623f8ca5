"""Reads that need a signed request (docs/http.md): a bidder's own view, the regulator's
views, and the tender's full record (its events, audit trail and audit bundle).

V1: a bidder sees the public view and its own bids and receipts, whatever party it names;
a regulator sees everything, sealed bids included (no price is readable before the
reveal). The full record names every bidder: it is for a regulator, and for the tender's
own opening officials once the deadline has passed (they open their shares from it).
The platform (its own signing key, role platform) issues checkpoints on demand.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from commands.http.ledger_access import HttpLedger
from commands.http.read_common import SIGNED, At, at_of, responses, signed_sender, views_at
from commands.queries import audit_trail
from ledger.bundle.export import export_bundle
from ledger.clock import format_time
from ledger.errors import InvalidInput, NotPermitted
from ledger.procedure.guards import phase_of
from ledger.procedure.state import stream_of
from projections.views import regulator_overview, tender_view

_SECURED: dict[str, Any] = {"security": [{SIGNED: []}]}
Reason = Annotated[str, Query(pattern="^(manual|closing)$")]


def signed_router(ledger: HttpLedger) -> APIRouter:
    """The signed reads."""
    router = APIRouter(tags=["signed reads"])
    extra: dict[str, Any] = {"responses": responses(401, 403, 404), "openapi_extra": _SECURED}

    @router.get("/tenders/{tender}/bidder", summary="a bidder's own view", **extra)
    def bidder_view(tender: str, request: Request, at: At = None) -> JSONResponse:
        party, _ = signed_sender(ledger, request, "bidder")
        return JSONResponse(_view(ledger, tender, f"bidder:{party.party}", at))

    @router.get("/tenders/{tender}/regulator", summary="the regulator's view", **extra)
    def regulator_view(tender: str, request: Request, at: At = None) -> JSONResponse:
        signed_sender(ledger, request, "regulator")
        return JSONResponse(_view(ledger, tender, "regulator", at))

    @router.get("/overview", summary="the regulator's view across tenders", **extra)
    def overview(request: Request, at: At = None) -> JSONResponse:
        signed_sender(ledger, request, "regulator")
        with views_at(ledger, at_of(at)) as engine:
            return JSONResponse(regulator_overview(engine))

    @router.get("/tenders/{tender}/audit", summary="the audit trail", **extra)
    def audit(tender: str, request: Request, at: At = None) -> JSONResponse:
        _record_reader(ledger, request, tender)
        return JSONResponse(audit_trail(ledger.store, tender, at_of(at)))

    @router.get("/tenders/{tender}/events", summary="the tender's events as recorded", **extra)
    def events(tender: str, request: Request) -> JSONResponse:
        _record_reader(ledger, request, tender)
        stream = stream_of(tender)
        return JSONResponse([_event_json(event) for event in ledger.store.events(stream)])

    @router.get("/tenders/{tender}/bundle", summary="the audit bundle (offline proof)", **extra)
    def bundle(tender: str, request: Request) -> JSONResponse:
        state = _record_reader(ledger, request, tender)
        return JSONResponse(export_bundle(ledger.store, state).bundle)

    @router.post(
        "/log/checkpoint",
        summary="the platform issues a checkpoint now (closing: a tender's, cosigned)",
        response_class=PlainTextResponse,
        responses=responses(401, 403, 404, content="text/plain"),
        openapi_extra=_SECURED,
    )
    def checkpoint(
        request: Request, reason: Reason = "manual", tender: str | None = None
    ) -> PlainTextResponse:
        signed_sender(ledger, request, "platform")
        if (reason == "closing") != (tender is not None):
            raise InvalidInput("a closing checkpoint names its tender; a manual one names none")
        stream = stream_of(tender) if tender is not None else None
        note = ledger.checkpoint(reason, stream)
        return PlainTextResponse(note)

    return router


def _view(ledger: HttpLedger, tender: str, role: str, at: str | None) -> dict[str, Any]:
    moment = at_of(at)
    with views_at(ledger, moment) as engine:
        return tender_view(engine, tender, role, moment or ledger.now())


def _record_reader(ledger: HttpLedger, request: Request, tender: str) -> str:
    """The tender's project code, once the sender may read its full record."""
    party, role = signed_sender(ledger, request, "regulator", "official")
    state = ledger.tender(stream_of(tender))
    if role == "official":
        officials = {official["party"] for official in state.officials}
        if party.party not in officials:
            raise NotPermitted(f"{party.party} is not an opening official of {state.code}")
        if phase_of(state, ledger.now()) == "bidding":
            raise NotPermitted(
                f"{state.code}'s record names its bidders: officials read it after the "
                f"deadline ({format_time(state.deadline)})"
            )
    return state.code


def _event_json(event: Any) -> dict[str, Any]:
    record = event.record()
    return {
        "stream": record.stream,
        "version": record.version,
        "type": record.type,
        "time": format_time(record.time),
        "command": record.command.to_json(),
        "facts": dict(record.facts),
        "prev_hash": record.prev_hash,
        "event_hash": record.event_hash,
    }
