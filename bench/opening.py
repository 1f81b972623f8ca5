"""Opening sealed bids through the ledger's reveal path, beside the raw crypto on the same bytes.

A tender with ``count`` bidders is prepared once and cached (``bench/.cache``): the bidders
registered, each one's bid document of ``document_bytes`` sealed 2-of-3 to the benchmark's
opening officials exactly as ``bidledger seal`` does and submitted, every bidder checked in,
the opening started, each bid's decryption authorised, the decryption time closed. Each
repetition then opens a fresh copy of it, timing:

- ours: the ledger's reveal path. Each of two officials unwraps its shares of every bid on
  its own machine (``commands.official.open_my_shares``: sealed-box open, share checked
  against its commitment) and hands them in (``SubmitKeyShares`` through
  ``LedgerService.execute``: every share checked again); then ``RevealBids`` (the rules
  rebuild each data key, check it against the bidder's key commitment, decrypt the
  document bound to tender, lot and bidder, parse it and read out its price; the event
  carrying every revealed document is hashed, stored and put in the Merkle tree);
- baseline: on the same bytes, two raw ``SealedBox.decrypt`` calls and one raw
  XChaCha20-Poly1305 decryption with the data key (recovered before the timer starts).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from nacl import bindings
from nacl.public import SealedBox

from bench import cast
from bench.loggen import CACHE, tender_terms
from bench.stats import Comparison
from commands.messages import (
    AuthoriseDecryption,
    CheckIn,
    CloseDecryption,
    Command,
    ObtainDocuments,
    RevealBids,
    StartOpening,
    SubmitBid,
    SubmitKeyShares,
)
from commands.official import open_my_shares
from commands.service import LedgerService
from ledger.clock import FixedClock
from ledger.crypto import shamir
from ledger.crypto.sealing import SealedBid, bid_aad, open_share
from ledger.procedure.bid_document import encode_bid_document
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore

OPENERS = cast.OFFICIALS[: cast.THRESHOLD]
CODE = "OPENING-BENCH"
PUBLISHED = datetime.fromisoformat("2021-03-10T09:00:00+08:00")
SETUP_VERSION = 1
_CHUNK = 200


@dataclass(frozen=True)
class RawBid:
    """A sealed bid's bytes, for the baseline: wrapped shares, nonce, ciphertext, AAD, key."""

    wrapped: tuple[bytes, ...]
    nonce: bytes
    ciphertext: bytes
    aad: bytes
    data_key: bytes


def measure_opening(
    count: int, document_bytes: int, repetitions: int, cache: Path = CACHE
) -> Comparison:
    """Bids opened per second: the ledger's reveal path beside the raw primitives."""
    prepared = prepare(count, document_bytes, cache)
    raw = _raw_bids(prepared)
    result = Comparison(
        "opening",
        "bids/s",
        "open_my_shares ×2 + SubmitKeyShares ×2 + RevealBids",
        "SealedBox.decrypt ×2 + XChaCha20-Poly1305 decrypt",
        extra={"bids": count, "document_bytes": document_bytes},
    )
    for number in range(repetitions):
        if number % 2 == 0:
            ours = _open_through_ledger(prepared, count)
            baseline = _timed(lambda: _open_raw(raw), count)
        else:
            baseline = _timed(lambda: _open_raw(raw), count)
            ours = _open_through_ledger(prepared, count)
        result.add(ours, baseline)
    return result


def prepare(count: int, document_bytes: int, cache: Path = CACHE) -> Path:
    """The tender ready to open (cached): its database file."""
    path = cache / f"opening-v{SETUP_VERSION}-{count}-{document_bytes}.db"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    work = path.with_suffix(".partial")
    work.unlink(missing_ok=True)
    store = LedgerStore(f"sqlite:///{work}")
    try:
        _stage(store, count, document_bytes)
    finally:
        store.close()
    work.replace(path)
    return path


def _stage(store: LedgerStore, count: int, document_bytes: int) -> None:
    clock = FixedClock(cast.REGISTRATION_START)
    service = cast.service(store, clock)
    authority = cast.actor(cast.AUTHORITY, "authority")
    _run(service, [authority.sign(command) for command in cast.registration(count)])
    clock.set(PUBLISHED)
    terms = tender_terms(CODE, PUBLISHED)
    service.execute(cast.actor(cast.AGENCY, "agency").sign(terms))
    deadline = terms.timetable.deadline
    bidders = [cast.bidder(number) for number in range(count)]
    filler = filler_for(document_bytes)
    steps: list[tuple[datetime, list[tuple[str, Command]]]] = [
        (PUBLISHED + timedelta(days=1), [(b, ObtainDocuments(CODE)) for b in bidders]),
        (PUBLISHED + timedelta(days=2), [(b, _bid(b, filler)) for b in bidders]),
        (deadline - timedelta(hours=1), [(b, CheckIn(CODE, "1")) for b in bidders]),
        (deadline, [(cast.AGENCY, StartOpening(CODE))]),
        (deadline + timedelta(minutes=10), [(b, AuthoriseDecryption(CODE, "1")) for b in bidders]),
        (deadline + timedelta(minutes=31), [(cast.AGENCY, CloseDecryption(CODE))]),
    ]
    for moment, commands in steps:
        clock.set(moment)
        _run(service, [_signed(party, command) for party, command in commands])


def _signed(party: str, command: Command) -> Any:
    role = "agency" if party == cast.AGENCY else "bidder"
    return cast.actor(party, role).sign(command)


def _bid(bidder: str, filler: str) -> SubmitBid:
    return SubmitBid(CODE, "1", cast.sealed_bid(CODE, "1", bidder, "420000.00", filler))


def _run(service: LedgerService, commands: list[Any]) -> None:
    for start in range(0, len(commands), _CHUNK):
        service.execute_many(commands[start : start + _CHUNK])


def _open_through_ledger(prepared: Path, count: int) -> float:
    """Bids per second of the officials' unwrapping, their hand-in and the reveal."""
    with opened(prepared) as (service, tender):
        started = time.perf_counter()
        reveal_through(service, tender)
        seconds = time.perf_counter() - started
        _check_revealed(service.tender(tender_stream(CODE)), count)
    return count / seconds


@contextmanager
def opened(prepared: Path) -> Iterator[tuple[LedgerService, TenderState]]:
    """A fresh copy of the prepared tender: its service (states loaded) and its state."""
    with tempfile.TemporaryDirectory(dir=prepared.parent, prefix="scratch-") as folder:
        copy = Path(folder) / prepared.name
        shutil.copyfile(prepared, copy)
        store = LedgerStore(f"sqlite:///{copy}")
        try:
            service = cast.service(store, FixedClock(_reveal_time(store)))
            yield service, service.tender(tender_stream(CODE))
        finally:
            store.close()


def reveal_through(service: LedgerService, tender: TenderState) -> None:
    """What is timed: each official unwraps and hands in its shares; the agency reveals."""
    for official in OPENERS:
        mine = open_my_shares(tender, official=official, private_key=cast.box_key(official))
        command = SubmitKeyShares(CODE, mine.shares, mine.unopenable or None)
        service.execute(cast.actor(official, "official").sign(command))
    service.execute(cast.actor(cast.AGENCY, "agency").sign(RevealBids(CODE)))


def _reveal_time(store: LedgerStore) -> datetime:
    last = store.last_event()
    assert last is not None
    return last.timestamp + timedelta(minutes=5)


def _check_revealed(tender: TenderState, count: int) -> None:
    revealed = [bid for bid in tender.lots["1"].bids.values() if bid.status == "revealed"]
    if len(revealed) != count:
        raise RuntimeError(f"the reveal opened {len(revealed)} of {count} bids")


def filler_for(document_bytes: int) -> str:
    """The ``technical`` text that makes an encoded bid document ``document_bytes`` long."""
    empty = len(encode_bid_document(cast.bid_document("1", cast.bidder(0), "420000.00", "x")))
    return "x" * max(1, document_bytes - empty + 1)


def _raw_bids(prepared: Path) -> list[RawBid]:
    store = LedgerStore(f"sqlite:///{prepared}")
    try:
        tender = LedgerService(store).tender(tender_stream(CODE))
        return [_raw(bid.sealed) for bid in tender.lots["1"].bids.values()]
    finally:
        store.close()


def _raw(stored: Any) -> RawBid:
    sealed = SealedBid.from_json(stored)
    shares = [open_share(sealed, official=o, private_key=cast.box_key(o)) for o in OPENERS]
    wrapped = tuple(next(s.wrapped for s in sealed.shares if s.official == o) for o in OPENERS)
    aad = bid_aad(tender=sealed.tender, lot=sealed.lot, bidder=sealed.bidder)
    key = shamir.combine([share.share for share in shares])
    return RawBid(wrapped, sealed.nonce, sealed.ciphertext, aad, key)


def _open_raw(bids: list[RawBid]) -> None:
    boxes = [SealedBox(cast.box_key(official)) for official in OPENERS]
    for bid in bids:
        for box, wrapped in zip(boxes, bid.wrapped, strict=True):
            box.decrypt(wrapped)
        bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            bid.ciphertext, bid.aad, bid.nonce, bid.data_key
        )


def _timed(work: Any, count: int) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


__all__ = ["measure_opening", "prepare"]
