"""What an opening official runs on its own machine: unwrap its shares of the authorised bids.

The private X25519 key never leaves the official's machine; only the unwrapped shares are
signed and handed in, after the decryption time closes (C4).
"""

from __future__ import annotations

from typing import Any

import nacl.public

from ledger.crypto.sealing import SealedBid, open_share
from ledger.procedure.state import TenderState
from ledger.procedure.tender.reveal import authorised_bids


def open_my_shares(
    tender: TenderState, *, official: str, private_key: nacl.public.PrivateKey
) -> list[dict[str, Any]]:
    """``official``'s share of every authorised bid: the ``shares`` of ``SubmitKeyShares``.

    Each share is checked against the bidder's commitment as it is unwrapped (C5).
    """
    return [
        {
            "lot": bid.lot,
            "bidder": bid.bidder,
            "share": open_share(
                SealedBid.from_json(bid.sealed), official=official, private_key=private_key
            ).to_json(),
        }
        for bid in authorised_bids(tender)
    ]
