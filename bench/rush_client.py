"""One process of the deadline rush: threads, each a bidder with its own ``LedgerService``.

Each client seals a few bids first (its own machine's work, before the rush), waits for
the start, then submits, withdraws and submits again, one signed command at a time, until
the stop time, which is after the tender's deadline: what it sends after the deadline must
be refused. Every command is recorded with its outcome (accepted, with the receipt of a
bid; refused, with the rule's code; or an error, which the rush counts as a failure) and
its latency. All processes share one clock: the machine's, shifted to the tender's time.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import asdict, dataclass
from datetime import datetime
from multiprocessing.connection import Connection

from bench import cast
from commands.messages import SubmitBid, WithdrawBid
from commands.service import LedgerService
from ledger.clock import BEIJING
from ledger.envelope import SignedCommand
from ledger.errors import RuleViolation
from ledger.store import LedgerStore

LOT = "1"
SEALED_PER_CLIENT = 3


class ShiftedClock:
    """The machine's clock moved by ``offset`` seconds (the same in every process)."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset, BEIJING)


@dataclass(frozen=True)
class RushTiming:
    """When the clients start and stop (POSIX seconds) and how the clock is shifted."""

    code: str
    start: float
    stop: float
    offset: float
    checkpoint_every: int


@dataclass
class Record:
    """One command a client sent, and what came of it."""

    client: str
    command: str
    command_id: str
    started: float
    seconds: float
    accepted: bool = False
    rule: str | None = None
    error: str | None = None
    receipt: dict[str, object] | None = None


def serve(url: str, code: str, bidders: list[str], parent: Connection) -> None:
    """A client process: seal, say ready, take the timing, run one thread per bidder, send
    back every record (as plain data)."""
    store = LedgerStore(url)
    records: list[Record] = []
    lock = threading.Lock()
    try:
        sealed = {bidder: _seal(code, bidder) for bidder in bidders}
        parent.send("ready")
        timing: RushTiming = parent.recv()
        threads = [
            threading.Thread(
                target=_client, args=(store, bidder, sealed[bidder], timing, records, lock)
            )
            for bidder in bidders
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        store.close()
    parent.send([asdict(record) for record in records])


def _seal(code: str, bidder: str) -> list[dict[str, object]]:
    return [
        cast.sealed_bid(code, LOT, bidder, f"{400000 + 100 * number}.00")
        for number in range(SEALED_PER_CLIENT)
    ]


def _client(
    store: LedgerStore,
    bidder: str,
    sealed: list[dict[str, object]],
    timing: RushTiming,
    records: list[Record],
    lock: threading.Lock,
) -> None:
    service = LedgerService(
        store,
        ShiftedClock(timing.offset),
        platform=cast.signer(cast.RECEIPTS),
        platform_id=cast.PLATFORM,
        log=cast.log_key(),
        checkpoint_every=timing.checkpoint_every,
    )
    actor = cast.actor(bidder, "bidder")
    mine: list[Record] = []
    has_bid, number = False, 0
    time.sleep(max(0.0, timing.start - time.time()))
    while time.time() < timing.stop:
        command = (
            WithdrawBid(timing.code, LOT)
            if has_bid
            else SubmitBid(timing.code, LOT, sealed[number % len(sealed)])
        )
        number += 1
        record = _send(service, actor.sign(command), bidder)
        if record.accepted:
            has_bid = record.command == "SubmitBid"
        mine.append(record)
    with lock:
        records.extend(mine)


def _send(service: LedgerService, signed: SignedCommand, bidder: str) -> Record:
    """One command, timed, and what came of it."""
    record = Record(bidder, signed.command, signed.command_id, time.time(), 0.0)
    started = time.perf_counter()
    try:
        outcome = service.execute(signed)
        record.accepted = True
        if outcome.receipt is not None:
            record.receipt = outcome.receipt.to_json()
    except RuleViolation as refusal:
        record.rule = refusal.rule.code
    except Exception as exc:  # what a client must never see: counted as a failure
        record.error = "".join(traceback.format_exception_only(exc)).strip()
    record.seconds = time.perf_counter() - started
    return record
