"""Shares an official cannot open (C6): declared in SubmitKeyShares, bids set aside at the reveal.

An official hands in, for every authorised bid, either its share or a declaration that it
cannot open it. A declaration names the exact sealed box (its SHA-256) and what went wrong;
when the box opened, the official may disclose what it held, and if that is what the bidder
committed to but not this bid's share, the fault is proven (``evidence: proven``);
otherwise it rests on the official's signature (``declared``). At the reveal, a bid with at
least ``threshold`` shares handed in opens as usual; a bid with fewer is returned as not
decrypted, by the bidder's fault (撤销): it sealed its shares, and a bid sealed as the
notice says always opens. No other bid is affected.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from ledger.crypto.key_shares import (
    DOES_NOT_UNWRAP,
    Failure,
    disclosure_evidence,
    entry_for,
    wrapped_digest,
)
from ledger.crypto.sealing import KeyShare
from ledger.errors import InvalidInput, Reason, RuleViolation
from ledger.procedure.schema import arg
from ledger.procedure.state import Bid, TenderState
from ledger.rules import catalogue as rules

BidKey = tuple[str, str]  # (lot, bidder)
MAX_DISCLOSED = 4096  # base64 characters: a share plaintext is about 450


@dataclass(frozen=True)
class UnopenableShare:
    """A share its official cannot open, declared instead of handed in (C6)."""

    lot: str = arg(max_length=20)
    bidder: str = arg(max_length=64)
    wrapped_sha256: str = arg(max_length=64, doc="hex SHA-256 of the sealed box tried")
    failure: Failure = arg(doc="does-not-unwrap, or not-this-bids-share")
    disclosed: str | None = arg(
        default=None, max_length=MAX_DISCLOSED, doc="base64 of what the box held, if it opened"
    )


def read_declarations(items: tuple[UnopenableShare, ...]) -> dict[BidKey, UnopenableShare]:
    """The declarations by bid; one per bid."""
    declared: dict[BidKey, UnopenableShare] = {}
    for item in items:
        if (item.lot, item.bidder) in declared:
            raise InvalidInput(f"unopenable: lot {item.lot} bidder {item.bidder} appears twice")
        declared[(item.lot, item.bidder)] = item
    return declared


def check_declaration(bid: Bid, declaration: UnopenableShare, official: str) -> dict[str, Any]:
    """The facts of one declaration, checked against the bid the bidder sealed."""
    sealed = bid.sealed_bid()
    expected = wrapped_digest(entry_for(sealed, official))
    if declaration.wrapped_sha256 != expected:
        raise RuleViolation(
            rules.UNOPENABLE_SHARE,
            f"{official} declares the share with SHA-256 {declaration.wrapped_sha256} of lot "
            f"{bid.lot} bidder {bid.bidder}; the share sealed to it has {expected}",
        )
    disclosed = _disclosed(declaration)
    if declaration.failure == DOES_NOT_UNWRAP and disclosed is not None:
        raise InvalidInput("unopenable: a share that does not unwrap has nothing to disclose")
    return {
        "lot": bid.lot,
        "bidder": bid.bidder,
        "failure": declaration.failure,
        "evidence": disclosure_evidence(sealed, official, disclosed),
    }


def shares_for(tender: TenderState, bid: Bid) -> list[KeyShare]:
    """The shares handed in for ``bid``, by official (declared ones are absent)."""
    return [
        KeyShare.from_json(shares[bid.lot][bid.bidder])
        for _, shares in sorted(tender.key_shares.items())
        if bid.bidder in shares.get(bid.lot, {})
    ]


def set_aside(tender: TenderState, bid: Bid) -> Reason | None:
    """Why ``bid`` is returned unopened, if fewer than the threshold of its shares came in."""
    holding = [
        o
        for o, shares in sorted(tender.key_shares.items())
        if bid.bidder in shares.get(bid.lot, {})
    ]
    if len(holding) >= tender.threshold:
        return None
    declared = sorted(set(tender.key_shares) - set(holding))
    return {
        "rule": rules.UNOPENABLE_BID_RETURNED.code,
        "detail": (
            f"{len(holding)} share(s) handed in ({', '.join(holding) or 'none'}), "
            f"{tender.threshold} needed; declared unopenable by {', '.join(declared)}"
        ),
    }


def _disclosed(declaration: UnopenableShare) -> bytes | None:
    if declaration.disclosed is None:
        return None
    try:
        raw = base64.b64decode(declaration.disclosed, validate=True)
    except binascii.Error:
        raw = None
    if raw is None or base64.b64encode(raw).decode("ascii") != declaration.disclosed:
        raise InvalidInput("unopenable: disclosed must be standard padded base64")
    return raw
