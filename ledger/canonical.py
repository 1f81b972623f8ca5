"""Canonical bytes for everything that is signed or hashed (RFC 8785, JCS), and strict JSON.

Written with the standard library alone so that the offline verifiers need nothing else; the
tests check it against the ``rfc8785`` package and the public JCS vectors. Values must be
JSON-safe without floats: str, int (at most 2**53 - 1 in size), bool, None, lists and dicts
with str keys. Money travels as decimal strings and times as ISO 8601 strings.

:func:`loads_strict` is how every JSON text from outside is read: it refuses invalid UTF-8,
duplicate keys, lone surrogates, floats, NaN and Infinity, integers beyond 2**53 - 1, nesting
deeper than :data:`MAX_DEPTH` and texts larger than the caller's limit (the limits are all in
:mod:`ledger.limits`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ledger.errors import InvalidInput
from ledger.limits import MAX_DEPTH, MAX_SAFE_INTEGER, MAX_TEXT_BYTES

_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_PLAIN_JSON = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False, check_circular=False
)
_LEAVES = frozenset({str, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
_LEAVES_AND_INT = _LEAVES | {int}
_BELOW_U_E000 = bytes(range(0xEE))  # UTF-8 lead bytes from 0xEE on start U+E000 and above


def canonical_bytes(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 encoding of ``value``.

    Plain values (dicts with str keys, lists, tuples, str, bool, None and safe ints, nested at
    most :data:`MAX_DEPTH` deep) go through the standard library's C encoder, which writes the
    same bytes as JCS when no character sorts differently in UTF-16 than in code points (none
    at or above U+E000). Anything else takes the exact encoder, which also names what is wrong.
    """
    if _plain(value, 0):
        text = _PLAIN_JSON.encode(value)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            data = b""  # a lone surrogate: the exact encoder says where
        if data and (text.isascii() or not data.translate(None, _BELOW_U_E000)):
            return data
    return _encode(value, "$", 0).encode("utf-8")


def domain_digest(domain: bytes, value: Any) -> bytes:
    """SHA-256 over ``domain`` (a fixed label ending in a newline) and the canonical bytes."""
    return hashlib.sha256(domain + canonical_bytes(value)).digest()


def same_value(one: Any, two: Any) -> bool:
    """Whether two values are the same JSON of the same plain types (str, int, bool, None,
    dict with str keys, list, tuple), so that :func:`canonical_bytes` writes (or refuses)
    both alike. False for anything else, where only comparing their bytes can tell."""
    kind = type(one)
    if kind is not type(two):
        return False
    if kind is dict:
        return _same_object(one, two)
    if kind is list or kind is tuple:
        return len(one) == len(two) and all(map(same_value, one, two))
    return kind in _LEAVES_AND_INT and bool(one == two)


def _same_object(one: dict[Any, Any], two: dict[Any, Any]) -> bool:
    if len(one) != len(two) or not set(map(type, one)) | set(map(type, two)) <= {str}:
        return False
    return all(key in two and same_value(item, two[key]) for key, item in one.items())


def loads_strict(data: bytes | str, where: str, *, max_bytes: int = MAX_TEXT_BYTES) -> Any:
    """Parse a JSON text strictly; :class:`InvalidInput` naming ``where`` and the problem."""
    return loads_canonical(data, where, max_bytes=max_bytes)[0]


def loads_canonical(
    data: bytes | str, where: str, *, max_bytes: int = MAX_TEXT_BYTES
) -> tuple[Any, bytes]:
    """:func:`loads_strict`, with the canonical bytes of the value it read (computed once)."""
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InvalidInput(f"{where}: {size} bytes is more than the limit of {max_bytes}")
    if not size:
        raise InvalidInput(f"{where}: empty, not a JSON text")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        _check_nesting(text, where)
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_no_float,
            parse_constant=_no_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise InvalidInput(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{where}: not UTF-8 (byte {exc.start} cannot be decoded)") from None
    except ValueError as exc:
        raise InvalidInput(f"{where}: not strict JSON ({exc})") from None
    try:
        encoded = canonical_bytes(value)  # lone surrogates, depth
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    return value, encoded


def _check_nesting(text: str, where: str) -> None:
    """Refuse deep nesting before the parser sees it: its recursion could exhaust the C stack.

    Brackets inside strings do not count; the outermost value is depth 0, as in
    :func:`canonical_bytes`, so at most ``MAX_DEPTH + 1`` containers are open at once.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH + 1:
        return  # fewer openers in all, inside strings or not, than the limit
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_DEPTH + 1:
                raise InvalidInput(f"{where}: nested more than {MAX_DEPTH} levels deep")
        elif mark in "]}":
            depth -= 1


def _plain(value: Any, depth: int) -> bool:
    """Whether ``value`` is JSON the C encoder writes canonically (types, ranges, depth)."""
    kind = type(value)
    if kind is dict:
        if value and depth >= MAX_DEPTH:
            return False
        for key in value:
            if type(key) is not str:
                return False
        return _plain_items(value.values(), depth)
    if kind is list or kind is tuple:
        if value and depth >= MAX_DEPTH:
            return False
        return _plain_items(value, depth)
    return _plain_items((value,), depth - 1)


def _plain_items(items: Iterable[Any], depth: int) -> bool:
    """Whether every item of a container at ``depth`` is plain (leaves checked in line)."""
    for item in items:
        kind = type(item)
        if kind in _LEAVES:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            return False
        if kind not in _CONTAINERS or not _plain(item, depth + 1):
            return False
    return True


def _encode(value: Any, path: str, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise InvalidInput(f"{path}: nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return "null" if value is None else ("true" if value else "false")
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidInput(f"{path}: integer {value} is outside ±(2**53 - 1)")
        return str(value)
    if isinstance(value, str):
        _check_unicode(value, path)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        raise InvalidInput(f"{path}: floats are not allowed in signed data; use a decimal string")
    if isinstance(value, list | tuple):
        items = (_encode(item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))
        return "[" + ",".join(items) + "]"
    if isinstance(value, Mapping):
        return _encode_object(value, path, depth)
    raise InvalidInput(f"{path}: {type(value).__name__} has no canonical JSON form")


def _encode_object(value: Mapping[Any, Any], path: str, depth: int) -> str:
    if not all(isinstance(key, str) for key in value):
        raise InvalidInput(f"{path}: object keys must be strings")
    for key in value:
        _check_unicode(key, path)
    keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
    members = (
        f"{json.dumps(key, ensure_ascii=False)}:{_encode(value[key], f'{path}.{key}', depth + 1)}"
        for key in keys
    )
    return "{" + ",".join(members) + "}"


def _check_unicode(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{path}: string holds a lone surrogate") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise ValueError(f"non-integer number {text}")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > len(str(MAX_SAFE_INTEGER)):
        raise ValueError(f"integer {text[:24]}… is outside ±(2**53 - 1)")
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError(f"integer {text} is outside ±(2**53 - 1)")
    return value
