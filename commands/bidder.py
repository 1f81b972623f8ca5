"""What a bidder runs on its own machine: seal a bid document for a tender's officials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.crypto.sealing import OpeningOfficial, seal_bid
from ledger.procedure.bid_document import encode_bid_document
from ledger.procedure.state import tender_stream


def seal_for_tender(
    document: Mapping[str, Any],
    *,
    tender_code: str,
    lot: str,
    bidder: str,
    officials: Sequence[tuple[str, str]],
    threshold: int,
) -> dict[str, Any]:
    """Encrypt ``document`` bound to tender, lot and bidder; split its key among ``officials``.

    ``officials`` are (party, X25519 public key hex) pairs as named in the tender notice.
    """
    sealed = seal_bid(
        encode_bid_document(document),
        tender=str(tender_stream(tender_code)),
        lot=lot,
        bidder=bidder,
        officials=[OpeningOfficial(party, bytes.fromhex(key)) for party, key in officials],
        threshold=threshold,
    )
    return sealed.to_json()
