"""What a bidder runs on its own machine: seal a bid document for a tender's officials.

The document is padded to its size class before encryption (V2), so the ciphertext the
ledger stores says nothing about the price; each key share is sealed to the X25519 key the
notice gives for its official: a share sealed to another key cannot be opened, and if too
few can, the bid is returned at the opening as not decrypted, by its bidder's fault (C6).
"""

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
    """Pad and encrypt ``document`` bound to tender, lot and bidder; split its key.

    ``officials`` are (party, X25519 public key hex) pairs exactly as named in the tender
    notice: each share is sealed to that key.
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
