"""Reads anyone may make, unsigned: the public view, what a bidder needs to seal, open data,
and the log's checkpoints, proofs and trust policy (V1: nothing here names a bidder or
counts bids before the opening)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from commands.http.ledger_access import HttpLedger
from commands.http.read_common import At, at_of, responses, views_at
from ledger.errors import InvalidInput, NotFound
from ledger.limits import MAX_SAFE_INTEGER
from ledger.procedure.state import stream_of
from ledger.transparency import TreeStore, consistency_json, engine_of, inclusion_json
from ledger.trust import policy_of
from projections.ocds import OcdsSettings, record_package, release_package
from projections.views import tender_view

Size = Annotated[int | None, Query(ge=0, le=MAX_SAFE_INTEGER)]
TEXT = "text/plain"


def public_router(ledger: HttpLedger) -> APIRouter:
    """The unsigned reads."""
    router = APIRouter(tags=["public reads"])

    @router.get("/tenders/{tender}", responses=responses(404), summary="the public view")
    def public_view(tender: str, at: At = None) -> JSONResponse:
        moment = at_of(at)
        with views_at(ledger, moment) as engine:
            view = tender_view(engine, tender, "public", moment or ledger.now())
        return JSONResponse(view)

    @router.get(
        "/tenders/{tender}/opening-keys",
        responses=responses(404),
        summary="the opening officials' encryption keys and threshold, to seal a bid",
    )
    def opening_keys(tender: str) -> JSONResponse:
        state = ledger.tender(stream_of(tender))
        return JSONResponse(
            {
                "tender": state.code,
                "stream": state.stream,
                "officials": [
                    {"party": o["party"], "encryption_key": o["encryption_key"]}
                    for o in state.officials
                ],
                "threshold": state.threshold,
            }
        )

    @router.get("/tenders/{tender}/ocds", responses=responses(404), summary="OCDS 1.1 open data")
    async def ocds(
        tender: str,
        at: At = None,
        package: Annotated[str, Query(pattern="^(releases|record)$")] = "releases",
    ) -> JSONResponse:
        make = release_package if package == "releases" else record_package
        settings = OcdsSettings.from_environment(None)
        found = await run_in_threadpool(make, ledger.store, tender, settings, at_of(at))
        return JSONResponse(found)

    _log_routes(router, ledger)
    return router


def _log_routes(router: APIRouter, ledger: HttpLedger) -> None:
    @router.get(
        "/log/checkpoint",
        responses=responses(404, content=TEXT),
        response_class=PlainTextResponse,
        summary="the latest signed checkpoint (C2SP signed note)",
    )
    def checkpoint() -> PlainTextResponse:
        latest = _tree(ledger).latest_checkpoint()
        if latest is None:
            raise NotFound("no checkpoint has been issued yet")
        return PlainTextResponse(latest.note)

    @router.get("/log/inclusion", responses=responses(404), summary="an inclusion proof")
    def inclusion(
        index: Annotated[int, Query(ge=0, le=MAX_SAFE_INTEGER)], size: Size = None
    ) -> JSONResponse:
        tree = _tree(ledger)
        size = _size(tree, size)
        if index >= size:
            raise InvalidInput(f"leaf index must be below the tree size {size}, found {index}")
        return JSONResponse(inclusion_json(tree, index, size))

    @router.get("/log/consistency", responses=responses(404), summary="a consistency proof")
    def consistency(
        first: Annotated[int, Query(alias="from", ge=1, le=MAX_SAFE_INTEGER)], to: Size = None
    ) -> JSONResponse:
        tree = _tree(ledger)
        second = _size(tree, to)
        if first > second:
            raise InvalidInput(f"from ({first}) must not be more than to ({second})")
        return JSONResponse(consistency_json(tree, first, second))

    @router.get(
        "/policy",
        responses=responses(404, content=TEXT),
        response_class=PlainTextResponse,
        summary="the trust policy this ledger's registry implies (docs/policy.md)",
    )
    def policy() -> PlainTextResponse:
        latest = _tree(ledger).latest_checkpoint()
        if latest is None:
            raise NotFound("no checkpoint has been issued: the log's origin is unknown")
        origin = latest.note.split("\n", 1)[0]
        return PlainTextResponse(policy_of(ledger.registry(), origin).to_text())


def _tree(ledger: HttpLedger) -> TreeStore:
    tree = TreeStore(engine_of(ledger.store))
    if not tree.exists():
        raise NotFound("this ledger keeps no Merkle log (it was written without a log key)")
    return tree


def _size(tree: TreeStore, size: int | None) -> int:
    """The size asked for, or the latest checkpoint's (proofs go to a signed root)."""
    if size is not None:
        return size
    latest = tree.latest_checkpoint()
    if latest is None:
        raise NotFound("no checkpoint has been issued yet; give a size")
    return latest.size


def health_payload(ledger: HttpLedger) -> dict[str, Any]:
    return {"status": "ok", "time": ledger.now().isoformat(timespec="seconds")}
