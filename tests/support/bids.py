"""Bid documents and sealed bids for tests, sealed with the tender's real official keys."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commands.bidder import seal_for_tender
from commands.seed import CODE
from ledger.numerals import format_capital_amount
from ledger.procedure.state import TenderState


def bid_document(
    lot: str,
    bidder: str,
    total: str,
    *,
    capital: str | None = None,
    lines: list[dict[str, str]] | None = None,
    brand: str | None = None,
    small_or_micro: bool = False,
    consortium_sme_share: str | None = None,
) -> dict[str, Any]:
    """A well-formed bid document; ``capital`` defaults to ``total`` in capital numerals."""
    return {
        "v": "bidledger/bid-document/v1",
        "lot": lot,
        "bidder": bidder,
        "total_figures": total,
        "total_capital": capital or format_capital_amount(Decimal(total)),
        "lines": lines or [],
        "brand": brand,
        "small_or_micro": small_or_micro,
        "consortium_sme_share": consortium_sme_share,
        "business": "交货期30日, 质保一年",
        "technical": "满足全部★参数",
    }


def sealed_bid(
    tender: TenderState, lot: str, bidder: str, total: str, **kwargs: Any
) -> dict[str, Any]:
    """Seal a bid document for ``tender`` exactly as a bidder would."""
    return seal_for_tender(
        bid_document(lot, bidder, total, **kwargs),
        tender_code=tender.code or CODE,
        lot=lot,
        bidder=bidder,
        officials=[(o["party"], o["encryption_key"]) for o in tender.officials],
        threshold=tender.threshold,
    )
