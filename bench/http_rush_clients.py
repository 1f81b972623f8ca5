"""The rushing bidders: each seals on its own side, submits, withdraws and submits again
until the ledger refuses it (late); one thread per bidder, some in other processes."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from commands import seed
from commands.bidder import seal_for_tender
from commands.client import Actor
from commands.messages import Command, SubmitBid, WithdrawBid
from ledger.crypto.signing import Signer
from ledger.numerals import format_capital_amount

MAX_ROUNDS = 50  # submit-withdraw rounds per bidder at most: the deadline ends it first
LOTS = ("1", "2", "3")


@dataclass(frozen=True)
class Action:
    """One request of one bidder: what, its answer, and how long it took."""

    order: int  # per bidder, in the order sent
    bidder: str
    lot: str
    command: str
    command_id: str
    status: int
    seconds: float
    sent_at: float  # wall-clock time (comparable across processes)
    event_hash: str | None = None
    receipt: dict[str, Any] | None = None
    rule: str | None = None


def run_clients(
    url: str, seeds: Mapping[str, bytes], *, threads: int, processes: int, start_at: float
) -> list[Action]:
    """Run every bidder of ``seeds``: ``processes`` other processes, the rest here."""
    names = sorted(seeds)
    remote = names[threads:] if processes else []
    local = names[: len(names) - len(remote)]
    shares = [remote[n::processes] for n in range(processes)] if remote else []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, len(shares)), mp_context=context) as pool:
        futures = [
            pool.submit(bidders, url, {n: seeds[n] for n in share}, start_at) for share in shares
        ]
        actions = bidders(url, {name: seeds[name] for name in local}, start_at)
        for future in futures:
            actions += future.result()
    return actions


def bidders(url: str, seeds: Mapping[str, bytes], start_at: float) -> list[Action]:
    """One thread per bidder in this process, sharing one connection pool, from
    ``start_at`` (wall-clock time) on."""
    limits = httpx.Limits(max_connections=len(seeds) + 1, max_keepalive_connections=len(seeds) + 1)
    actions: list[Action] = []
    with httpx.Client(base_url=url, timeout=120, limits=limits) as client:
        keys = client.get(f"/tenders/{seed.CODE}/opening-keys").json()
        officials = [(item["party"], item["encryption_key"]) for item in keys["officials"]]
        notice = (officials, int(keys["threshold"]))
        workers = [
            threading.Thread(
                target=_bidder,
                args=(client, Actor(name, "bidder", Signer.from_seed(key)), notice, actions),
            )
            for name, key in seeds.items()
        ]
        time.sleep(max(0.0, start_at - time.time()))
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    return actions


def _bidder(
    client: httpx.Client,
    actor: Actor,
    notice: tuple[list[tuple[str, str]], int],
    actions: list[Action],
) -> None:
    lot = LOTS[int(actor.party.rsplit("-", 1)[-1]) % len(LOTS)]
    order = 0
    for round_ in range(MAX_ROUNDS):
        total = Decimal("300000.00") + round_
        sealed = seal_for_tender(
            _document(lot, actor.party, total),
            tender_code=seed.CODE,
            lot=lot,
            bidder=actor.party,
            officials=notice[0],
            threshold=notice[1],
        )
        for command in (SubmitBid(seed.CODE, lot, sealed), WithdrawBid(seed.CODE, lot)):
            action = _send(client, actor, command, lot, order)
            actions.append(action)  # list.append is atomic
            order += 1
            if action.status != 200:
                return


def _send(client: httpx.Client, actor: Actor, command: Command, lot: str, order: int) -> Action:
    signed = actor.sign(command, command_id=str(uuid.uuid4()))
    sent_at = time.time()
    started = time.perf_counter()
    try:
        response = client.post(f"/commands/{signed.command}", json=signed.to_json())
        status, body = response.status_code, response.json()
    except (httpx.HTTPError, ValueError):
        status, body = 0, {}
    seconds = time.perf_counter() - started
    return Action(
        order=order,
        bidder=actor.party,
        lot=lot,
        command=signed.command,
        command_id=signed.command_id,
        status=status,
        seconds=seconds,
        sent_at=sent_at,
        event_hash=body.get("event_hash") if status == 200 else None,
        receipt=body.get("receipt") if status == 200 else None,
        rule=body.get("rule"),
    )


def _document(lot: str, bidder: str, total: Decimal) -> dict[str, Any]:
    return {
        "v": "bidledger/bid-document/v1",
        "lot": lot,
        "bidder": bidder,
        "total_figures": f"{total:.2f}",
        "total_capital": format_capital_amount(total),
        "lines": [],
        "brand": None,
        "small_or_micro": True,
        "consortium_sme_share": None,
        "business": "交货期30日",
        "technical": "满足全部参数",
    }
