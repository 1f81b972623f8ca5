"""Typed arguments: one dataclass per command, parsed once from the signed ``args``.

A command class's fields are its arguments. Their types say how each is read and written
(``str``, ``int``, ``bool``, ``Decimal`` as a decimal string, ``datetime`` as ISO 8601 in
Beijing time to the second, ``Literal`` choices, ``X | None``, ``tuple[X, ...]``, a nested
dataclass, or ``Mapping[str, Any]`` for an opaque JSON object), and :func:`arg` adds limits.
:func:`parse` refuses unknown fields, missing ones, wrong types, values out of range and
anything not in canonical form (the arguments must be exactly what :func:`to_args` writes
back), naming the field. :mod:`ledger.procedure.json_schema` describes them for clients.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from ledger.canonical import canonical_bytes, same_value
from ledger.clock import format_time, parse_time
from ledger.errors import InvalidInput
from ledger.limits import MAX_ITEMS, MAX_SAFE_INTEGER, MAX_STRING

T = TypeVar("T")
MAX_TEXT = MAX_STRING
TWO_PLACES = Decimal("0.01")


def arg(
    *,
    default: Any = dataclasses.MISSING,
    name: str | None = None,
    minimum: int | Decimal | None = None,
    maximum: int | Decimal | None = None,
    money: bool = False,
    empty: bool = False,
    max_length: int = MAX_TEXT,
    max_items: int = MAX_ITEMS,
    choices: tuple[str, ...] = (),
    doc: str = "",
) -> Any:
    """A field with limits: ``name`` as signed, bounds, ``money`` (yuan, ≥ 0, two places)."""
    meta = {
        "arg": name,
        "minimum": minimum,
        "maximum": maximum,
        "money": money,
        "empty": empty,
        "max_length": max_length,
        "max_items": max_items,
        "choices": choices,
        "doc": doc,
    }
    if isinstance(default, list | dict | set):
        raise TypeError("use a tuple or a default factory for collection defaults")
    return dataclasses.field(default=default, metadata=meta)


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str  # the attribute
    key: str  # the name in the signed args
    hint: Any
    required: bool
    default: Any
    meta: Mapping[str, Any]


def fields_of(cls: type) -> tuple[_Field, ...]:
    """The signed fields of a dataclass, with their resolved types (``target`` excluded)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = _resolve(cls)
    return found


_FIELDS: dict[type, tuple[_Field, ...]] = {}


def _resolve(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    result = []
    for item in dataclasses.fields(cls):
        if item.metadata.get("target"):
            continue
        meta = dict(item.metadata) or {"arg": None, "max_length": MAX_TEXT, "max_items": MAX_ITEMS}
        has_default = (
            item.default is not dataclasses.MISSING
            or item.default_factory is not dataclasses.MISSING
        )
        default: Any = item.default
        if item.default is dataclasses.MISSING:
            factory: Any = item.default_factory
            default = factory() if has_default else None
        key = meta.get("arg") or item.name
        result.append(_Field(item.name, key, hints[item.name], not has_default, default, meta))
    return tuple(result)


def parse(cls: type[T], args: Any, where: str = "args") -> T:
    """``cls`` from signed arguments; :class:`InvalidInput` naming the field at fault."""
    value = _object(cls, args, where)
    written = to_args(value)
    if same_value(written, args):  # the same plain JSON: one encoding refuses or passes both
        canonical_bytes(args)
    elif canonical_bytes(written) != canonical_bytes(args):
        raise InvalidInput(f"{where}: {_first_difference(args, written, where)}")
    return value


def complete(cls: type[T], args: Any, where: str = "args") -> T:
    """``cls`` from arguments as a person writes them: fields with a default may be left out
    and values need not be in canonical form (``to_args`` of the result is); every other
    rule of :func:`parse` holds. For commands still to be signed, never for signed ones."""
    return _object(cls, args, where)


def to_args(value: Any) -> dict[str, Any]:
    """The signed arguments of a command or nested value (``None`` fields left out)."""
    return {
        item.key: _write(getattr(value, item.name))
        for item in fields_of(type(value))
        if getattr(value, item.name) is not None
    }


def _object(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, Mapping):
        raise InvalidInput(f"{where} must be an object")
    known = {item.key: item for item in fields_of(cls)}
    if unknown := sorted(set(data) - set(known)):
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}")
    values: dict[str, Any] = {}
    for key, item in known.items():
        if key not in data:
            if item.required:
                raise InvalidInput(f"{where}: field {key!r} is missing")
            values[item.name] = item.default
        elif data[key] is None:
            if not _optional(item.hint):
                raise InvalidInput(f"{where}.{key} must not be null")
            values[item.name] = None
        else:
            values[item.name] = _read(item.hint, data[key], f"{where}.{key}", item.meta)
            if values[item.name] == () and item.required and not item.meta.get("empty"):
                raise InvalidInput(f"{where}.{key} must not be an empty list")
    for target in dataclasses.fields(cls):  # type: ignore[arg-type]
        if target.metadata.get("target"):
            values[target.name] = ""  # the stream: set by the caller from the signed command
    return cls(**values)


def _read(hint: Any, value: Any, where: str, meta: Mapping[str, Any]) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [h for h in typing.get_args(hint) if h is not type(None)]
        return _read(inner[0], value, where, meta)
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices or type(value) is not type(choices[0]):
            raise InvalidInput(f"{where} must be one of {', '.join(map(str, choices))}")
        return value
    if origin is tuple:
        return _tuple(typing.get_args(hint)[0], value, where, meta)
    if origin is Mapping or hint is Mapping:
        if not isinstance(value, Mapping):
            raise InvalidInput(f"{where} must be an object")
        canonical_bytes(value)
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return _object(typing.cast(type, hint), value, where)
    reader = _READERS.get(hint)
    if reader is None:
        raise TypeError(f"{where}: no reader for {hint!r}")
    return reader(value, where, meta)


def _tuple(item_hint: Any, value: Any, where: str, meta: Mapping[str, Any]) -> tuple[Any, ...]:
    if not isinstance(value, list):
        raise InvalidInput(f"{where} must be a list")
    if len(value) > meta.get("max_items", MAX_ITEMS):
        raise InvalidInput(f"{where}: more than {meta.get('max_items', MAX_ITEMS)} items")
    item_meta = {k: v for k, v in meta.items() if k not in ("max_items",)}
    return tuple(_read(item_hint, v, f"{where}[{n}]", item_meta) for n, v in enumerate(value))


def _text(value: Any, where: str, meta: Mapping[str, Any]) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be a string")
    if not meta.get("empty") and not value.strip():
        raise InvalidInput(f"{where} must not be empty")
    if len(value) > meta.get("max_length", MAX_TEXT):
        raise InvalidInput(f"{where}: longer than {meta.get('max_length', MAX_TEXT)} characters")
    if meta.get("choices") and value not in meta["choices"]:
        raise InvalidInput(f"{where} must be one of {', '.join(meta['choices'])}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"{where}: the string holds a lone surrogate") from None
    return value


def _integer(value: Any, where: str, meta: Mapping[str, Any]) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{where} must be an integer")
    low, high = meta.get("minimum"), meta.get("maximum")
    low = -MAX_SAFE_INTEGER if low is None else low
    high = MAX_SAFE_INTEGER if high is None else high
    if not low <= value <= high:
        raise InvalidInput(f"{where} must be an integer from {low} to {high}, found {value}")
    return value


def _flag(value: Any, where: str, meta: Mapping[str, Any]) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{where} must be true or false")
    return value


def _decimal(value: Any, where: str, meta: Mapping[str, Any]) -> Decimal:
    try:
        parsed = Decimal(value) if isinstance(value, str) and len(value) <= 40 else None
    except InvalidOperation:
        parsed = None
    if parsed is None or not parsed.is_finite():
        raise InvalidInput(f"{where} must be a decimal string such as '334860.00'")
    if meta.get("money") and (parsed < 0 or parsed != parsed.quantize(TWO_PLACES)):
        raise InvalidInput(f"{where}: {value!r} must be yuan >= 0 with at most two decimals")
    low, high = meta.get("minimum"), meta.get("maximum")
    if (low is not None and parsed < low) or (high is not None and parsed > high):
        raise InvalidInput(f"{where}: {value!r} must lie in [{low}, {high}]")
    return parsed


def _moment(value: Any, where: str, meta: Mapping[str, Any]) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be a time such as '2021-01-15T09:30:00+08:00'")
    try:
        return parse_time(value)
    except InvalidInput:
        raise InvalidInput(f"{where}: {value!r} is not an ISO 8601 time with an offset") from None


def _day(value: Any, where: str, meta: Mapping[str, Any]) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput(f"{where} must be a date such as '2021-01-15'")


_READERS: dict[Any, Any] = {
    str: _text,
    int: _integer,
    bool: _flag,
    Decimal: _decimal,
    datetime: _moment,
    date: _day,
}


def _write(value: Any) -> Any:
    if isinstance(value, Decimal | datetime | date):
        return _scalar(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_args(value)
    if isinstance(value, Mapping):
        return {str(key): _write(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_write(item) for item in value]
    return value


def _scalar(value: Decimal | datetime | date) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    return format_time(value) if isinstance(value, datetime) else value.isoformat()


def _optional(hint: Any) -> bool:
    return typing.get_origin(hint) in (types.UnionType, typing.Union) and type(None) in (
        typing.get_args(hint)
    )


def _first_difference(given: Any, canonical: Any, where: str) -> str:
    """Where ``given`` differs from its canonical form, for the error message."""
    if isinstance(given, Mapping) and isinstance(canonical, Mapping):
        for key in sorted(set(given) | set(canonical)):
            if key not in canonical:
                return f"field {where}.{key} must be left out, not null"
            if key not in given:
                return f"field {where}.{key} must be given as {canonical[key]!r}"
            if canonical_bytes(given[key]) != canonical_bytes(canonical[key]):
                return _first_difference(given[key], canonical[key], f"{where}.{key}")
    if isinstance(given, list) and isinstance(canonical, list) and len(given) == len(canonical):
        for n, (one, two) in enumerate(zip(given, canonical, strict=True)):
            if canonical_bytes(one) != canonical_bytes(two):
                return _first_difference(one, two, f"{where}[{n}]")
    return f"{where} is not in canonical form: {given!r:.60} should be written {canonical!r:.60}"
