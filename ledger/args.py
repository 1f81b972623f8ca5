"""Reading a signed command's arguments; every malformed field is named in the error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.clock import parse_time
from ledger.errors import InvalidInput


def text(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"field {name!r} must be a non-empty string")
    return value


def optional_text(args: Mapping[str, Any], name: str) -> str | None:
    return None if args.get(name) in (None, "") else text(args, name)


def amount(args: Mapping[str, Any], name: str) -> Decimal:
    """A money amount in yuan, as a decimal string with at most two places."""
    value = args.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"field {name!r} must be a decimal string in yuan, e.g. '334860.00'")
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"field {name!r}: {value!r} is not a decimal number") from None
    if not parsed.is_finite() or parsed < 0 or parsed != parsed.quantize(Decimal("0.01")):
        raise InvalidInput(f"field {name!r}: {value!r} must be >= 0 with at most two decimals")
    return parsed


def decimal(args: Mapping[str, Any], name: str) -> Decimal:
    value = args.get(name)
    try:
        parsed = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        parsed = None
    if parsed is None or not parsed.is_finite():
        raise InvalidInput(f"field {name!r} must be a decimal string")
    return parsed


def moment(args: Mapping[str, Any], name: str) -> datetime:
    return parse_time(text(args, name))


def integer(args: Mapping[str, Any], name: str, *, minimum: int = 0) -> int:
    value = args.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidInput(f"field {name!r} must be an integer >= {minimum}")
    return value


def flag(args: Mapping[str, Any], name: str) -> bool:
    value = args.get(name)
    if not isinstance(value, bool):
        raise InvalidInput(f"field {name!r} must be true or false")
    return value


def mapping(args: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = args.get(name)
    if not isinstance(value, Mapping):
        raise InvalidInput(f"field {name!r} must be an object")
    return value


def items(args: Mapping[str, Any], name: str) -> list[Any]:
    value = args.get(name)
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"field {name!r} must be a non-empty list")
    return value
