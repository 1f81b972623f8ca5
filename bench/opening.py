"""Opening sealed bids: the ledger's crypto path beside the raw primitives on the same bytes.

``count`` bid documents of ``document_bytes`` each are sealed (untimed) to the benchmark's
three opening officials, 2-of-3, exactly as ``bidledger seal`` does. Each repetition then
opens all of them, timing:

- ours: the path the ledger's opening takes, from ``ledger/crypto/sealing.py``: each of
  two officials unwraps its share (``open_share``: sealed-box open, share parsed and
  checked against its context and commitment), then ``reveal`` (commitments checked
  again, Shamir interpolation, the rebuilt key checked against the bidder's key
  commitment, XChaCha20-Poly1305 decryption bound to tender, lot and bidder) and the
  document parsed (``parse_bid_document``), starting from the stored JSON;
- baseline: on the same bytes, two raw ``SealedBox.decrypt`` calls and one raw
  XChaCha20-Poly1305 decryption with the data key (recovered before the timer starts).

The service path (``RevealBids`` through ``LedgerService.execute``) needs a tender with
1,000 bidders who each obtained the documents, bid, checked in and authorised
decryption; at the service's speed on such a stream that log takes hours to build, so
the crypto path it calls is what is timed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from nacl import bindings
from nacl.public import SealedBox

from bench import cast
from bench.stats import Comparison
from ledger.crypto import shamir
from ledger.crypto.sealing import SealedBid, bid_aad, open_share, reveal
from ledger.procedure.bid_document import encode_bid_document, parse_bid_document

OPENERS = cast.OFFICIALS[: cast.THRESHOLD]
TENDER = "OPENING-BENCH"


@dataclass(frozen=True)
class RawBid:
    """A sealed bid's bytes, for the baseline: wrapped shares, nonce, ciphertext, AAD, key."""

    wrapped: tuple[bytes, ...]
    nonce: bytes
    ciphertext: bytes
    aad: bytes
    data_key: bytes


def measure_opening(count: int, document_bytes: int, repetitions: int) -> Comparison:
    """Bids opened per second: the ledger's path beside the raw primitives."""
    stored = [_seal(number, document_bytes) for number in range(count)]
    raw = [_raw(bid) for bid in stored]
    result = Comparison(
        "opening",
        "bids/s",
        "open_share ×2 + reveal + parse",
        "SealedBox.decrypt ×2 + XChaCha20-Poly1305 decrypt",
        extra={"bids": count, "document_bytes": document_bytes},
    )
    for number in range(repetitions):
        if number % 2 == 0:
            ours = _timed(lambda: _open_all(stored), count)
            baseline = _timed(lambda: _open_raw(raw), count)
        else:
            baseline = _timed(lambda: _open_raw(raw), count)
            ours = _timed(lambda: _open_all(stored), count)
        result.add(ours, baseline)
    return result


def filler_for(document_bytes: int) -> str:
    """The ``technical`` text that makes an encoded bid document ``document_bytes`` long."""
    empty = len(encode_bid_document(cast.bid_document("1", cast.bidder(0), "420000.00", "x")))
    return "x" * max(1, document_bytes - empty + 1)


def _seal(number: int, document_bytes: int) -> dict[str, Any]:
    bidder = cast.bidder(number)
    return cast.sealed_bid(TENDER, "1", bidder, "420000.00", filler_for(document_bytes))


def _open(stored: dict[str, Any]) -> bytes:
    sealed = SealedBid.from_json(stored)
    shares = [
        open_share(sealed, official=official, private_key=cast.box_key(official))
        for official in OPENERS
    ]
    return reveal(SealedBid.from_json(stored), shares)


def _open_all(stored: list[dict[str, Any]]) -> None:
    for bid in stored:
        parse_bid_document(_open(bid))


def _raw(stored: dict[str, Any]) -> RawBid:
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
