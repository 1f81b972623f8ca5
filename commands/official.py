"""What an opening official runs on its own machine: unwrap its shares of the authorised bids.

The private X25519 key never leaves the official's machine; only the unwrapped shares are
signed and handed in, after the decryption time closes (C4). A share the official cannot
open is declared instead (C6), naming the sealed box it tried and, if the box opened,
disclosing what it held, so that the bid is set aside and the others open.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import nacl.public

from ledger.crypto.key_shares import Unopenable, open_or_declare
from ledger.procedure.state import TenderState
from ledger.procedure.tender.reveal import authorised_bids
from ledger.procedure.tender.unopenable import MAX_DISCLOSED, UnopenableShare


@dataclass(frozen=True)
class MyShares:
    """An official's ``SubmitKeyShares`` arguments: its shares and what it cannot open."""

    shares: tuple[dict[str, Any], ...]
    unopenable: tuple[UnopenableShare, ...]
    reasons: tuple[str, ...]  # why each declared share did not open, for the official


def open_my_shares(
    tender: TenderState, *, official: str, private_key: nacl.public.PrivateKey
) -> MyShares:
    """``official``'s share of every authorised bid, or the declaration of one it cannot open.

    Each share is checked against the bidder's commitment as it is unwrapped (C5).
    """
    shares: list[dict[str, Any]] = []
    declared: list[UnopenableShare] = []
    reasons: list[str] = []
    for bid in authorised_bids(tender):
        sealed = bid.sealed_bid()
        opened = open_or_declare(sealed, official=official, private_key=private_key)
        if isinstance(opened, Unopenable):
            declared.append(_declaration(bid.lot, bid.bidder, opened))
            reasons.append(f"lot {bid.lot} bidder {bid.bidder}: {opened.reason}")
        else:
            shares.append({"lot": bid.lot, "bidder": bid.bidder, "share": opened.to_json()})
    return MyShares(tuple(shares), tuple(declared), tuple(reasons))


def _declaration(lot: str, bidder: str, opened: Unopenable) -> UnopenableShare:
    """What the box held is disclosed when it opened and is small enough to sign."""
    disclosed = None
    if opened.disclosed is not None:
        disclosed = base64.b64encode(opened.disclosed).decode("ascii")
    return UnopenableShare(
        lot=lot,
        bidder=bidder,
        wrapped_sha256=opened.wrapped_sha256,
        failure=opened.failure,
        disclosed=disclosed if disclosed and len(disclosed) <= MAX_DISCLOSED else None,
    )
