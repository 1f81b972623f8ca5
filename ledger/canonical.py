"""Canonical bytes for everything that is signed or hashed (RFC 8785, JCS).

Values must already be JSON-safe: str, int, bool, None, lists and dicts with str keys.
Money travels as decimal strings and times as ISO 8601 strings, never as floats.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from ledger.errors import InvalidInput


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of ``value``."""
    _reject_floats(value, "$")
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"value cannot be canonicalised: {exc}") from exc


def domain_digest(domain: bytes, value: Any) -> bytes:
    """SHA-256 over ``domain`` (a fixed label ending in a newline) and the canonical bytes."""
    return hashlib.sha256(domain + canonical_bytes(value)).digest()


def _reject_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise InvalidInput(f"{path}: floats are not allowed in signed data; use a decimal string")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")
