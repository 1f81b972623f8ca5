"""Money in OCDS: yuan as a JSON number, currency CNY."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

CURRENCY = "CNY"


def value(amount: str | Decimal) -> dict[str, Any]:
    """An OCDS Value in yuan (a JSON number, exact to the fen)."""
    return {"amount": float(Decimal(amount)), "currency": CURRENCY}
