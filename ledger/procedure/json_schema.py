"""JSON Schema (2020-12) of a typed command's signed arguments, derived from its fields.

The schema says what :func:`ledger.procedure.schema.parse` accepts, so that a client can
check a command before signing it and an HTTP API can publish it: every field with its
type, limits and choices; no field beyond them; a field whose default is ``None`` may be
left out and is never ``null``; every other field must be present, because the signed
arguments are in canonical form (exactly what :func:`~ledger.procedure.schema.to_args`
writes, defaults included). Decimal bounds that a pattern cannot state are in the
field's description; the parser remains the authority.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ledger.limits import MAX_ITEMS, MAX_SAFE_INTEGER
from ledger.procedure.schema import MAX_TEXT, fields_of

DECIMAL_PATTERN = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
MONEY_PATTERN = r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$"
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+08:00$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NOT_BLANK = r"\S"
MAX_DECIMAL_CHARS = 40


def args_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema of the signed arguments of command (or nested) class ``cls``."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for item in fields_of(cls):
        properties[item.key] = _field(item.hint, item.meta, item.required)
        if item.default is not None or item.required:
            required.append(item.key)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):  # not the generated one
        schema["description"] = " ".join(cls.__doc__.split())
    return schema


def _field(hint: Any, meta: Mapping[str, Any], required: bool) -> dict[str, Any]:
    schema = _type(hint, meta, required)
    if meta.get("doc"):
        schema["description"] = str(meta["doc"])
    return schema


def _type(hint: Any, meta: Mapping[str, Any], required: bool) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [h for h in typing.get_args(hint) if h is not type(None)]
        return _type(inner[0], meta, required)
    if origin is Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is tuple:
        item_meta = {k: v for k, v in meta.items() if k != "max_items"}
        schema: dict[str, Any] = {
            "type": "array",
            "items": _type(typing.get_args(hint)[0], item_meta, True),
            "maxItems": meta.get("max_items", MAX_ITEMS),
        }
        if required and not meta.get("empty"):
            schema["minItems"] = 1
        return schema
    if origin is Mapping or hint is Mapping:
        return {"type": "object"}
    if dataclasses.is_dataclass(hint):
        return args_schema(typing.cast(type, hint))
    return _scalar(hint, meta)


def _scalar(hint: Any, meta: Mapping[str, Any]) -> dict[str, Any]:
    if hint is str:
        return _text(meta)
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        low, high = meta.get("minimum"), meta.get("maximum")
        return {
            "type": "integer",
            "minimum": -MAX_SAFE_INTEGER if low is None else int(low),
            "maximum": MAX_SAFE_INTEGER if high is None else int(high),
        }
    if hint is Decimal:
        return _decimal(meta)
    if hint is datetime:
        return {
            "type": "string",
            "pattern": TIME_PATTERN,
            "description": "Beijing time to the second, e.g. 2021-01-15T09:30:00+08:00",
        }
    if hint is date:
        return {"type": "string", "pattern": DATE_PATTERN, "description": "e.g. 2021-01-15"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _text(meta: Mapping[str, Any]) -> dict[str, Any]:
    if meta.get("choices"):
        return {"type": "string", "enum": list(meta["choices"])}
    schema: dict[str, Any] = {"type": "string", "maxLength": meta.get("max_length", MAX_TEXT)}
    if not meta.get("empty"):
        schema["pattern"] = NOT_BLANK
    return schema


def _decimal(meta: Mapping[str, Any]) -> dict[str, Any]:
    money = bool(meta.get("money"))
    words = ["yuan >= 0 with at most two decimals" if money else "a decimal string"]
    low, high = meta.get("minimum"), meta.get("maximum")
    if low is not None:
        words.append(f"at least {low}")
    if high is not None:
        words.append(f"at most {high}")
    return {
        "type": "string",
        "pattern": MONEY_PATTERN if money else DECIMAL_PATTERN,
        "maxLength": MAX_DECIMAL_CHARS,
        "description": ", ".join(words),
    }
