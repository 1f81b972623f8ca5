"""The plaintext inside a sealed bid: the bid form's prices and the facts scoring needs.

Sealed as its canonical (RFC 8785) bytes, at most ``MAX_BID_DOCUMENT_BYTES`` long; a revealed
plaintext that is not exactly those bytes (duplicate keys, a lone surrogate, a float, other
spacing or key order) does not parse. Its fields (shown spaced out)::

    {"v": "bidledger/bid-document/v1", "lot": "1", "bidder": "wuhan-qinxiongdi",
     "total_figures": "334860.00", "total_capital": "叁拾叁万肆仟捌佰陆拾元整",
     "lines": [{"name": "...", "unit_price": "130.00", "quantity": "222", "total": "28860.00"}],
     "brand": "...", "small_or_micro": true, "consortium_sme_share": null,
     "business": "...", "technical": "..."}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger import args as read
from ledger.canonical import canonical_bytes, loads_canonical
from ledger.errors import InvalidInput
from ledger.limits import MAX_BID_DOCUMENT_BYTES
from ledger.rules.correction import PriceLine, PriceSheet

DOCUMENT_VERSION = "bidledger/bid-document/v1"


@dataclass(frozen=True)
class BidDocument:
    """A parsed, validated bid document."""

    lot: str
    bidder: str
    sheet: PriceSheet
    brand: str | None
    small_or_micro: bool
    consortium_sme_share: Decimal | None
    raw: Mapping[str, Any]

    @property
    def stated_price(self) -> Decimal:
        """The total as written in figures (小写), before any correction."""
        return self.sheet.total_figures


def encode_bid_document(document: Mapping[str, Any]) -> bytes:
    """Validate and encode a bid document for sealing: its canonical bytes."""
    if not isinstance(document, Mapping):
        raise InvalidInput("bid document must be a JSON object")
    try:
        encoded = canonical_bytes(dict(document))
    except InvalidInput as exc:
        raise InvalidInput(f"bid document: {exc}") from None
    parse_bid_document(encoded)
    return encoded


def parse_bid_document(plaintext: bytes) -> BidDocument:
    """Parse a bid from its canonical bytes; a malformed field is named in the error."""
    data, encoded = loads_canonical(plaintext, "bid document", max_bytes=MAX_BID_DOCUMENT_BYTES)
    if encoded != plaintext:
        raise InvalidInput("bid document is not in canonical (RFC 8785) form")
    if not isinstance(data, dict) or data.get("v") != DOCUMENT_VERSION:
        raise InvalidInput(f"bid document must be an object with v = {DOCUMENT_VERSION!r}")
    lines = tuple(_line(item, index) for index, item in enumerate(data.get("lines") or []))
    sheet = PriceSheet(read.amount(data, "total_figures"), read.text(data, "total_capital"), lines)
    share = data.get("consortium_sme_share")
    return BidDocument(
        lot=read.text(data, "lot"),
        bidder=read.text(data, "bidder"),
        sheet=sheet,
        brand=read.optional_text(data, "brand"),
        small_or_micro=read.flag(data, "small_or_micro"),
        consortium_sme_share=None if share is None else read.decimal(data, "consortium_sme_share"),
        raw=data,
    )


def _line(item: Any, index: int) -> PriceLine:
    if not isinstance(item, dict):
        raise InvalidInput(f"bid document line {index + 1} must be an object")
    try:
        return PriceLine(
            name=read.text(item, "name"),
            unit_price=read.decimal(item, "unit_price"),
            quantity=read.decimal(item, "quantity"),
            total=read.amount(item, "total"),
        )
    except InvalidInput as exc:
        raise InvalidInput(f"bid document line {index + 1}: {exc}") from None
