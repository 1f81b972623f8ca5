"""Sealed bids built wrongly on purpose, as a careless or malicious bidder could (C6).

Every helper returns a well-formed ``SealedBid`` that passes the checks at the door: the
faults are inside the sealed boxes, where only the officials can see them.
"""

from __future__ import annotations

import dataclasses

from nacl.public import PrivateKey, PublicKey, SealedBox

from ledger.crypto import shamir
from ledger.crypto.sealing import (
    OpeningOfficial,
    SealedBid,
    open_share,
    seal_bid,
    share_commitment,
    share_plaintext,
)


def sealed_to_wrong_keys(
    document: bytes,
    *,
    tender: str,
    lot: str,
    bidder: str,
    officials: list[OpeningOfficial],
    wrong: set[str],
    threshold: int,
) -> SealedBid:
    """Sealed to the right names, but to fresh keys for the officials in ``wrong``."""
    keys = [
        OpeningOfficial(o.party, bytes(PrivateKey.generate().public_key)) if o.party in wrong else o
        for o in officials
    ]
    return seal_bid(
        document, tender=tender, lot=lot, bidder=bidder, officials=keys, threshold=threshold
    )


def data_key_of(sealed: SealedBid, keys: dict[str, PrivateKey]) -> bytes:
    """The data key, rebuilt from the shares of the officials whose private keys are given."""
    shares = [open_share(sealed, official=name, private_key=key) for name, key in keys.items()]
    return shamir.combine([k.share for k in shares])


def with_share_from_another_polynomial(
    sealed: SealedBid, data_key: bytes, official: str, public_key: PublicKey
) -> SealedBid:
    """``official``'s share replaced by one of the same key on another polynomial.

    The new share matches its own (new) commitment, so the official opens it and hands it
    in; but it is not on one polynomial with the other shares.
    """
    entry = next(s for s in sealed.shares if s.official == official)
    pieces = shamir.split(data_key, threshold=sealed.threshold, count=len(sealed.shares))
    piece = pieces[entry.index - 1]
    plaintext = share_plaintext(
        tender=sealed.tender,
        lot=sealed.lot,
        bidder=sealed.bidder,
        official=official,
        index=entry.index,
        share_hex=piece.to_hex(),
    )
    return with_share_plaintext(sealed, official, public_key, plaintext)


def with_share_plaintext(
    sealed: SealedBid, official: str, public_key: PublicKey, plaintext: bytes
) -> SealedBid:
    """``official``'s box holds ``plaintext``, and the bidder commits to exactly that."""
    entries = tuple(
        dataclasses.replace(
            s,
            wrapped=SealedBox(public_key).encrypt(plaintext),
            commitment=share_commitment(plaintext),
        )
        if s.official == official
        else s
        for s in sealed.shares
    )
    return dataclasses.replace(sealed, shares=entries)
